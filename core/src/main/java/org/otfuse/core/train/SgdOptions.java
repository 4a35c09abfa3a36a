package org.otfuse.core.train;

/**
 * Minibatch SGD settings (PyTorch's {@code torch.optim.SGD} semantics: {@code v = mu v + g},
 * {@code w -= lr v}).
 */
public record SgdOptions(int epochs, int batchSize, double learningRate, double momentum, long seed) {
  public SgdOptions {
    if (epochs < 1 || batchSize < 1 || !(learningRate > 0) || !(momentum >= 0 && momentum < 1)) {
      throw new IllegalArgumentException("SGD options out of range: epochs=" + epochs + " (>= 1), batchSize="
          + batchSize + " (>= 1), learningRate=" + learningRate + " (> 0), momentum=" + momentum + " ([0, 1))");
    }
  }
}
