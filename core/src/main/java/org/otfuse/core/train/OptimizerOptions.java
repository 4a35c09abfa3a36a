package org.otfuse.core.train;

/**
 * The optimiser and its hyper-parameters, validated on construction. Weight decay is PyTorch's
 * coupled L2 ({@code g += wd * w}) and applies to every trainable tensor, biases and BatchNorm
 * affine parameters included, as {@code torch.optim.SGD(model.parameters(), weight_decay=wd)}.
 *
 * @param learningRate base learning rate (the schedule scales it)
 * @param momentum SGD momentum (ignored by Adam)
 * @param nesterov SGD Nesterov momentum (ignored by Adam)
 * @param beta1 Adam's first-moment decay (ignored by SGD)
 * @param beta2 Adam's second-moment decay (ignored by SGD)
 * @param epsilon Adam's denominator term (ignored by SGD)
 */
public record OptimizerOptions(OptimizerKind kind, double learningRate, double momentum, double weightDecay,
    boolean nesterov, double beta1, double beta2, double epsilon) {

  public OptimizerOptions {
    if (kind == null) {
      throw new IllegalArgumentException("optimizer kind is null; expected sgd or adam");
    }
    if (!(learningRate > 0) || !Double.isFinite(learningRate)) {
      throw new IllegalArgumentException("learning rate is " + learningRate + " but must be > 0");
    }
    if (!(momentum >= 0 && momentum < 1)) {
      throw new IllegalArgumentException("momentum is " + momentum + " but must be in [0, 1)");
    }
    if (nesterov && !(momentum > 0)) {
      throw new IllegalArgumentException("Nesterov momentum needs momentum > 0, got " + momentum);
    }
    if (!(weightDecay >= 0)) {
      throw new IllegalArgumentException("weight decay is " + weightDecay + " but must be >= 0");
    }
    if (!(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1)) {
      throw new IllegalArgumentException("Adam betas are (" + beta1 + ", " + beta2 + ") but must be in [0, 1)");
    }
    if (!(epsilon > 0)) {
      throw new IllegalArgumentException("Adam epsilon is " + epsilon + " but must be > 0");
    }
  }

  /** SGD with momentum and weight decay. */
  public static OptimizerOptions sgd(double learningRate, double momentum, double weightDecay) {
    return new OptimizerOptions(OptimizerKind.SGD, learningRate, momentum, weightDecay, false, 0.9, 0.999, 1e-8);
  }

  /** Adam with PyTorch's default betas (0.9, 0.999) and epsilon 1e-8. */
  public static OptimizerOptions adam(double learningRate, double weightDecay) {
    return new OptimizerOptions(OptimizerKind.ADAM, learningRate, 0, weightDecay, false, 0.9, 0.999, 1e-8);
  }

  public OptimizerOptions withNesterov(boolean n) {
    return new OptimizerOptions(kind, learningRate, momentum, weightDecay, n, beta1, beta2, epsilon);
  }

  @Override
  public String toString() {
    return kind == OptimizerKind.SGD
        ? String.format(java.util.Locale.ROOT, "sgd(lr=%s, momentum=%s, weight_decay=%s%s)", learningRate, momentum,
            weightDecay, nesterov ? ", nesterov" : "")
        : String.format(java.util.Locale.ROOT, "adam(lr=%s, betas=(%s, %s), eps=%s, weight_decay=%s)", learningRate,
            beta1, beta2, epsilon, weightDecay);
  }
}
