package org.otfuse.core.graph;

import java.util.Arrays;

/**
 * Which built-in network to build: {@code name} (mlpnet, mlp, vgg11, vgg13, vgg16, vgg19,
 * vgg11_half, vgg11_doub, vgg11_quad, resnet18, resnet34, or a path to a HOCON {@code .conf}),
 * a width multiplier of the standard channel counts, bias and BatchNorm switches, the number of
 * classes and the input shape (C, H, W) or (F).
 *
 * @param hidden MLP hidden widths (null: the architecture's default, scaled by {@code width})
 */
public record ArchSpec(String name, double width, boolean bias, boolean batchNorm, int numClasses,
    long[] inputShape, int[] hidden) {

  public ArchSpec {
    if (!(width > 0)) {
      throw new IllegalArgumentException("width multiplier is " + width + " but must be > 0");
    }
    if (numClasses < 1) {
      throw new IllegalArgumentException("number of classes is " + numClasses + " but must be >= 1");
    }
    inputShape = inputShape.clone();
    hidden = hidden == null ? null : hidden.clone();
  }

  @Override
  public long[] inputShape() {
    return inputShape.clone();
  }

  @Override
  public int[] hidden() {
    return hidden == null ? null : hidden.clone();
  }

  /** CIFAR defaults: 3 x 32 x 32 inputs, 10 classes, width 1, biases and BatchNorm on. */
  public static ArchSpec cifar(String name) {
    return new ArchSpec(name, 1.0, true, true, 10, new long[] {3, 32, 32}, null);
  }

  public ArchSpec withWidth(double w) {
    return new ArchSpec(name, w, bias, batchNorm, numClasses, inputShape, hidden);
  }

  public ArchSpec withBias(boolean b) {
    return new ArchSpec(name, width, b, batchNorm, numClasses, inputShape, hidden);
  }

  public ArchSpec withBatchNorm(boolean b) {
    return new ArchSpec(name, width, bias, b, numClasses, inputShape, hidden);
  }

  public ArchSpec withNumClasses(int k) {
    return new ArchSpec(name, width, bias, batchNorm, k, inputShape, hidden);
  }

  public ArchSpec withInputShape(long... shape) {
    return new ArchSpec(name, width, bias, batchNorm, numClasses, shape, hidden);
  }

  public ArchSpec withHidden(int... widths) {
    return new ArchSpec(name, width, bias, batchNorm, numClasses, inputShape, widths);
  }

  @Override
  public String toString() {
    return name + "(width " + width + (bias ? ", bias" : ", no bias") + (batchNorm ? ", bn" : ", no bn") + ", "
        + numClasses + " classes, input " + Arrays.toString(inputShape)
        + (hidden == null ? "" : ", hidden " + Arrays.toString(hidden)) + ")";
  }
}
