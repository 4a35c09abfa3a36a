package org.otfuse.core.model;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.otfuse.core.io.StateDict;

/**
 * A multilayer perceptron: dense layers with ReLU between them and log-softmax on the output,
 * the {@code MLPNet} of the reference implementation generalised to any widths and optional biases.
 * Parameters keep their {@code state_dict} names ({@code fc1.weight}, {@code fc1.bias}, ...).
 *
 * <p>Immutable: methods that change parameters return a new network.
 */
public final class MlpNet {
  private final List<DenseLayer> layers;

  public MlpNet(List<DenseLayer> layers) {
    if (layers.isEmpty()) {
      throw new IllegalArgumentException("an MLP needs at least one layer");
    }
    for (int i = 1; i < layers.size(); i++) {
      DenseLayer prev = layers.get(i - 1);
      DenseLayer cur = layers.get(i);
      if (cur.inputs() != prev.outputs()) {
        throw new IllegalArgumentException(cur.name() + ".weight has " + cur.inputs() + " inputs but "
            + prev.name() + ".weight has " + prev.outputs() + " outputs; consecutive layers must match");
      }
    }
    this.layers = List.copyOf(layers);
  }

  /**
   * Builds the MLP from a state dict: every rank-2 {@code <name>.weight} in state-dict order is a
   * layer, with {@code <name>.bias} when present. {@code spec} fields that are not null are checked
   * and a mismatch names the tensor, what was found and what was expected.
   */
  public static MlpNet fromStateDict(StateDict sd, MlpSpec spec) {
    String src = sd.source() == null ? "state dict" : sd.source();
    List<DenseLayer> layers = new ArrayList<>();
    for (String name : sd.names()) {
      if (!name.endsWith(".weight")) {
        continue;
      }
      INDArray w = sd.get(name);
      if (w.rank() != 2) {
        throw new IllegalArgumentException(src + ": tensor " + name + " has shape "
            + Arrays.toString(w.shape()) + "; an MLP has only 2-D (out x in) weights");
      }
      String prefix = name.substring(0, name.length() - ".weight".length());
      INDArray b = sd.find(prefix + ".bias").orElse(null);
      layers.add(new DenseLayer(prefix, w, b));
    }
    if (layers.isEmpty()) {
      throw new IllegalArgumentException(src + ": no '<layer>.weight' tensors; found " + sd.names());
    }
    MlpNet net;
    try {
      net = new MlpNet(layers);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(src + ": " + e.getMessage(), e);
    }
    net.check(spec, src);
    return net;
  }

  private void check(MlpSpec spec, String src) {
    if (spec.inputDim() != null && inputDim() != spec.inputDim()) {
      throw new IllegalArgumentException(src + ": " + layers.get(0).name() + ".weight has "
          + inputDim() + " inputs but the architecture expects " + spec.inputDim());
    }
    if (spec.numClasses() != null && numClasses() != spec.numClasses()) {
      throw new IllegalArgumentException(src + ": " + layers.get(layers.size() - 1).name()
          + ".weight has " + numClasses() + " outputs but the architecture expects "
          + spec.numClasses() + " classes");
    }
    int[] hidden = spec.hidden();
    if (hidden != null) {
      if (hidden.length != layers.size() - 1) {
        throw new IllegalArgumentException(src + ": has " + layers.size() + " layers "
            + layerNames() + " but the architecture expects " + (hidden.length + 1));
      }
      for (int i = 0; i < hidden.length; i++) {
        if (layers.get(i).outputs() != hidden[i]) {
          throw new IllegalArgumentException(src + ": " + layers.get(i).name() + ".weight has shape "
              + Arrays.toString(layers.get(i).weight().shape()) + " but the architecture expects "
              + hidden[i] + " output neurons");
        }
      }
    }
    if (spec.bias() != null) {
      for (DenseLayer l : layers) {
        if (l.hasBias() != spec.bias()) {
          throw new IllegalArgumentException(src + ": " + l.name() + (l.hasBias()
              ? ".bias is present but the architecture has no biases"
              : ".bias is missing but the architecture has biases"));
        }
      }
    }
  }

  public List<DenseLayer> layers() {
    return layers;
  }

