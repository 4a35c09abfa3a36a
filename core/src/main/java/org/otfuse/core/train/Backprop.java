package org.otfuse.core.train;

import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.otfuse.core.graph.Graph;
import org.otfuse.core.graph.Node;
import org.otfuse.core.graph.Op;
import org.otfuse.core.graph.Pooling;

/**
 * Forward pass in training or inference mode over a {@link Graph} and a mutable parameter map,
 * and the matching reverse-mode backward pass, written per op with vectorised ND4J operations
 * (NCHW activations, PyTorch parameter layouts).
 *
 * <p><b>Why not SameDiff.</b> Our graph IR has ten ops; writing their backward passes directly
 * keeps exact PyTorch semantics (BatchNorm running statistics with momentum 0.1 and the unbiased
 * variance, count-include-pad average pooling, OIYX conv weights), lets every op be
 * gradient-checked on its own in float64, adds no graph-building or session overhead per
 * minibatch, and reuses the same libnd4j kernels SameDiff would call ({@code conv2d},
 * {@code conv2d_bp}, {@code maxpool2d_bp}, {@code avgpool2d_bp}, GEMM).
 *
 * <p>Per op (dy is the gradient of the loss with respect to the op's output):
 *
 * <ul>
 *   <li>Linear {@code y = x W^T + b}: {@code dx = dy W}, {@code dW = dy^T x}, {@code db = sum_n dy}.
 *   <li>Conv2d: libnd4j {@code conv2d_bp} (inputs x, W, [b], dy; outputs dx, dW, [db]).
 *   <li>BatchNorm (training): batch mean and biased variance over N (and H, W); running
 *       statistics {@code r <- (1 - m) r + m s} with {@code m = 0.1} and the unbiased variance,
 *       {@code num_batches_tracked += 1}, as PyTorch. Backward
 *       {@code dx = gamma/sigma (dy - mean(dy) - xhat mean(dy xhat))}.
 *   <li>ReLU: {@code dx = dy [y > 0]}; MaxPool2d/AvgPool2d: libnd4j {@code maxpool2d_bp} /
 *       {@code avgpool2d_bp}; AdaptiveAvgPool2d: dy spread evenly; Flatten: reshape; Add: dy to
 *       both inputs.
 * </ul>
 *
 * Works in whatever floating-point type the inputs and parameters have (float32 for training,
 * float64 for gradient checks).
 */
public final class Backprop {
  /** PyTorch's default BatchNorm momentum. */
  public static final double BN_MOMENTUM = 0.1;

  private Backprop() {}

  /** How BatchNorm behaves in a forward pass. */
  public enum Mode {
    /** Running statistics (inference); nothing is modified. */
    EVAL,
    /** Batch statistics; running statistics are updated in place. */
    TRAIN,
    /** Batch statistics; running statistics are left alone (gradient checks, recalibration). */
    TRAIN_FROZEN_STATS
  }

  /** What a forward pass keeps for its backward pass. */
  public static final class Tape {
    private final Graph graph;
    private final Map<String, INDArray> params;
    private final Map<String, INDArray> inputs = new HashMap<>();
    private final Map<String, INDArray> outputs = new HashMap<>();
    private final Map<String, INDArray[]> bnSaved = new HashMap<>();
    private final Map<String, long[]> inputShapes = new HashMap<>();
    private INDArray logits;

    private Tape(Graph graph, Map<String, INDArray> params) {
      this.graph = graph;
      this.params = params;
    }

    /** The output node's value (N x classes). */
    public INDArray logits() {
      return logits;
    }

    /** Batch mean and biased variance of a BatchNorm module in the last training pass. */
    public INDArray[] batchStats(String module) {
      INDArray[] s = bnSaved.get(module);
      return s == null ? null : new INDArray[] {s[2], s[3]};
    }
  }

