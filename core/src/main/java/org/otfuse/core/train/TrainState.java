package org.otfuse.core.train;

import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Everything a run needs to continue after {@code epochsDone} epochs: parameters (with BatchNorm
 * running statistics), optimiser state and step count, and the history so far. The shuffling and
 * augmentation streams are functions of (seed, epoch), so the epoch count is the RNG state.
 *
 * @param params state_dict-named tensors (shared, not copied)
 * @param optimizerState {@link Optimizer#state()} (shared, not copied)
 */
public record TrainState(int epochsDone, Map<String, INDArray> params, Map<String, INDArray> optimizerState,
    long optimizerSteps, List<EpochStats> history) {
  public TrainState {
    params = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(params));
    optimizerState = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(optimizerState));
    history = List.copyOf(history);
  }
}
