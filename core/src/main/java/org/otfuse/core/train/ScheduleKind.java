package org.otfuse.core.train;

/** Shape of the learning-rate schedule; see {@link LrSchedule}. */
public enum ScheduleKind {
  /** The base rate throughout. */
  CONSTANT,
  /** {@code StepLR}: multiply by {@code gamma} every {@code stepEpochs} epochs. */
  STEP,
  /** {@code CosineAnnealingLR} to 0 over the whole run, stepped every minibatch. */
  COSINE
}
