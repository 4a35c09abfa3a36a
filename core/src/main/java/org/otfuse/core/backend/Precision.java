package org.otfuse.core.backend;

/**
 * The arithmetic a backend's Sinkhorn iterations use on the device (potentials, exponentials and
 * their sums). The cost always enters as float32; the CPU backends always compute in float64 and
 * ignore this setting.
 */
public enum Precision {
  /**
   * float32 throughout: the fastest on a GPU. Potentials carry about {@code 6e-8 |C'/reg|}
   * absolute error ({@code C'} the row-shifted cost, see {@link TransportBackend}), so the smallest
   * reachable marginal error is a few times {@code 1e-7 (C'/reg) a_i}: about {@code 5e-6 a_i} for
   * {@code C'/reg} near 35. A tolerance below that ends in an {@link
   * org.otfuse.core.ot.OtConvergenceException}, never in a silently inaccurate plan; {@code 1e-4
   * max(a)} is safe (the contract tests and benchmarks use it).
   */
  FLOAT32,
  /** float64 potentials, exponentials and sums (the cost itself stays the float32 input). */
  FLOAT64
}