  /**
   * Runs {@code graph} on {@code x} (N x features, reshaped to N x input shape).
   *
   * @param params parameters by state_dict name; in {@link Mode#TRAIN} its BatchNorm running
   *     statistics and counters are <b>modified</b> in place; other entries are not modified
   * @param x not modified
   */
  public static Tape forward(Graph graph, Map<String, INDArray> params, INDArray x, Mode mode) {
    long[] in = graph.shape(graph.input().id());
    long[] full = new long[in.length + 1];
    full[0] = x.size(0);
    System.arraycopy(in, 0, full, 1, in.length);
    Tape t = new Tape(graph, params);
    Map<String, INDArray> values = t.outputs;
    values.put(graph.input().id(), x.reshape('c', full));
    for (Node node : graph.nodes()) {
      if (node.op() instanceof Op.Input) {
        continue;
      }
      INDArray a = values.get(node.inputs().get(0));
      long p0 = Profile.start();
      INDArray y = apply(t, node, a, values, mode);
      Profile.stop("forward", node.op(), p0);
      values.put(node.id(), y);
    }
    t.logits = values.get(graph.output());
    return t;
  }

  private static INDArray apply(Tape t, Node node, INDArray x, Map<String, INDArray> values, Mode mode) {
    Map<String, INDArray> p = t.params;
    Op op = node.op();
    if (op instanceof Op.Linear l) {
      t.inputs.put(node.id(), x);
      INDArray y = Nd4j.gemm(x, p.get(l.module() + ".weight"), false, true);
      return l.bias() ? y.addiRowVector(p.get(l.module() + ".bias")) : y;
    }
    if (op instanceof Op.Conv2d c) {
      t.inputs.put(node.id(), x);
      return conv(x, p.get(c.module() + ".weight"), c.bias() ? p.get(c.module() + ".bias") : null, c);
    }
    if (op instanceof Op.BatchNorm b) {
      return mode == Mode.EVAL ? batchNormEval(x, p, b) : batchNormTrain(t, x, p, b, mode == Mode.TRAIN);
    }
    if (op instanceof Op.Relu) {
      return Transforms.relu(x, false);
    }
    if (op instanceof Op.MaxPool2d m) {
      t.inputs.put(node.id(), x);
      return Pooling.forward(Pooling.Kind.MAX, x, m.kernel(), m.stride(), m.padding());
    }
    if (op instanceof Op.AvgPool2d m) {
      if (identityPool(m)) {
        return x;
      }
      t.inputs.put(node.id(), x);
      return Pooling.forward(Pooling.Kind.AVG, x, m.kernel(), m.stride(), m.padding());
    }
    if (op instanceof Op.AdaptiveAvgPool2d) {
      t.inputShapes.put(node.id(), x.shape());
      return x.mean(true, 2, 3);
    }
    if (op instanceof Op.Flatten) {
      t.inputShapes.put(node.id(), x.shape());
      return (x.ordering() == 'c' ? x : x.dup('c')).reshape('c', x.size(0), x.length() / x.size(0));
    }
    if (op instanceof Op.Add) {
      return x.add(values.get(node.inputs().get(1)));
    }
    throw new IllegalStateException("no training support for op " + op);
  }

