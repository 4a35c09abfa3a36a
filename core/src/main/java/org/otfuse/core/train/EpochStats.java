package org.otfuse.core.train;

/**
 * One epoch's progress.
 *
 * @param epoch 1-based
 * @param learningRate the rate at the epoch's first minibatch
 * @param trainLoss mean cross-entropy over the epoch's minibatches (training mode, augmented)
 * @param trainAccuracy percent of training images classified right during the epoch
 * @param evalAccuracy percent on the evaluation set after the epoch (NaN without one)
 * @param evalLoss mean NLL on the evaluation set (NaN without one)
 * @param imagesPerSecond training images per second of wall time (forward, backward, update,
 *     batching and augmentation; evaluation excluded)
 * @param seconds wall time of the epoch's training
 */
public record EpochStats(int epoch, double learningRate, double trainLoss, double trainAccuracy, double evalAccuracy,
    double evalLoss, double imagesPerSecond, double seconds) {}
