package org.otfuse.core.model;

import java.util.Arrays;

/**
 * What a caller expects of an MLP checkpoint: input width, hidden widths, number of classes and
 * whether layers carry biases. A null field means "read it from the checkpoint".
 *
 * <p>{@link #MLPNET} is the reference implementation's MNIST model: 784-400-200-100-10, no biases,
 * layers {@code fc1..fc4}.
 */
public record MlpSpec(Integer inputDim, int[] hidden, Integer numClasses, Boolean bias) {

  /** The reference MLPNet shape; widths and bias are still checked against the checkpoint. */
  public static final MlpSpec MLPNET = new MlpSpec(784, new int[] {400, 200, 100}, 10, null);

  /** Everything read from the checkpoint. */
  public static final MlpSpec INFER = new MlpSpec(null, null, null, null);

  public MlpSpec {
    hidden = hidden == null ? null : hidden.clone();
    if (hidden != null && Arrays.stream(hidden).anyMatch(w -> w <= 0)) {
      throw new IllegalArgumentException("hidden widths must be positive but are " + Arrays.toString(hidden));
    }
  }

  @Override
  public int[] hidden() {
    return hidden == null ? null : hidden.clone();
  }

  /** This spec with the given hidden widths (null = infer). */
  public MlpSpec withHidden(int[] widths) {
    return new MlpSpec(inputDim, widths, numClasses, bias);
  }

  /** This spec with bias presence fixed (null = infer). */
  public MlpSpec withBias(Boolean b) {
    return new MlpSpec(inputDim, hidden, numClasses, b);
  }
}
