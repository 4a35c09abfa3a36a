package org.otfuse.core.graph;

import java.util.Locale;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.otfuse.core.io.StateDict;

/**
 * Builds the graph for a checkpoint from an architecture name and whatever the user told: what
 * is not told (width multiplier, bias, BatchNorm, number of classes, input channels, MLP widths)
 * is read from the checkpoint's tensors, as the reference's checkpoints carry no config.
 *
 * <p>Read from: MLPs, {@code fcK.weight} shapes and {@code fc1.bias}; VGG,
 * {@code features.0.weight} (width = channels / 64 for vgg11, input channels),
 * {@code features.0.bias}, {@code features.1.weight} (BatchNorm) and {@code classifier.weight};
 * ResNet, {@code conv1.weight}, {@code bn1.weight} and {@code linear.weight/bias}. Images are
 * 32 x 32 unless an input shape is given.
 */
public final class ArchResolver {

  /** What the user said; null fields are read from the checkpoint. */
  public record Told(Double width, Boolean bias, Boolean batchNorm, Integer numClasses, long[] inputShape,
      int[] hidden) {
    public Told {
      inputShape = inputShape == null ? null : inputShape.clone();
      hidden = hidden == null ? null : hidden.clone();
    }

    public static final Told NOTHING = new Told(null, null, null, null, null, null);
  }

  private ArchResolver() {}

  /** The graph of architecture {@code arch} for the checkpoint {@code sd}. */
  public static Graph resolve(String arch, Told told, StateDict sd) {
    String key = arch.trim().toLowerCase(Locale.ROOT);
    if (key.endsWith(".conf")) {
      return Architectures.build(ArchSpec.cifar(arch));
    }
    if (!Architectures.names().contains(key)) {
      Architectures.build(ArchSpec.cifar(arch)); // throws the "unknown architecture" error
    }
    String src = sd.source() == null ? "state dict" : sd.source();
    if (key.equals("mlpnet") || key.equals("mlp")) {
      int depth = 0;
      while (sd.contains("fc" + (depth + 1) + ".weight")) {
        depth++;
      }
      if (depth == 0) {
        throw new IllegalArgumentException(src + ": no fc1.weight; an MLP checkpoint has fc1.weight, fc2.weight,"
            + " ... but found " + sd.names());
      }
      int[] hidden = told.hidden() != null ? told.hidden() : new int[depth - 1];
      if (told.hidden() == null) {
        for (int i = 0; i < depth - 1; i++) {
          hidden[i] = (int) sd.get("fc" + (i + 1) + ".weight").size(0);
        }
      }
      long[] input = told.inputShape() != null ? told.inputShape()
          : key.equals("mlpnet") ? new long[] {784} : new long[] {sd.get("fc1.weight").size(1)};
      int classes = told.numClasses() != null ? told.numClasses() : (int) sd.get("fc" + depth + ".weight").size(0);
      boolean bias = told.bias() != null ? told.bias() : sd.contains("fc1.bias");
      return Architectures.mlp(key, input, hidden, classes, bias);
    }
    boolean vgg = key.startsWith("vgg");
    String first = vgg ? "features.0" : "conv1";
    String head = vgg ? "classifier" : "linear";
    INDArray w0 = sd.get(first + ".weight");
    if (w0.rank() != 4) {
      throw new IllegalArgumentException(src + ": " + first + ".weight has shape "
          + java.util.Arrays.toString(w0.shape()) + " but " + key + " expects a 4-D conv weight");
    }
    double base = vgg ? firstVggChannels(key) : 64;
    double width = told.width() != null ? told.width() : w0.size(0) / base;
    boolean bn = told.batchNorm() != null ? told.batchNorm() : sd.contains(vgg ? "features.1.weight" : "bn1.weight");
    boolean bias = told.bias() != null ? told.bias() : sd.contains(head + ".bias");
    int classes = told.numClasses() != null ? told.numClasses() : (int) sd.get(head + ".weight").size(0);
    long[] input = told.inputShape() != null ? told.inputShape() : new long[] {w0.size(1), 32, 32};
    return Architectures.build(new ArchSpec(key, width, bias, bn, classes, input, null));
  }

  private static int firstVggChannels(String key) {
    Graph g = Architectures.build(ArchSpec.cifar(key));
    return ((Op.Conv2d) g.node("features.0").op()).out();
  }

  /** Loads a checkpoint's state dict into the resolved graph ({@link Network#of}'s strict checks). */
  public static Network load(String arch, Told told, StateDict sd) {
    return Network.of(resolve(arch, told, sd), sd);
  }
}
