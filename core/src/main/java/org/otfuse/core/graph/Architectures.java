package org.otfuse.core.graph;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import java.io.File;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The built-in architectures, with PyTorch {@code state_dict} names so that real checkpoints load
 * as they are:
 *
 * <ul>
 *   <li>{@code mlpnet}: the reference implementation's MNIST MLP ({@code fc1..fc4},
 *       784-400-200-100-10); {@code mlp}: any widths ({@code fc1..fcL}).
 *   <li>VGG from pytorch-cifar ({@code features.N}, BatchNorm at {@code features.N+1},
 *       {@code classifier}): vgg11/13/16/19 and the reference's vgg11_half/_doub/_quad.
 *   <li>ResNet18/34 from pytorch-cifar ({@code conv1, bn1, layerS.B.conv1/bn1/conv2/bn2,
 *       layerS.B.shortcut.0/1, linear}).
 *   <li>A HOCON file describing a sequential network (see {@link #fromConfig}).
 * </ul>
 *
 * The width multiplier scales every channel count (rounded, at least 1): 0.25 gives VGG11
 * 16..128 channels and ResNet18 stages 16/32/64/128.
 */
public final class Architectures {
  private Architectures() {}

  private static final Map<String, Object[]> VGG = new LinkedHashMap<>();

  static {
    VGG.put("vgg11", new Object[] {64, "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"});
    VGG.put("vgg13", new Object[] {64, 64, "M", 128, 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"});
    VGG.put("vgg16", new Object[] {64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512,
        512, "M"});
    VGG.put("vgg19", new Object[] {64, 64, "M", 128, 128, "M", 256, 256, 256, 256, "M", 512, 512, 512, 512, "M", 512,
        512, 512, 512, "M"});
    VGG.put("vgg11_half", new Object[] {32, "M", 64, "M", 128, 128, "M", 256, 256, "M", 256, 256, "M"});
    VGG.put("vgg11_doub", new Object[] {128, "M", 256, "M", 512, 512, "M", 1024, 1024, "M", 1024, 1024, "M"});
    VGG.put("vgg11_quad", new Object[] {256, "M", 512, "M", 1024, 1024, "M", 2048, 2048, "M", 2048, 2048, "M"});
  }

  /** Names accepted by {@link #build}, besides a path to a {@code .conf} file. */
  public static List<String> names() {
    List<String> out = new ArrayList<>(List.of("mlpnet", "mlp"));
    out.addAll(VGG.keySet());
    out.addAll(List.of("resnet18", "resnet34"));
    return out;
  }

  /** Builds the graph of {@code spec}; an unknown name fails listing the known ones. */
  public static Graph build(ArchSpec spec) {
    String key = spec.name().trim().toLowerCase(Locale.ROOT);
    if (key.endsWith(".conf")) {
      return fromConfig(ConfigFactory.parseFile(new File(spec.name())).resolve(), spec.name());
    }
    if (key.equals("mlpnet") || key.equals("mlp")) {
      int[] hidden = spec.hidden() != null ? spec.hidden() : scale(new int[] {400, 200, 100}, spec.width());
      return mlp(key, spec.inputShape(), hidden, spec.numClasses(), spec.bias());
    }
    if (VGG.containsKey(key)) {
      return vgg(key, spec);
    }
    if (key.equals("resnet18")) {
      return resnet(key, spec, new int[] {2, 2, 2, 2});
    }
    if (key.equals("resnet34")) {
      return resnet(key, spec, new int[] {3, 4, 6, 3});
    }
    throw new IllegalArgumentException("unknown architecture '" + spec.name() + "'; known: " + names()
        + " or a path to a .conf file");
  }

  /** An MLP {@code fc1..fcL} with ReLU between layers; a C x H x W input is flattened first. */
  public static Graph mlp(String name, long[] inputShape, int[] hidden, int classes, boolean bias) {
    Graph.Builder b = new Graph.Builder(name, inputShape);
    String x = inputShape.length == 1 ? b.input() : b.flatten(b.input());
    for (int i = 0; i < hidden.length; i++) {
      x = b.relu(b.linear(x, "fc" + (i + 1), hidden[i], bias));
    }
    return b.build(b.linear(x, "fc" + (hidden.length + 1), classes, bias));
  }

  private static Graph vgg(String key, ArchSpec spec) {
    Graph.Builder b = new Graph.Builder(key, spec.inputShape());
    String x = b.input();
    int index = 0;
    for (Object item : VGG.get(key)) {
      if ("M".equals(item)) {
        x = b.maxPool(x, 2, 2, 0);
        index += 1;
      } else {
        int channels = scale((Integer) item, spec.width());
        x = b.conv(x, "features." + index, channels, 3, 1, 1, spec.bias());
        if (spec.batchNorm()) {
          x = b.batchNorm(x, "features." + (index + 1));
        }
        x = b.relu(x);
        index += spec.batchNorm() ? 3 : 2;
      }
    }
    x = b.avgPool(x, 1, 1, 0);
    x = b.flatten(x);
    return b.build(b.linear(x, "classifier", spec.numClasses(), spec.bias()));
  }

  private static Graph resnet(String key, ArchSpec spec, int[] blocks) {
    Graph.Builder b = new Graph.Builder(key, spec.inputShape());
    boolean bn = spec.batchNorm();
    int planes = scale(64, spec.width());
    String x = b.conv(b.input(), "conv1", planes, 3, 1, 1, false);
    x = b.relu(bn ? b.batchNorm(x, "bn1") : x);
    int inPlanes = planes;
    for (int stage = 0; stage < 4; stage++) {
      int p = scale(64 << stage, spec.width());
      for (int block = 0; block < blocks[stage]; block++) {
        int stride = stage > 0 && block == 0 ? 2 : 1;
        String m = "layer" + (stage + 1) + "." + block;
        String y = b.conv(x, m + ".conv1", p, 3, stride, 1, false);
        y = b.relu(bn ? b.batchNorm(y, m + ".bn1") : y);
        y = b.conv(y, m + ".conv2", p, 3, 1, 1, false);
        y = bn ? b.batchNorm(y, m + ".bn2") : y;
        String shortcut = x;
        if (stride != 1 || inPlanes != p) {
          shortcut = b.conv(x, m + ".shortcut.0", p, 1, stride, 0, false);
          shortcut = bn ? b.batchNorm(shortcut, m + ".shortcut.1") : shortcut;
        }
        x = b.relu(b.add(y, shortcut));
        inPlanes = p;
      }
    }
    long[] s = b.shape(x);
    x = b.avgPool(x, (int) Math.min(4, Math.min(s[1], s[2])), (int) Math.min(4, Math.min(s[1], s[2])), 0);
    x = b.flatten(x);
    return b.build(b.linear(x, "linear", spec.numClasses(), spec.bias()));
  }

  /**
   * A sequential network from HOCON: {@code name}, {@code input = [C, H, W]} (or {@code [F]}) and
   * {@code layers}, a list of objects with {@code type} (conv, linear, batchnorm, relu, maxpool,
   * avgpool, adaptive-avgpool, flatten), a {@code name} for layers with parameters (their
   * state_dict prefix), and {@code out}, {@code kernel}, {@code stride}, {@code padding},
   * {@code bias} where they apply. The last layer's output is the logits.
   */
  public static Graph fromConfig(Config c, String source) {
    try {
      List<Long> in = c.getLongList("input");
      Graph.Builder b = new Graph.Builder(c.hasPath("name") ? c.getString("name") : source,
          in.stream().mapToLong(Long::longValue).toArray());
      String x = b.input();
      int i = 0;
      for (Config l : c.getConfigList("layers")) {
        String where = source + ": layers[" + i++ + "]";
        String type = l.getString("type");
        int kernel = l.hasPath("kernel") ? l.getInt("kernel") : 1;
        int stride = l.hasPath("stride") ? l.getInt("stride") : kernel;
        int padding = l.hasPath("padding") ? l.getInt("padding") : 0;
        boolean bias = !l.hasPath("bias") || l.getBoolean("bias");
        switch (type) {
          case "conv" -> x = b.conv(x, l.getString("name"), l.getInt("out"), kernel,
              l.hasPath("stride") ? l.getInt("stride") : 1, padding, bias);
          case "linear" -> x = b.linear(x.startsWith("input") && b.shape(x).length > 1 ? b.flatten(x) : x,
              l.getString("name"), l.getInt("out"), bias);
          case "batchnorm" -> x = b.batchNorm(x, l.getString("name"));
          case "relu" -> x = b.relu(x);
          case "maxpool" -> x = b.maxPool(x, kernel, stride, padding);
          case "avgpool" -> x = b.avgPool(x, kernel, stride, padding);
          case "adaptive-avgpool" -> x = b.adaptiveAvgPool(x);
          case "flatten" -> x = b.flatten(x);
          default -> throw new IllegalArgumentException(where + ": unknown layer type '" + type
              + "'; expected conv, linear, batchnorm, relu, maxpool, avgpool, adaptive-avgpool or flatten");
        }
      }
      return b.build(x);
    } catch (ConfigException e) {
      throw new IllegalArgumentException(source + ": " + e.getMessage(), e);
    }
  }

  static int scale(int channels, double width) {
    return Math.max(1, (int) Math.round(channels * width));
  }

  static int[] scale(int[] channels, double width) {
    return Arrays.stream(channels).map(c -> scale(c, width)).toArray();
  }
}
