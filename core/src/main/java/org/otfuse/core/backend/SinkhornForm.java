package org.otfuse.core.backend;

/**
 * How a {@link TransportBackend} runs Sinkhorn's iterations (Cuturi 2013) for the entropic OT
 * problem that replaces Singh and Jaggi 2020, eq. (1), when a soft plan is wanted.
 */
public enum SinkhornForm {
  /**
   * Log domain: dual potentials {@code f, g} updated by stabilised log-sum-exp reductions, so no
   * Gibbs kernel is formed and nothing underflows however large {@code C / reg} is.
   */
  LOG,
  /**
   * Kernel (scaling) form: {@code u = a / (K v)}, {@code v = b / (K^T u)} with the Gibbs kernel
   * {@code K = exp(-C / reg)}: two matrix-vector products per iteration, the fastest form, but the
   * kernel can underflow; then the solver fails with an {@link
   * org.otfuse.core.ot.OtConvergenceException} rather than return a wrong plan.
   */
  KERNEL
}