  /**
   * Gradients of the loss with respect to every trainable parameter (weights and biases of
   * Linear, Conv2d and BatchNorm), given {@code dLogits}, the gradient at the output node.
   *
   * @param dLogits not modified
   * @return gradient per parameter name, same shapes and type as the parameters
   */
  public static Map<String, INDArray> backward(Tape t, INDArray dLogits) {
    Graph g = t.graph;
    Map<String, INDArray> grads = new LinkedHashMap<>();
    Map<String, INDArray> dOut = new HashMap<>();
    Set<String> rg = requiresGrad(g);
    dOut.put(g.output(), dLogits);
    List<Node> nodes = g.nodes();
    for (int i = nodes.size() - 1; i >= 1; i--) {
      Node node = nodes.get(i);
      INDArray dy = dOut.remove(node.id());
      if (dy == null || !rg.contains(node.id())) {
        continue; // does not reach the output, or nothing upstream has parameters
      }
      Op op = node.op();
      long p0 = Profile.start();
      boolean needInput = rg.contains(node.inputs().get(0));
      if (op instanceof Op.Linear l) {
        INDArray x = t.inputs.get(node.id());
        INDArray w = t.params.get(l.module() + ".weight");
        grads.put(l.module() + ".weight", Nd4j.gemm(dy, x, true, false));
        if (l.bias()) {
          grads.put(l.module() + ".bias", dy.sum(0));
        }
        if (needInput) {
          accumulate(dOut, node.inputs().get(0), dy.mmul(w));
        }
      } else if (op instanceof Op.Conv2d c) {
        INDArray x = t.inputs.get(node.id());
        INDArray[] r = convBackward(x, t.params.get(c.module() + ".weight"),
            c.bias() ? t.params.get(c.module() + ".bias") : null, dy, c);
        grads.put(c.module() + ".weight", r[1]);
        if (c.bias()) {
          grads.put(c.module() + ".bias", r[2]);
        }
        if (needInput) {
          accumulate(dOut, node.inputs().get(0), r[0]);
        }
      } else if (op instanceof Op.BatchNorm b) {
        INDArray[] r = batchNormBackward(t, b, dy);
        grads.put(b.module() + ".weight", r[1]);
        grads.put(b.module() + ".bias", r[2]);
        accumulate(dOut, node.inputs().get(0), r[0]);
      } else if (op instanceof Op.Relu) {
        INDArray y = t.outputs.get(node.id());
        accumulate(dOut, node.inputs().get(0), dy.mul(Transforms.step(y, false)));
      } else if (op instanceof Op.MaxPool2d m) {
        accumulate(dOut, node.inputs().get(0),
            Pooling.backward(Pooling.Kind.MAX, t.inputs.get(node.id()), dy, m.kernel(), m.stride(), m.padding()));
      } else if (op instanceof Op.AvgPool2d m) {
        INDArray dx = identityPool(m) ? dy
            : Pooling.backward(Pooling.Kind.AVG, t.inputs.get(node.id()), dy, m.kernel(), m.stride(), m.padding());
        accumulate(dOut, node.inputs().get(0), dx);
      } else if (op instanceof Op.AdaptiveAvgPool2d) {
        long[] s = t.inputShapes.get(node.id());
        INDArray dx = Nd4j.zeros(dy.dataType(), s[0] * s[1], s[2] * s[3])
            .addiColumnVector(dy.reshape('c', s[0] * s[1], 1).div(s[2] * s[3]));
        accumulate(dOut, node.inputs().get(0), dx.reshape('c', s));
      } else if (op instanceof Op.Flatten) {
        accumulate(dOut, node.inputs().get(0), dy.reshape('c', t.inputShapes.get(node.id())));
      } else if (op instanceof Op.Add) {
        accumulate(dOut, node.inputs().get(0), dy);
        accumulate(dOut, node.inputs().get(1), dy);
      } else {
        throw new IllegalStateException("no backward pass for op " + op);
      }
      Profile.stop("backward", op, p0);
    }
    return grads;
  }

  private static final Map<Graph, Set<String>> REQUIRES_GRAD =
      java.util.Collections.synchronizedMap(new java.util.WeakHashMap<>());

  /**
   * Nodes whose output gradient is needed: those with parameters and everything downstream of
   * them. Backward stops at the others (the input, and a Flatten right after it), which saves
   * e.g. an MLP's largest matrix product, the gradient of fc1's input.
   */
  static Set<String> requiresGrad(Graph g) {
    return REQUIRES_GRAD.computeIfAbsent(g, k -> {
      Set<String> out = new java.util.HashSet<>();
      for (Node n : k.nodes()) {
        boolean params = n.op() instanceof Op.Linear || n.op() instanceof Op.Conv2d || n.op() instanceof Op.BatchNorm;
        if (params || n.inputs().stream().anyMatch(out::contains)) {
          out.add(n.id());
        }
      }
      return out;
    });
  }

  private static void accumulate(Map<String, INDArray> dOut, String id, INDArray d) {
    INDArray prev = dOut.get(id);
    if (prev == null) {
      dOut.put(id, d);
    } else {
      // A fresh sum: d may alias an upstream gradient (Add passes dy to both inputs).
      dOut.put(id, prev.add(d));
    }
  }

  // ---------------------------------------------------------------- convolution

  static INDArray conv(INDArray x, INDArray w, INDArray b, Op.Conv2d c) {
    long n = x.size(0);
    long h = (x.size(2) + 2L * c.padding() - c.kernel()) / c.stride() + 1;
    long wd = (x.size(3) + 2L * c.padding() - c.kernel()) / c.stride() + 1;
    INDArray out = Nd4j.create(x.dataType(), n, c.out(), h, wd);
    INDArray[] ins = b == null ? new INDArray[] {x, w} : new INDArray[] {x, w, b};
    Nd4j.exec(DynamicCustomOp.builder("conv2d").addInputs(ins).addOutputs(out).addIntegerArguments(convArgs(c))
        .build());
    return out;
  }

