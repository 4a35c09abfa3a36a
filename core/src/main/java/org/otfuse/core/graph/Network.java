package org.otfuse.core.graph;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.nd4j.enums.WeightsFormat;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.Conv2DConfig;
import org.nd4j.linalg.factory.Broadcast;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.otfuse.core.io.StateDict;
import org.otfuse.core.io.Tensors;

/**
 * A {@link Graph} with its parameters: the forward pass on ND4J (float32, NCHW), with capture of
 * any node's output (the activations that activations-mode fusion compares). Immutable.
 */
public final class Network {
  private final Graph graph;
  private final StateDict params;

  private Network(Graph graph, StateDict params) {
    this.graph = graph;
    this.params = params;
  }

  /**
   * Binds {@code params} to {@code graph}, as PyTorch's {@code load_state_dict(strict=True)}: every
   * expected tensor must be present with its shape, and no other tensor may be. Floating-point
   * tensors become float32; {@code num_batches_tracked} stays int64.
   */
  public static Network of(Graph graph, StateDict params) {
    String src = params.source() == null ? "state dict" : params.source();
    Map<String, long[]> expected = graph.parameterShapes();
    Map<String, INDArray> bound = new LinkedHashMap<>();
    List<String> problems = new ArrayList<>();
    for (Map.Entry<String, long[]> e : expected.entrySet()) {
      if (!params.contains(e.getKey())) {
        problems.add("missing tensor " + e.getKey() + " (expected shape " + Arrays.toString(e.getValue()) + ")");
        continue;
      }
      INDArray t = params.get(e.getKey());
      long[] shape = t.shape();
      boolean scalarOk = e.getValue().length == 0 && t.length() == 1;
      if (!Arrays.equals(shape, e.getValue()) && !scalarOk) {
        problems.add(e.getKey() + " has shape " + Arrays.toString(shape) + " but " + graph.name() + " expects "
            + Arrays.toString(e.getValue()));
        continue;
      }
      boolean counter = e.getKey().endsWith(".num_batches_tracked");
      bound.put(e.getKey(), counter || t.dataType() == DataType.FLOAT ? t : t.castTo(DataType.FLOAT));
    }
    for (String name : params.names()) {
      if (!expected.containsKey(name)) {
        problems.add("unexpected tensor " + name + " (not a parameter of " + graph.name() + ")");
      }
    }
    if (!problems.isEmpty()) {
      throw new IllegalArgumentException(src + " does not fit " + graph.name() + ": " + String.join("; ", problems));
    }
    return new Network(graph, StateDict.of(params.source(), bound));
  }

  public Graph graph() {
    return graph;
  }

  /** Parameters in {@code state_dict} order (shared; do not modify in place). */
  public StateDict params() {
    return params;
  }

  public INDArray param(String name) {
    return params.get(name);
  }

  /** Same graph, other parameters (checked as in {@link #of}). */
  public Network withParams(StateDict newParams) {
    return of(graph, newParams);
  }

  /** Number of classes: the output node's width. */
  public int numClasses() {
    return (int) graph.shape(graph.output())[0];
  }

  /** Logits for a batch: {@code x} is N x (input size) or N x C x H x W, float32. */
  public INDArray logits(INDArray x) {
    return forward(x, Set.of()).get(graph.output());
  }

  /** Row-wise log-softmax of the logits. */
  public INDArray logProbs(INDArray x) {
    return logSoftmax(logits(x));
  }

