package org.otfuse.core.ot;

/**
 * How a ground cost matrix is rescaled before it is handed to a solver, as the reference
 * implementation's {@code ground_metric.py} ({@code --ground-metric-normalize}) does. Scaling does
 * not change the exact OT plan but changes the meaning of an entropic regularisation strength.
 */
public enum CostNormalization {
  /** The cost as computed. */
  NONE,
  /** {@code C / max(C)}. */
  MAX,
  /**
   * {@code C / median(C)} with the <em>lower</em> median of all entries: for an even count the
   * smaller of the two middle values, as {@code torch.median} returns it (NumPy's
   * {@code np.median} would average the two).
   */
  MEDIAN,
  /** {@code C / mean(C)}. */
  MEAN,
  /** {@code log(1 + C)} (elementwise {@code log1p}). */
  LOG
}
