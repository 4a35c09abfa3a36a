package org.otfuse.core.train;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * SGD with momentum (optionally Nesterov) and Adam, with PyTorch's update rules, applied in place
 * to the trainable tensors. The tensors are updated as one flat vector ({@link FlatParams}), so a
 * step costs a few ND4J operations whatever the number of tensors. The state (momentum buffer,
 * Adam moments, step count) is exposed per tensor name, so it travels in a checkpoint.
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
  private FlatParams layout;
  private INDArray first;
  private INDArray second;
  private Map<String, INDArray> pending;
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
   * One update of the flat parameters {@code p} with the flat gradient {@code g}.
   *
   * @param p modified: its buffer (and so every view of it) is updated in place
   * @param g modified: used as scratch
   * @param lr the learning rate for this step (base rate times schedule factor)
   */
  void step(FlatParams p, INDArray g, double lr) {
    if (layout == null || !layout.sameLayout(p)) {
      if (layout != null) {
        throw new IllegalArgumentException("optimizer state is for " + layout.names() + " but the step is for "
            + p.names());
      }
      layout = p;
    }
    steps++;
    INDArray w = p.flat();
    if (options.weightDecay() > 0) {
      g.addi(w.mul(options.weightDecay()));
    }
    if (options.kind() == OptimizerKind.SGD) {
      sgd(w, g, lr);
    } else {
      adam(w, g, lr);
    }
  }

  /**
   * One update of the tensors {@code names} of {@code params} (each tensor separately stored; a
   * convenience for tests and small callers, copying through a flat buffer).
   *
   * @param params modified: the named tensors are updated in place
   * @param grads not modified
   */
  public void step(Map<String, INDArray> params, Map<String, INDArray> grads, List<String> names, double lr) {
    Map<String, INDArray> copy = new LinkedHashMap<>(params);
    FlatParams p = FlatParams.bind(copy, names);
    step(p, p.gather(grads), lr);
    for (String n : names) {
      params.get(n).assign(copy.get(n));
    }
  }

  private void sgd(INDArray w, INDArray g, double lr) {
    double mu = options.momentum();
    if (mu == 0) {
      w.subi(g.muli(lr));
      return;
    }
    restorePending();
    if (first == null) {
      try (var ignored = Workspaces.outside()) {
        first = g.dup();
      }
    } else {
      first.muli(mu).addi(g);
    }
    if (options.nesterov()) {
      w.subi(g.addi(first.mul(mu)).muli(lr));
    } else {
      w.subi(first.mul(lr));
    }
  }

  private void adam(INDArray w, INDArray g, double lr) {
    restorePending();
    if (first == null) {
      try (var ignored = Workspaces.outside()) {
        first = Nd4j.zerosLike(w);
        second = Nd4j.zerosLike(w);
      }
    }
    double b1 = options.beta1();
    double b2 = options.beta2();
    first.muli(b1).addi(g.mul(1 - b1));
    second.muli(b2).addi(g.mul(g).muli(1 - b2));
    double c1 = 1 - Math.pow(b1, steps);
    double c2 = 1 - Math.pow(b2, steps);
    INDArray denom = Transforms.sqrt(second.div(c2), false).addi(options.epsilon());
    w.subi(first.mul(lr / c1).divi(denom));
  }

  /** The state as named tensors ({@code first/NAME}, {@code second/NAME}); views, not copies. */
  public Map<String, INDArray> state() {
    Map<String, INDArray> out = new LinkedHashMap<>();
    if (pending != null) {
      return new LinkedHashMap<>(pending);
    }
    if (layout == null) {
      return out;
    }
    for (int i = 0; i < layout.names().size(); i++) {
      if (first != null) {
        out.put("first/" + layout.names().get(i), layout.view(first, i));
      }
    }
    for (int i = 0; i < layout.names().size(); i++) {
      if (second != null) {
        out.put("second/" + layout.names().get(i), layout.view(second, i));
      }
    }
    return out;
  }

  /** Restores {@link #state()} and the step count (copied into place at the next step). */
  public void restore(Map<String, INDArray> state, long stepCount) {
    for (String k : state.keySet()) {
      if (!k.startsWith("first/") && !k.startsWith("second/")) {
        throw new IllegalArgumentException("optimizer state tensor '" + k + "' is neither first/NAME nor second/NAME");
      }
    }
    this.pending = state.isEmpty() ? null : new LinkedHashMap<>(state);
    this.first = null;
    this.second = null;
    this.steps = stepCount;
  }

  private void restorePending() {
    if (pending == null) {
      return;
    }
    try (var ignored = Workspaces.outside()) {
      boolean hasSecond = pending.keySet().stream().anyMatch(k -> k.startsWith("second/"));
      first = Nd4j.zeros(layout.flat().dataType(), layout.length());
      second = hasSecond ? Nd4j.zeros(layout.flat().dataType(), layout.length()) : null;
      for (int i = 0; i < layout.names().size(); i++) {
        String n = layout.names().get(i);
        copyInto(layout.view(first, i), pending.get("first/" + n), "first/" + n);
        if (second != null) {
          copyInto(layout.view(second, i), pending.get("second/" + n), "second/" + n);
        }
      }
    }
    pending = null;
  }

  private static void copyInto(INDArray target, INDArray source, String name) {
    if (source == null) {
      throw new IllegalArgumentException("optimizer state has no " + name);
    }
    target.assign(source.reshape(target.shape()));
  }
}
