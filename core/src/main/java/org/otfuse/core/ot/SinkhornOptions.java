package org.otfuse.core.ot;

/**
 * Options of {@link Sinkhorn} (entropic OT, Cuturi 2013; Singh and Jaggi 2020 use it as the
 * "soft" alternative to eq. (1)).
 *
 * @param reg the entropic regularisation {@code reg > 0} in cost units, as POT's
 *     {@code ot.sinkhorn(a, b, C, reg)}: the solver minimises {@code <P, C> - reg H(P)}, i.e.
 *     uses the kernel {@code exp(-C / reg)}; the cost is not normalised inside the solver
 * @param tolerance the largest accepted marginal error {@code max(rowError, colError)} (absolute,
 *     in mass units), {@code > 0}
 * @param maxIterations the most column-and-row update pairs before giving up with an {@link
 *     OtConvergenceException}, {@code >= 1}
 */
public record SinkhornOptions(double reg, double tolerance, int maxIterations) {

  /** Default tolerance: {@code 1e-9}, the {@code stopThr} the fixtures used with POT. */
  public static final double DEFAULT_TOLERANCE = 1e-9;

  /** Default iteration limit: {@code 10_000}. */
  public static final int DEFAULT_MAX_ITERATIONS = 10_000;

  /** Validates every field. */
  public SinkhornOptions {
    if (!(reg > 0) || Double.isInfinite(reg)) {
      throw new IllegalArgumentException("reg is " + reg + " but must be finite and > 0");
    }
    if (!(tolerance > 0) || Double.isInfinite(tolerance)) {
      throw new IllegalArgumentException(
          "tolerance is " + tolerance + " but must be finite and > 0");
    }
    if (maxIterations < 1) {
      throw new IllegalArgumentException(
          "maxIterations is " + maxIterations + " but must be >= 1");
    }
  }

  /** {@code reg} with the default tolerance and iteration limit. */
  public static SinkhornOptions of(double reg) {
    return new SinkhornOptions(reg, DEFAULT_TOLERANCE, DEFAULT_MAX_ITERATIONS);
  }
}
