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

  /** SGD lr 0.01 momentum 0.9 (no decay, constant rate), batch 64: the reference's MNIST MLP recipe. */
  public static TrainOptions sgdDefaults(int epochs, long seed) {
    return new TrainOptions(epochs, 64, OptimizerOptions.sgd(0.01, 0.9, 0), LrSchedule.constant(),
        Augmentation.NONE, seed);
  }

  public TrainOptions withEpochs(int e) {
    return new TrainOptions(e, batchSize, optimizer, schedule, augmentation, seed);
  }

  public TrainOptions withSeed(long s) {
    return new TrainOptions(epochs, batchSize, optimizer, schedule, augmentation, s);
  }

  public TrainOptions withBatchSize(int b) {
    return new TrainOptions(epochs, b, optimizer, schedule, augmentation, seed);
  }

  public TrainOptions withOptimizer(OptimizerOptions o) {
    return new TrainOptions(epochs, batchSize, o, schedule, augmentation, seed);
  }

  public TrainOptions withSchedule(LrSchedule s) {
    return new TrainOptions(epochs, batchSize, optimizer, s, augmentation, seed);
  }

  public TrainOptions withAugmentation(Augmentation a) {
    return new TrainOptions(epochs, batchSize, optimizer, schedule, a, seed);
  }

  /** A stable description, part of the resume fingerprint. */
  @Override
  public String toString() {
    return "epochs=" + epochs + ", batch=" + batchSize + ", " + optimizer + ", schedule=" + schedule
        + ", augmentation=" + augmentation.name().toLowerCase(java.util.Locale.ROOT) + ", seed=" + seed;
  }
}