  /** {@code [dx, dW, db]} (db null without bias). */
  static INDArray[] convBackward(INDArray x, INDArray w, INDArray b, INDArray dy, Op.Conv2d c) {
    INDArray dx = Nd4j.create(x.dataType(), x.shape());
    INDArray dw = Nd4j.create(w.dataType(), w.shape());
    INDArray db = b == null ? null : Nd4j.create(b.dataType(), b.shape());
    INDArray g = dy.ordering() == 'c' ? dy : dy.dup('c');
    INDArray[] ins = b == null ? new INDArray[] {x, w, g} : new INDArray[] {x, w, b, g};
    INDArray[] outs = b == null ? new INDArray[] {dx, dw} : new INDArray[] {dx, dw, db};
    Nd4j.exec(DynamicCustomOp.builder("conv2d_bp").addInputs(ins).addOutputs(outs)
        .addIntegerArguments(convArgs(c)).build());
    return new INDArray[] {dx, dw, db};
  }

  /** kH, kW, sH, sW, pH, pW, dH, dW, same-mode 0, data format 0 (NCHW), weights format 1 (OIYX). */
  private static int[] convArgs(Op.Conv2d c) {
    return new int[] {c.kernel(), c.kernel(), c.stride(), c.stride(), c.padding(), c.padding(), 1, 1, 0, 0, 1};
  }

  // ---------------------------------------------------------------- pooling

  private static boolean identityPool(Op.AvgPool2d m) {
    return m.kernel() == 1 && m.stride() == 1 && m.padding() == 0;
  }

  // ---------------------------------------------------------------- batch norm

  // Per-channel reductions and broadcasts. ND4J's reductions over axes (0, 2, 3) and broadcasts
  // along axis 1 of an NCHW array are slow strided loops; viewing the array as an (N*C) x (H*W)
  // matrix turns them into contiguous row sums and column-vector broadcasts.

  /** A c-order, non-view copy of {@code x} unless it already is one. */
  private static INDArray contiguous(INDArray x) {
    return x.ordering() == 'c' && !x.isView() ? x : x.dup('c');
  }

  /** (N*C) x (H*W) view of a contiguous NCHW array. */
  private static INDArray rows(INDArray x) {
    return x.reshape('c', x.size(0) * x.size(1), x.length() / (x.size(0) * x.size(1)));
  }

  /** Per-channel sum (length C) of an N x C or contiguous N x C x H x W array. */
  private static INDArray channelSum(INDArray x) {
    if (x.rank() == 2) {
      return x.sum(0);
    }
    return rows(x).sum(1).reshape('c', x.size(0), x.size(1)).sum(0);
  }

  /** The channel vector {@code v} repeated for every image: an (N*C) x 1 column. */
  private static INDArray perRow(INDArray v, long n) {
    return Nd4j.zeros(v.dataType(), n, v.length()).addiRowVector(v).reshape('c', n * v.length(), 1);
  }

  /** {@code x[:, c] *= v[c]} in place (x contiguous); returns x. */
  private static INDArray mulChannels(INDArray x, INDArray v) {
    if (x.rank() == 2) {
      return x.muliRowVector(v);
    }
    rows(x).muliColumnVector(perRow(v, x.size(0)));
    return x;
  }

  /** {@code x[:, c] += v[c]} in place (x contiguous); returns x. */
  private static INDArray addChannels(INDArray x, INDArray v) {
    if (x.rank() == 2) {
      return x.addiRowVector(v);
    }
    rows(x).addiColumnVector(perRow(v, x.size(0)));
    return x;
  }

  private static INDArray batchNormEval(INDArray x, Map<String, INDArray> p, Op.BatchNorm b) {
    INDArray gamma = p.get(b.module() + ".weight");
    INDArray var = p.get(b.module() + ".running_var");
    INDArray scale = gamma.div(Transforms.sqrt(var.add(b.eps()), false));
    INDArray shift = p.get(b.module() + ".bias").sub(p.get(b.module() + ".running_mean").mul(scale));
    INDArray y = x.dup('c');
    mulChannels(y, scale);
    return addChannels(y, shift);
  }

