package org.otfuse.core.train;

/** Which update rule {@link Optimizer} applies. */
public enum OptimizerKind {
  /** {@code torch.optim.SGD}: momentum buffer {@code v = mu v + g}, optionally Nesterov. */
  SGD,
  /** {@code torch.optim.Adam} (L2 weight decay added to the gradient, as PyTorch's Adam). */
  ADAM
}
