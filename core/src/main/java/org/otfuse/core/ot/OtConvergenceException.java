package org.otfuse.core.ot;

/**
 * An iterative OT solver ({@link Sinkhorn}) stopped without reaching its tolerance: the iteration
 * limit was hit, or a NaN or infinity appeared. The message states the regularisation, the
 * iterations done and the marginal error reached; the same numbers are available as accessors.
 */
public class OtConvergenceException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  private final double reg;
  private final int iterations;
  private final double marginalError;

  /**
   * @param message what happened, including the numbers below
   * @param reg the entropic regularisation the solver ran with
   * @param iterations the iterations done
   * @param marginalError the last marginal error measured (NaN when it could not be)
   */
  public OtConvergenceException(String message, double reg, int iterations,
      double marginalError) {
    super(message);
    this.reg = reg;
    this.iterations = iterations;
    this.marginalError = marginalError;
  }

  /** The regularisation the solver ran with. */
  public double reg() {
    return reg;
  }

  /** The iterations done before giving up. */
  public int iterations() {
    return iterations;
  }

  /** The last marginal error measured, {@code max(rowError, colError)}; NaN if unknown. */
  public double marginalError() {
    return marginalError;
  }
}
