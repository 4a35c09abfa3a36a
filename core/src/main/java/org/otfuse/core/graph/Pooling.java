package org.otfuse.core.graph;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.factory.Nd4j;

/**
 * 2-d max and average pooling of NCHW arrays with PyTorch's semantics ({@code nn.MaxPool2d},
 * {@code nn.AvgPool2d} with {@code count_include_pad=True}, {@code ceil_mode=False}), through
 * libnd4j's {@code maxpool2d} / {@code avgpool2d} custom ops and their {@code _bp} gradients.
 *
 * <p>Why the custom ops: ND4J 1.0.0-M2.1's {@code Nd4j.cnn().avgPooling2d} ignores {@code
 * Divisor.INCLUDE_PADDING} and divides by the cells inside the image (a 3x3/s1/p1 pool of ones
 * gives 1 in a corner, PyTorch 4/9); the op's integer argument 9 = 1 counts the padding. One
 * implementation for inference ({@link Network}) and training ({@code train.Backprop}).
 */
public final class Pooling {
  private Pooling() {}

  /** The two pools. */
  public enum Kind {
    MAX("maxpool2d"),
    AVG("avgpool2d");

    private final String op;

    Kind(String op) {
      this.op = op;
    }
  }

  /** kH, kW, sH, sW, pH, pW, dH, dW, same-mode 0, extra 1 (avg: include padding), format 0 (NCHW). */
  private static int[] args(int k, int s, int p) {
    return new int[] {k, k, s, s, p, p, 1, 1, 0, 1, 0};
  }

  /** Output side of a k x k window with stride s and padding p (pooling or convolution): {@code floor((in + 2p - k) / s) + 1}. */
  public static long outSize(long in, int k, int s, int p) {
    return (in + 2L * p - k) / s + 1;
  }

  /** The pool of {@code x} (N x C x H x W), a new array of {@code x}'s dtype. */
  public static INDArray forward(Kind kind, INDArray x, int k, int s, int p) {
    if (x.rank() != 4) {
      throw new IllegalArgumentException(kind + " pooling needs an N x C x H x W input but got shape "
          + java.util.Arrays.toString(x.shape()));
    }
    long[] shape = {x.size(0), x.size(1), outSize(x.size(2), k, s, p), outSize(x.size(3), k, s, p)};
    INDArray out = Nd4j.create(x.dataType(), shape);
    Nd4j.exec(DynamicCustomOp.builder(kind.op).addInputs(x.ordering() == 'c' ? x : x.dup('c')).addOutputs(out)
        .addIntegerArguments(args(k, s, p)).build());
    return out;
  }

  /** The gradient with respect to {@code x} of the pool, given {@code dy} for its output. */
  public static INDArray backward(Kind kind, INDArray x, INDArray dy, int k, int s, int p) {
    INDArray dx = Nd4j.create(x.dataType(), x.shape());
    Nd4j.exec(DynamicCustomOp.builder(kind.op + "_bp").addInputs(x.ordering() == 'c' ? x : x.dup('c'),
        dy.ordering() == 'c' ? dy : dy.dup('c')).addOutputs(dx).addIntegerArguments(args(k, s, p)).build());
    return dx;
  }
}