  /**
   * Runs the graph on {@code x}; returns the outputs of the nodes in {@code capture} and of the
   * output node. Not modified: {@code x}.
   */
  public Map<String, INDArray> forward(INDArray x, Set<String> capture) {
    long[] in = graph.shape(graph.input().id());
    long n = x.size(0);
    long[] full = new long[in.length + 1];
    full[0] = n;
    System.arraycopy(in, 0, full, 1, in.length);
    if (x.length() != Arrays.stream(full).reduce(1, (a, b) -> a * b)) {
      throw new IllegalArgumentException("input has shape " + Arrays.toString(x.shape()) + " but " + graph.name()
          + " expects N x " + Arrays.toString(in));
    }
    INDArray input = (x.dataType() == DataType.FLOAT ? x : x.castTo(DataType.FLOAT)).reshape('c', full);
    Map<String, INDArray> values = new HashMap<>();
    Map<String, Integer> remaining = new HashMap<>();
    for (Node node : graph.nodes()) {
      for (String i : node.inputs()) {
        remaining.merge(i, 1, Integer::sum);
      }
    }
    Map<String, INDArray> out = new LinkedHashMap<>();
    values.put(graph.input().id(), input);
    for (Node node : graph.nodes()) {
      if (!(node.op() instanceof Op.Input)) {
        values.put(node.id(), apply(node, values));
        for (String i : node.inputs()) {
          if (remaining.merge(i, -1, Integer::sum) == 0 && !capture.contains(i)) {
            values.remove(i);
          }
        }
      }
      if (capture.contains(node.id())) {
        out.put(node.id(), values.get(node.id()));
      }
    }
    out.put(graph.output(), values.get(graph.output()));
    return out;
  }

  private INDArray apply(Node node, Map<String, INDArray> values) {
    INDArray x = values.get(node.inputs().get(0));
    Op op = node.op();
    if (op instanceof Op.Linear l) {
      INDArray y = x.mmul(param(l.module() + ".weight").transpose());
      return l.bias() ? y.addiRowVector(param(l.module() + ".bias")) : y;
    }
    if (op instanceof Op.Conv2d c) {
      Conv2DConfig cfg = Conv2DConfig.builder().kH(c.kernel()).kW(c.kernel()).sH(c.stride()).sW(c.stride())
          .pH(c.padding()).pW(c.padding()).dataFormat("NCHW").weightsFormat(WeightsFormat.OIYX).build();
      INDArray w = param(c.module() + ".weight");
      return c.bias() ? Nd4j.cnn().conv2d(x, w, param(c.module() + ".bias"), cfg) : Nd4j.cnn().conv2d(x, w, cfg);
    }
    if (op instanceof Op.BatchNorm b) {
      return batchNorm(x, b);
    }
    if (op instanceof Op.Relu) {
      return Transforms.relu(x, true);
    }
    if (op instanceof Op.MaxPool2d p) {
      return Pooling.forward(Pooling.Kind.MAX, x, p.kernel(), p.stride(), p.padding());
    }
    if (op instanceof Op.AvgPool2d p) {
      if (p.kernel() == 1 && p.stride() == 1 && p.padding() == 0) {
        return x;
      }
      return Pooling.forward(Pooling.Kind.AVG, x, p.kernel(), p.stride(), p.padding());
    }
    if (op instanceof Op.AdaptiveAvgPool2d) {
      return x.mean(true, 2, 3);
    }
    if (op instanceof Op.Flatten) {
      return Tensors.dense(x).reshape('c', x.size(0), x.length() / x.size(0)); // copies only a non-dense x
    }
    if (op instanceof Op.Add) {
      return x.add(values.get(node.inputs().get(1)));
    }
    throw new IllegalStateException("unsupported op " + op);
  }

  private INDArray batchNorm(INDArray x, Op.BatchNorm b) {
    INDArray gamma = param(b.module() + ".weight");
    INDArray beta = param(b.module() + ".bias");
    INDArray mean = param(b.module() + ".running_mean");
    INDArray var = param(b.module() + ".running_var");
    INDArray scale = gamma.div(Transforms.sqrt(var.add(b.eps()), false));
    INDArray shift = beta.sub(mean.mul(scale));
    INDArray y = x.dup();
    if (x.rank() == 2) {
      return y.muliRowVector(scale).addiRowVector(shift);
    }
    Broadcast.mul(y, scale, y, 1);
    Broadcast.add(y, shift, y, 1);
    return y;
  }

  /** Row-wise log-softmax, stable. Not modified: {@code z}. */
  public static INDArray logSoftmax(INDArray z) {
    INDArray max = z.max(true, 1);
    INDArray shifted = z.subColumnVector(max);
    INDArray lse = Transforms.log(Transforms.exp(shifted, true).sum(true, 1), false);
    return shifted.subiColumnVector(lse);
  }

  @Override
  public String toString() {
    return "Network[" + graph.name() + "]";
  }
}
