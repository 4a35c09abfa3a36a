package org.otfuse.core.backend;

import org.otfuse.core.ot.SinkhornOptions;

/**
 * What a {@link TransportBackend} Sinkhorn call should do: the entropic problem {@code min <P, C>
 * - reg H(P)} with POT's {@code ot.sinkhorn} conventions (kernel {@code exp(-C / reg)}, {@code
 * reg} in cost units), and its stopping rule.
 *
 * @param reg the entropic regularisation, finite and {@code > 0}, in cost units
 * @param tolerance the largest accepted marginal error {@code max(rowError, colError)} (absolute,
 *     mass units) of the returned plan, finite and {@code > 0}
 * @param maxIterations the most iterations (column update plus row update) before an {@link
 *     org.otfuse.core.ot.OtConvergenceException}, {@code >= 1}
 * @param checkEvery the row error is looked at every {@code checkEvery} iterations (and at {@code
 *     maxIterations}); on a GPU each look is a device-to-host synchronisation. {@code 1} checks
 *     every iteration as {@link org.otfuse.core.ot.Sinkhorn} does; POT checks every 10. The
 *     iteration count returned is a multiple of it (or {@code maxIterations}).
 * @param precision the device arithmetic (CPU backends always use float64)
 * @param returnPlan whether the {@code n x m} plan is materialised and returned (else only the
 *     potentials, marginal errors and transport cost)
 */
public record SinkhornSpec(double reg, double tolerance, int maxIterations, int checkEvery,
    Precision precision, boolean returnPlan) {

  /** POT's habit: look at the error every 10 iterations. */
  public static final int DEFAULT_CHECK_EVERY = 10;

  /** Validates every field. */
  public SinkhornSpec {
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
    if (checkEvery < 1) {
      throw new IllegalArgumentException("checkEvery is " + checkEvery + " but must be >= 1");
    }
    if (precision == null) {
      throw new IllegalArgumentException("precision is null; use Precision.FLOAT64 or FLOAT32");
    }
  }

  /**
   * The same stopping rule as {@link org.otfuse.core.ot.Sinkhorn} with {@code options}: float64,
   * checked every iteration, plan returned.
   */
  public static SinkhornSpec of(SinkhornOptions options) {
    return new SinkhornSpec(options.reg(), options.tolerance(), options.maxIterations(), 1,
        Precision.FLOAT64, true);
  }

  /** {@code reg} with {@link SinkhornOptions}' default tolerance and limit, float64, plan. */
  public static SinkhornSpec of(double reg) {
    return new SinkhornSpec(reg, SinkhornOptions.DEFAULT_TOLERANCE,
        SinkhornOptions.DEFAULT_MAX_ITERATIONS, DEFAULT_CHECK_EVERY, Precision.FLOAT64, true);
  }

  /** A copy with another precision. */
  public SinkhornSpec withPrecision(Precision p) {
    return new SinkhornSpec(reg, tolerance, maxIterations, checkEvery, p, returnPlan);
  }

  /** A copy with another check interval. */
  public SinkhornSpec withCheckEvery(int every) {
    return new SinkhornSpec(reg, tolerance, maxIterations, every, precision, returnPlan);
  }

  /** A copy that does or does not return the plan. */
  public SinkhornSpec withPlan(boolean plan) {
    return new SinkhornSpec(reg, tolerance, maxIterations, checkEvery, precision, plan);
  }
}
