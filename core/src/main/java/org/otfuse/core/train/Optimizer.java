package org.otfuse.core.train;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * SGD with momentum (optionally Nesterov) and Adam, with PyTorch's update rules, applied in place
 * to a parameter map. The state (momentum buffers, Adam moments and step count) is a map of
 * tensors, so it travels in a checkpoint.
 *
 * <ul>
 *   <li>SGD: {@code g += wd w; v = mu v + g; w -= lr (nesterov ? g + mu v : v)} (the first
 *       step's buffer is {@code g}, as PyTorch's {@code buf = g.clone()}).
 *   <li>Adam: {@code g += wd w; m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2;
 *       w -= lr (m / (1-b1^t)) / (sqrt(v / (1-b2^t)) + eps)}.
 * </ul>
 */
public final class Optimizer {
  private final OptimizerOptions options;
  private final Map<String, INDArray> first = new LinkedHashMap<>();
  private final Map<String, INDArray> second = new LinkedHashMap<>();
  private long steps;

  public Optimizer(OptimizerOptions options) {
    this.options = options;
  }

  public OptimizerOptions options() {
    return options;
  }

  /** Updates taken so far. */
  public long steps() {
    return steps;
  }

  /**
   * One update of every parameter in {@code names}.
   *
   * @param params modified: the named tensors are updated in place
   * @param grads modified: used as scratch (weight decay is added into them)
   * @param lr the learning rate for this step (base rate times schedule factor)
   */
  public void step(Map<String, INDArray> params, Map<String, INDArray> grads, List<String> names, double lr) {
    steps++;
    for (String name : names) {
      INDArray w = params.get(name);
      INDArray g = grads.get(name);
      if (g == null) {
        continue;
      }
      if (options.weightDecay() > 0) {
        g.addi(w.mul(options.weightDecay()));
      }
      if (options.kind() == OptimizerKind.SGD) {
        sgd(name, w, g, lr);
      } else {
        adam(name, w, g, lr);
      }
    }
  }

  private void sgd(String name, INDArray w, INDArray g, double lr) {
    double mu = options.momentum();
    if (mu == 0) {
      w.subi(g.muli(lr));
      return;
    }
    INDArray v = first.get(name);
    if (v == null) {
      try (var ignored = Workspaces.outside()) {
        v = g.dup();
      }
      first.put(name, v);
    } else {
      v.muli(mu).addi(g);
    }
    if (options.nesterov()) {
      w.subi(g.addi(v.mul(mu)).muli(lr));
    } else {
      w.subi(v.mul(lr));
    }
  }

  private void adam(String name, INDArray w, INDArray g, double lr) {
    double b1 = options.beta1();
    double b2 = options.beta2();
    if (!first.containsKey(name)) {
      try (var ignored = Workspaces.outside()) {
        first.put(name, Nd4j.zerosLike(w));
        second.put(name, Nd4j.zerosLike(w));
      }
    }
    INDArray m = first.get(name);
    INDArray v = second.get(name);
    m.muli(b1).addi(g.mul(1 - b1));
    v.muli(b2).addi(g.mul(g).muli(1 - b2));
    double c1 = 1 - Math.pow(b1, steps);
    double c2 = 1 - Math.pow(b2, steps);
    INDArray denom = Transforms.sqrt(v.div(c2), false).addi(options.epsilon());
    w.subi(m.mul(lr / c1).divi(denom));
  }

  /** The state as named tensors ({@code first/NAME}, {@code second/NAME}); shared, not copied. */
  public Map<String, INDArray> state() {
    Map<String, INDArray> out = new LinkedHashMap<>();
    first.forEach((k, v) -> out.put("first/" + k, v));
    second.forEach((k, v) -> out.put("second/" + k, v));
    return out;
  }

  /** Restores {@link #state()} and the step count (the tensors are copied). */
  public void restore(Map<String, INDArray> state, long stepCount) {
    first.clear();
    second.clear();
    for (Map.Entry<String, INDArray> e : state.entrySet()) {
      String k = e.getKey();
      if (k.startsWith("first/")) {
        first.put(k.substring(6), e.getValue().dup());
      } else if (k.startsWith("second/")) {
        second.put(k.substring(7), e.getValue().dup());
      } else {
        throw new IllegalArgumentException("optimizer state tensor '" + k + "' is neither first/NAME nor second/NAME");
      }
    }
    this.steps = stepCount;
  }
}