  private static INDArray batchNormTrain(Tape t, INDArray x, Map<String, INDArray> p, Op.BatchNorm b,
      boolean update) {
    long m = x.length() / x.size(1);
    if (m < 2) {
      throw new IllegalArgumentException(b.module() + ": BatchNorm in training mode needs more than one value"
          + " per channel, got input shape " + Arrays.toString(x.shape()));
    }
    INDArray xc = x.dup('c');
    INDArray mean = channelSum(xc).divi(m);
    addChannels(xc, mean.neg());
    INDArray var = channelSum(xc.mul(xc)).divi(m);
    INDArray invStd = Transforms.pow(var.add(b.eps()), -0.5, false);
    INDArray xhat = mulChannels(xc, invStd);
    INDArray y = mulChannels(xhat.dup('c'), p.get(b.module() + ".weight"));
    addChannels(y, p.get(b.module() + ".bias"));
    t.bnSaved.put(b.module(), new INDArray[] {xhat, invStd, mean, var});
    if (update) {
      INDArray rm = p.get(b.module() + ".running_mean");
      INDArray rv = p.get(b.module() + ".running_var");
      rm.muli(1 - BN_MOMENTUM).addi(mean.castTo(rm.dataType()).muli(BN_MOMENTUM));
      rv.muli(1 - BN_MOMENTUM).addi(var.castTo(rv.dataType()).muli(BN_MOMENTUM * m / (m - 1.0)));
      INDArray count = p.get(b.module() + ".num_batches_tracked");
      if (count != null) {
        count.addi(1);
      }
    }
    return y;
  }

  /** {@code [dx, dgamma, dbeta]}. */
  private static INDArray[] batchNormBackward(Tape t, Op.BatchNorm b, INDArray dyIn) {
    INDArray[] s = t.bnSaved.get(b.module());
    if (s == null) {
      throw new IllegalStateException(b.module() + ": backward through BatchNorm needs a training-mode forward pass");
    }
    INDArray dy = contiguous(dyIn);
    INDArray xhat = s[0];
    INDArray invStd = s[1];
    long m = dy.length() / dy.size(1);
    INDArray dbeta = channelSum(dy);
    INDArray dgamma = channelSum(dy.mul(xhat));
    // dx = gamma * invStd * (dy - dbeta / m - xhat * dgamma / m)
    INDArray dx = mulChannels(xhat.dup('c'), dgamma.div(-m));
    dx.addi(dy);
    addChannels(dx, dbeta.div(-m));
    mulChannels(dx, t.params.get(b.module() + ".weight").mul(invStd));
    return new INDArray[] {dx, dgamma, dbeta};
  }

  // ---------------------------------------------------------------- loss

  /**
   * Mean softmax cross-entropy of {@code logits} against integer {@code labels}, and its gradient
   * with respect to the logits ({@code (softmax - onehot) / N}). Not modified: the arguments.
   *
   * @return the loss and the gradient, plus the number of correct arg-max predictions
   */
  public static Loss crossEntropy(INDArray logits, int[] labels) {
    int n = labels.length;
    int k = (int) logits.size(1);
    if (logits.size(0) != n) {
      throw new IllegalArgumentException(logits.size(0) + " rows of logits for " + n + " labels");
    }
    // N x classes is small: one copy out, the arithmetic in double on the JVM, one copy back.
    double[] z = logits.dup('c').data().asDouble();
    double[] grad = new double[n * k];
    double loss = 0;
    long correct = 0;
    for (int i = 0; i < n; i++) {
      int y = labels[i];
      if (y < 0 || y >= k) {
        throw new IllegalArgumentException("label " + y + " at row " + i + " is outside 0.." + (k - 1));
      }
      int o = i * k;
      double max = Double.NEGATIVE_INFINITY;
      int arg = 0;
      for (int j = 0; j < k; j++) {
        if (z[o + j] > max) {
          max = z[o + j];
          arg = j;
        }
      }
      double sum = 0;
      for (int j = 0; j < k; j++) {
        grad[o + j] = Math.exp(z[o + j] - max);
        sum += grad[o + j];
      }
      loss += Math.log(sum) + max - z[o + y];
      for (int j = 0; j < k; j++) {
        grad[o + j] = grad[o + j] / sum / n;
      }
      grad[o + y] -= 1.0 / n;
      if (arg == y) {
        correct++;
      }
    }
    INDArray g = Nd4j.createFromArray(grad).reshape('c', n, k);
    return new Loss(loss / n, logits.dataType() == DataType.DOUBLE ? g : g.castTo(logits.dataType()), correct);
  }

  /** Mean loss, gradient at the logits, and correct predictions of one batch. */
  public record Loss(double value, INDArray gradient, long correct) {}
}
