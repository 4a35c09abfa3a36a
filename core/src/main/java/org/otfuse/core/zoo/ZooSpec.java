package org.otfuse.core.zoo;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigOrigin;
import java.io.IOException;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import org.otfuse.core.data.DatasetName;
import org.otfuse.core.graph.Architectures;
import org.otfuse.core.graph.Graph;
import org.otfuse.core.io.HadoopPaths;

/**
 * A zoo to train, as the cross product datasets x widths x seeds x splits of one architecture
 * with shared training settings (HOCON block {@code otfuse.zoo.models}; every key is documented
 * in reference.conf). {@link #expand()} gives the models in a deterministic order.
 *
 * <p>Widths: for {@code mlp} (and {@code mlpnet}) each list of {@code widths} (or the reference
 * MLPNet's 400-200-100 when it is empty) scaled by each of {@code widthMultipliers}; for VGG and
 * ResNet each multiplier of the standard channel counts; a HOCON architecture file has its own
 * widths (multiplier 1). Inputs: MLPs take the flattened images; VGG and ResNet take images padded
 * to at least 32 x 32 (28 x 28 MNIST-family images are padded, as {@code otfuse train} does); a
 * file architecture's input shape is its own and the images are padded to it.
 *
 * @param arch {@code mlp}, {@code mlpnet}, a VGG or ResNet name of {@link Architectures#names()},
 *     or the resolved path of a HOCON architecture file
 * @param archConf the text of that file (null for a built-in); read once, on the driver
 * @param widths MLP hidden widths, one list per zoo width (empty: the architecture's own)
 * @param widthMultipliers multipliers of those widths (or of the channel counts)
 */
