package org.otfuse.core.graph;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.otfuse.core.io.StateDict;

/**
 * Seeded parameter initialisation with PyTorch's defaults: Linear and Conv2d weights and biases
 * uniform in {@code [-1/sqrt(fan_in), 1/sqrt(fan_in)]} (what {@code kaiming_uniform_(a=sqrt(5))}
 * gives), BatchNorm weight 1, bias 0, running mean 0, running variance 1.
 */
public final class Initialization {
  private Initialization() {}

  /** A network of {@code graph} with freshly initialised parameters from {@code seed}. */
  public static Network pytorchDefault(Graph graph, long seed) {
    SplittableRandom rng = new SplittableRandom(seed);
    Map<String, INDArray> params = new LinkedHashMap<>();
    for (Node node : graph.nodes()) {
      if (node.op() instanceof Op.Linear l) {
        double bound = 1.0 / Math.sqrt(l.in());
        params.put(l.module() + ".weight", uniform(rng, bound, l.out(), l.in()));
        if (l.bias()) {
          params.put(l.module() + ".bias", uniform(rng, bound, l.out()));
        }
      } else if (node.op() instanceof Op.Conv2d c) {
        double bound = 1.0 / Math.sqrt((double) c.in() * c.kernel() * c.kernel());
        params.put(c.module() + ".weight", uniform(rng, bound, c.out(), c.in(), c.kernel(), c.kernel()));
        if (c.bias()) {
          params.put(c.module() + ".bias", uniform(rng, bound, c.out()));
        }
      } else if (node.op() instanceof Op.BatchNorm b) {
        params.put(b.module() + ".weight", Nd4j.ones(DataType.FLOAT, b.features()));
        params.put(b.module() + ".bias", Nd4j.zeros(DataType.FLOAT, b.features()));
        params.put(b.module() + ".running_mean", Nd4j.zeros(DataType.FLOAT, b.features()));
        params.put(b.module() + ".running_var", Nd4j.ones(DataType.FLOAT, b.features()));
        params.put(b.module() + ".num_batches_tracked", Nd4j.scalar(DataType.LONG, 0));
      }
    }
    return Network.of(graph, StateDict.of(null, params));
  }

  static INDArray uniform(SplittableRandom rng, double bound, long... shape) {
    long n = 1;
    for (long d : shape) {
      n *= d;
    }
    float[] v = new float[Math.toIntExact(n)];
    for (int i = 0; i < v.length; i++) {
      v[i] = (float) ((rng.nextDouble() * 2 - 1) * bound);
    }
    return Nd4j.createFromArray(v).reshape(shape);
  }
}
