package org.otfuse.core.train;

/**
 * One training run's settings, validated on construction.
 *
 * @param epochs epochs to train (the run's total, counting epochs done before a resume)
 * @param batchSize minibatch size; the last, smaller batch of an epoch is kept (PyTorch's
 *     {@code drop_last=False}) unless it has a single image and the network has BatchNorm
 * @param seed drives shuffling and augmentation: epoch {@code e} uses the streams of
 *     {@code (seed, e)}, so a resumed run draws exactly what an uninterrupted one would
 */
public record TrainOptions(int epochs, int batchSize, OptimizerOptions optimizer, LrSchedule schedule,
    Augmentation augmentation, long seed) {

  public TrainOptions {
    if (epochs < 1) {
      throw new IllegalArgumentException("epochs is " + epochs + " but must be >= 1");
    }
    if (batchSize < 1) {
      throw new IllegalArgumentException("batch size is " + batchSize + " but must be >= 1");
    }
    if (optimizer == null || schedule == null || augmentation == null) {
      throw new IllegalArgumentException("optimizer, schedule and augmentation must be set, got " + optimizer
          + ", " + schedule + ", " + augmentation);
    }
  }

  /** A stable description, part of the resume fingerprint. */
  @Override
  public String toString() {
    return "epochs=" + epochs + ", batch=" + batchSize + ", " + optimizer + ", schedule=" + schedule
        + ", augmentation=" + augmentation.name().toLowerCase(java.util.Locale.ROOT) + ", seed=" + seed;
  }
}