public record ZooSpec(
    List<DatasetName> datasets, String arch, String archConf, List<List<Integer>> widths,
    List<Double> widthMultipliers, boolean bias, boolean batchNorm, List<Long> seeds, List<ZooSplit> splits,
    ZooRecipe recipe) implements Serializable {
  private static final long serialVersionUID = 2L;
  private static final List<Integer> MLPNET_HIDDEN = List.of(400, 200, 100);

  public ZooSpec {
    datasets = List.copyOf(datasets);
    widths = widths.stream().map(List::copyOf).toList();
    widthMultipliers = List.copyOf(widthMultipliers);
    seeds = List.copyOf(seeds);
    splits = List.copyOf(splits);
    if (datasets.isEmpty() || widthMultipliers.isEmpty() || seeds.isEmpty() || splits.isEmpty()) {
      throw new IllegalArgumentException("a zoo needs at least one dataset, width multiplier, seed and split; got"
          + " datasets=" + datasets + ", width-multipliers=" + widthMultipliers + ", seeds=" + seeds + ", splits="
          + splits);
    }
  }

  /**
   * Reads the {@code models} block ({@code datasets, arch, widths, width-multipliers, bias,
   * batchnorm, seeds, splits, epochs, batch-size, learning-rate, momentum, weight-decay, schedule,
   * augmentation, train-limit, trainer}). A relative path of a HOCON architecture file is taken
   * relative to the configuration file that set {@code arch} (else the working directory); the
   * file is read here.
   *
   * @param c the block, already validated against reference.conf
   * @param where its path, for messages (e.g. {@code otfuse.zoo.models})
   */
  public static ZooSpec fromConfig(Config c, String where) {
    try {
      return parse(c, where);
    } catch (ConfigException e) {
      throw new IllegalArgumentException(where + ": " + e.getMessage(), e);
    }
  }

  private static ZooSpec parse(Config c, String where) {
    String given = c.getString("arch").trim();
    String arch;
    String conf = null;
    if (ModelArch.isConfName(given)) {
      arch = resolve(given, c.getValue("arch").origin());
      conf = readConf(arch, where, c.getValue("arch").origin());
    } else {
      arch = given.toLowerCase(Locale.ROOT);
      if (!Architectures.names().contains(arch)) {
        throw bad(c, where, "arch", "'" + given + "'", "one of " + Architectures.names()
            + " or the path of a HOCON architecture file (*.conf)");
      }
    }
    boolean mlp = arch.equals("mlp") || arch.equals("mlpnet");
    List<DatasetName> ds = new ArrayList<>();
    for (String s : c.getStringList("datasets")) {
      ds.add(DatasetName.parse(s));
    }
    List<List<Integer>> widths = widthLists(c, where);
    if (!widths.isEmpty() && !mlp) {
      throw bad(c, where, "widths", c.getValue("widths").render(), "empty for arch = " + given
          + " (explicit hidden widths are for mlp); scale its channels with width-multipliers");
    }
    List<Double> multipliers = c.getDoubleList("width-multipliers");
    if (multipliers.isEmpty() || multipliers.stream().anyMatch(m -> !(m > 0))) {
      throw bad(c, where, "width-multipliers", multipliers.toString(), "a non-empty list of numbers > 0");
    }
    if (conf != null && !multipliers.equals(List.of(1.0))) {
      throw bad(c, where, "width-multipliers", multipliers.toString(), "[1] for a HOCON architecture file (its"
          + " widths are in the file)");
    }
    boolean bn = c.getBoolean("batchnorm");
    if (bn && mlp) {
      throw bad(c, where, "batchnorm", "true", "false for arch = " + given + " (the MLPs have no BatchNorm layers)");
    }
    List<ZooSplit> splits = new ArrayList<>();
    for (String s : c.getStringList("splits")) {
      splits.add(ZooSplit.parse(s));
    }
    ZooRecipe.Engine engine = engine(c, where);
    ZooRecipe recipe;
    try {
      recipe = new ZooRecipe(c.getInt("epochs"), c.getInt("batch-size"), c.getDouble("learning-rate"),
          c.getDouble("momentum"), c.getDouble("weight-decay"), c.getString("schedule"),
          ZooRecipe.parseAugmentation(c.getString("augmentation")), c.getInt("train-limit"), engine);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(where + ": " + e.getMessage(), e);
    }
    ZooSpec spec = new ZooSpec(ds, arch, conf, widths, multipliers, c.getBoolean("bias"), bn,
        c.getLongList("seeds"), splits, recipe);
    try {
      spec.expand();
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(where + ": " + e.getMessage(), e);
    }
    return spec;
  }

  private static ZooRecipe.Engine engine(Config c, String where) {
    String s = c.getString("trainer").trim().toUpperCase(Locale.ROOT);
    for (ZooRecipe.Engine e : ZooRecipe.Engine.values()) {
      if (e.name().equals(s)) {
        return e;
      }
    }
    throw bad(c, where, "trainer", "'" + c.getString("trainer") + "'", "auto, mlp or graph");
  }

  private static List<List<Integer>> widthLists(Config c, String where) {
    List<List<Integer>> widths = new ArrayList<>();
    for (Object o : c.getList("widths").unwrapped()) {
      if (!(o instanceof List<?> l) || l.isEmpty() || l.stream().anyMatch(x -> !(x instanceof Number))) {
        throw bad(c, where, "widths", c.getValue("widths").render(), "a list of lists of hidden widths, e.g."
            + " [[64, 32]]");
      }
      widths.add(l.stream().map(x -> ((Number) x).intValue()).toList());
    }
    return widths;
  }

  private static IllegalArgumentException bad(Config c, String where, String key, String found, String rule) {
    return new IllegalArgumentException(where + "." + key + " is " + found + " ("
        + c.getValue(key).origin().description() + ") but must be " + rule);
  }

  /** A relative architecture path resolved against the directory of the file that set it. */
  static String resolve(String path, ConfigOrigin origin) {
    if (path.contains("://") || path.startsWith("/") || origin == null || origin.filename() == null) {
      return path;
    }
    java.nio.file.Path base = java.nio.file.Path.of(origin.filename()).toAbsolutePath().getParent();
    java.nio.file.Path candidate = base == null ? java.nio.file.Path.of(path) : base.resolve(path);
    return java.nio.file.Files.exists(candidate) ? candidate.normalize().toString() : path;
  }

  private static String readConf(String path, String where, ConfigOrigin origin) {
    try {
      if (!HadoopPaths.exists(path)) {
        throw new IllegalArgumentException(where + ".arch is the file " + path + " (" + origin.description()
            + "), which does not exist");
      }
      return new String(HadoopPaths.readAllBytes(path), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IllegalArgumentException(where + ".arch: cannot read " + path + ": " + e.getMessage(), e);
    }
  }

  /**
   * The architecture of this zoo's models on {@code dataset} with MLP hidden widths {@code hidden}
   * (empty for other architectures) and multiplier {@code m}.
   */
  ModelArch archFor(DatasetName dataset, List<Integer> hidden, double m) {
    long[] image = dataset.imageShape();
    if (archConf != null) {
      ModelArch probe = new ModelArch(arch, archConf, 1.0, List.of(), bias, batchNorm, dataset.numClasses(),
          List.of(image[0], image[1], image[2]));
      Graph g = probe.graph();
      long[] in = g.shape(g.input().id());
      int classes = (int) g.shape(g.output())[0];
      List<Long> input = new ArrayList<>();
      for (long d : in) {
        input.add(d);
      }
      if (classes != dataset.numClasses()) {
        throw new IllegalArgumentException(arch + " has " + classes + " outputs but " + dataset.cliName() + " has "
            + dataset.numClasses() + " classes");
      }
      long features = image[0] * image[1] * image[2];
      boolean fits = in.length == 1 ? in[0] == features
          : in.length == 3 && in[0] == image[0] && in[1] >= image[1] && in[2] >= image[2] && in[1] == in[2];
      if (!fits) {
        throw new IllegalArgumentException(arch + " takes inputs " + input + " but " + dataset.cliName() + " has "
            + java.util.Arrays.toString(image) + " images (a file architecture needs [C*H*W], or [C, S, S] with"
            + " S >= the image size: the images are padded to it)");
      }
      boolean hasBias = g.nodes().stream().anyMatch(n -> n.op() instanceof org.otfuse.core.graph.Op.Linear l && l.bias()
          || n.op() instanceof org.otfuse.core.graph.Op.Conv2d cv && cv.bias());
      boolean hasBn = g.nodes().stream().anyMatch(n -> n.op() instanceof org.otfuse.core.graph.Op.BatchNorm);
      return new ModelArch(arch, archConf, 1.0, List.of(), hasBias, hasBn, classes, input);
    }
    if (arch.equals("mlp") || arch.equals("mlpnet")) {
      List<Integer> scaled = hidden.stream().map(w -> Math.max(1, (int) Math.round(w * m))).toList();
      return ZooModelSpec.mlpArch(dataset, scaled, bias);
    }
    List<Long> input = List.of(image[0], Math.max(32, image[1]), Math.max(32, image[2]));
    return new ModelArch(arch, null, m, List.of(), bias, batchNorm, dataset.numClasses(), input);
  }

  /** One spec per model, datasets outermost, then widths, splits, seeds; duplicates removed. */
  public List<ZooModelSpec> expand() {
    boolean mlp = archConf == null && (arch.equals("mlp") || arch.equals("mlpnet"));
    List<List<Integer>> hiddens = !mlp ? List.of(List.of()) : widths.isEmpty() ? List.of(MLPNET_HIDDEN) : widths;
    LinkedHashSet<ZooModelSpec> out = new LinkedHashSet<>();
    for (DatasetName d : datasets) {
      for (List<Integer> h : hiddens) {
        for (double m : widthMultipliers) {
          ModelArch a = archFor(d, h, m);
          for (ZooSplit s : splits) {
            for (long seed : seeds) {
              out.add(new ZooModelSpec(d, a, seed, s, recipe));
            }
          }
        }
      }
    }
    return List.copyOf(out);
  }
}
