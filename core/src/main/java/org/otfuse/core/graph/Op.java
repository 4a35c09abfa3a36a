package org.otfuse.core.graph;

/**
 * One operation of a forward graph, with the PyTorch module name its parameters live under
 * ({@code <module>.weight}, {@code <module>.bias}, BatchNorm's {@code running_mean} ...).
 * Tensors are NCHW for images and N x F after {@link Flatten} or for vector inputs.
 */
public sealed interface Op {

  /** The network input; {@code shape} excludes the batch axis: (C, H, W) or (F). */
  record Input(long[] shape) implements Op {
    public Input {
      shape = shape.clone();
    }

    @Override
    public long[] shape() {
      return shape.clone();
    }
  }

  /** {@code nn.Linear(in, out, bias)}: weight out x in. */
  record Linear(String module, int in, int out, boolean bias) implements Op {}

  /** {@code nn.Conv2d(in, out, kernel, stride, padding, bias)}: weight out x in x k x k. */
  record Conv2d(String module, int in, int out, int kernel, int stride, int padding, boolean bias) implements Op {}

  /** {@code nn.BatchNorm2d/1d(features)} in inference mode (running statistics). */
  record BatchNorm(String module, int features, double eps) implements Op {}

  /** Rectified linear unit. */
  record Relu() implements Op {}

  /** {@code nn.MaxPool2d(kernel, stride, padding)}. */
  record MaxPool2d(int kernel, int stride, int padding) implements Op {}

  /** {@code nn.AvgPool2d(kernel, stride, padding)} (padding counted in the divisor, as PyTorch's default). */
  record AvgPool2d(int kernel, int stride, int padding) implements Op {}

  /** {@code nn.AdaptiveAvgPool2d(1)}: mean over height and width, keeping N x C x 1 x 1. */
  record AdaptiveAvgPool2d() implements Op {}

  /** {@code x.view(N, -1)}: N x C x H x W to N x (C*H*W), channel-major. */
  record Flatten() implements Op {}

  /** Element-wise sum of the inputs (a residual connection). */
  record Add() implements Op {}
}