  public DenseLayer layer(int i) {
    return layers.get(i);
  }

  public int depth() {
    return layers.size();
  }

  public int inputDim() {
    return layers.get(0).inputs();
  }

  public int numClasses() {
    return layers.get(layers.size() - 1).outputs();
  }

  /** Output widths of every layer, the last being the number of classes. */
  public int[] widths() {
    return layers.stream().mapToInt(DenseLayer::outputs).toArray();
  }

  public List<String> layerNames() {
    return layers.stream().map(DenseLayer::name).toList();
  }

  /** Parameters as a state dict ({@code <layer>.weight}, {@code <layer>.bias}) in layer order. */
  public StateDict toStateDict(String source) {
    Map<String, INDArray> out = new LinkedHashMap<>();
    for (DenseLayer l : layers) {
      out.put(l.name() + ".weight", l.weight());
      if (l.hasBias()) {
        out.put(l.name() + ".bias", l.bias());
      }
    }
    return StateDict.of(source, out);
  }

  /** The outputs of one forward pass; {@code pre}/{@code post} are empty unless captured. */
  public record Forward(INDArray logProbs, List<INDArray> pre, List<INDArray> post) {}

  /**
   * Forward pass on a batch {@code x} (N x inputDim, float32). With {@code capture}, keeps each
   * layer's pre-activation {@code z_l = a_{l-1} W_l^T + b_l} and post-activation
   * {@code a_l = relu(z_l)} (the last layer's post is its log-softmax). Not modified: {@code x}.
   */
  public Forward forward(INDArray x, boolean capture) {
    if (x.rank() != 2 || x.columns() != inputDim()) {
      throw new IllegalArgumentException("input has shape " + Arrays.toString(x.shape())
          + " but the network expects N x " + inputDim());
    }
    List<INDArray> pre = capture ? new ArrayList<>() : Collections.emptyList();
    List<INDArray> post = capture ? new ArrayList<>() : Collections.emptyList();
    INDArray a = x;
    for (int i = 0; i < layers.size(); i++) {
      DenseLayer l = layers.get(i);
      INDArray z = a.mmul(l.weight().transpose());
      if (l.hasBias()) {
        z.addiRowVector(l.bias());
      }
      boolean last = i == layers.size() - 1;
      INDArray out = last ? logSoftmax(z) : Transforms.relu(z, true);
      if (capture) {
        pre.add(z);
        post.add(out);
      }
      a = out;
    }
    return new Forward(a, pre, post);
  }

  /** Log-probabilities (N x classes) for a batch. */
  public INDArray logProbs(INDArray x) {
    return forward(x, false).logProbs();
  }

  /** Row-wise log-softmax, stable. Not modified: z. */
  public static INDArray logSoftmax(INDArray z) {
    return org.otfuse.core.graph.Network.logSoftmax(z);
  }

  /** This MLP as a graph network with the same parameter names (vector input of {@link #inputDim()}). */
  public org.otfuse.core.graph.Network toNetwork() {
    org.otfuse.core.graph.Graph.Builder b = new org.otfuse.core.graph.Graph.Builder("mlp", inputDim());
    String x = b.input();
    for (int i = 0; i < layers.size(); i++) {
      DenseLayer l = layers.get(i);
      x = b.linear(x, l.name(), l.outputs(), l.hasBias());
      if (i < layers.size() - 1) {
        x = b.relu(x);
      }
    }
    return org.otfuse.core.graph.Network.of(b.build(x), toStateDict(null));
  }

  /** The MLP view of a graph network made of Linear layers and ReLUs (as {@link #toNetwork()} builds). */
  public static MlpNet fromNetwork(org.otfuse.core.graph.Network net) {
    return fromStateDict(net.params(), MlpSpec.INFER);
  }

  /** A copy of this network with other layers (same structure checks as the constructor). */
  public MlpNet withLayers(List<DenseLayer> newLayers) {
    return new MlpNet(newLayers);
  }

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder("MlpNet[").append(inputDim());
    for (int w : widths()) {
      sb.append('-').append(w);
    }
    return sb.append(layers.get(0).hasBias() ? ", bias]" : ", no bias]").toString();
  }
}
