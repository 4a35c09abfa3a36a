package org.otfuse.core.zoo;

import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import java.io.Serializable;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.otfuse.core.graph.ArchSpec;
import org.otfuse.core.graph.Architectures;
import org.otfuse.core.graph.Graph;
import org.otfuse.core.graph.NeuronGroups;
import org.otfuse.core.graph.Node;
import org.otfuse.core.graph.Op;

/**
 * The architecture of a zoo model, complete enough to rebuild its {@link Graph} anywhere (a Spark
 * executor included): a built-in name of {@link Architectures} with its width multiplier, MLP
 * hidden widths, bias and BatchNorm switches, or the text of a HOCON architecture file; plus the
 * number of classes and the input shape. Serializable (unlike {@link Graph}); immutable.
 *
 * @param name {@code mlp}, {@code mlpnet}, {@code vgg11} ... {@code resnet34} (lower case), or the
 *     path of the HOCON file the architecture came from
 * @param conf the HOCON text of a file architecture (then {@code width}, {@code bias} and
 *     {@code batchNorm} only describe it); null for a built-in, or for a {@code .conf} name whose
 *     file is read when the graph is built
 * @param width width multiplier of the standard widths (1 for MLPs with explicit {@code hidden})
 * @param hidden MLP hidden widths; empty when the architecture's own widths (scaled) apply
 * @param numClasses output neurons
 * @param inputShape {@code [F]} (flat features, as the zoo's MLPs) or {@code [C, H, W]}
 */
public record ModelArch(String name, String conf, double width, List<Integer> hidden, boolean bias,
    boolean batchNorm, int numClasses, List<Long> inputShape) implements Serializable {
  private static final long serialVersionUID = 1L;

  public ModelArch {
    if (name == null || name.isBlank()) {
      throw new IllegalArgumentException("architecture name is empty");
    }
    hidden = hidden == null ? List.of() : List.copyOf(hidden);
    inputShape = List.copyOf(inputShape);
    if (!(width > 0)) {
      throw new IllegalArgumentException(name + ": width multiplier is " + width + " but must be > 0");
    }
    if (hidden.stream().anyMatch(w -> w < 1)) {
      throw new IllegalArgumentException(name + ": hidden widths " + hidden + " must all be >= 1");
    }
    if (inputShape.size() != 1 && inputShape.size() != 3) {
      throw new IllegalArgumentException(name + ": input shape " + inputShape + " must be [F] or [C, H, W]");
    }
  }

  /** A built-in architecture ({@code conf} null) from an {@link ArchSpec}. */
  public static ModelArch of(ArchSpec s) {
    return of(s, null);
  }

  /** An architecture from an {@link ArchSpec} and, for a file architecture, the file's text. */
  public static ModelArch of(ArchSpec s, String conf) {
    List<Integer> hidden = new ArrayList<>();
    if (s.hidden() != null) {
      for (int w : s.hidden()) {
        hidden.add(w);
      }
    }
    List<Long> in = new ArrayList<>();
    for (long d : s.inputShape()) {
      in.add(d);
    }
    String name = isConfName(s.name()) ? s.name() : s.name().trim().toLowerCase(Locale.ROOT);
    return new ModelArch(name, conf, s.width(), hidden, s.bias(), s.batchNorm(), s.numClasses(), in);
  }

  /** Whether {@code name} is the path of a HOCON architecture file. */
  public static boolean isConfName(String name) {
    return name.trim().toLowerCase(Locale.ROOT).endsWith(".conf");
  }

  /** Whether this is a file (HOCON) architecture. */
  public boolean isConf() {
    return conf != null || isConfName(name);
  }

  /** Whether this is a multi-layer perceptron ({@code mlp} or {@code mlpnet}). */
  public boolean isMlp() {
    return name.equals("mlp") || name.equals("mlpnet");
  }

  /** The input shape as an array (a copy). */
  public long[] inputArray() {
    return inputShape.stream().mapToLong(Long::longValue).toArray();
  }

  /** The {@link ArchSpec} of this architecture (what {@link Architectures#build} takes). */
  public ArchSpec archSpec() {
    return new ArchSpec(name, width, bias, batchNorm, numClasses, inputArray(),
        hidden.isEmpty() ? null : hidden.stream().mapToInt(Integer::intValue).toArray());
  }

  /**
   * Builds the forward graph (no parameters): the built-in architecture, or the HOCON text.
   *
   * @throws IllegalArgumentException naming the architecture when it cannot be built
   */
  public Graph graph() {
    if (conf == null) {
      return Architectures.build(archSpec());
    }
    try {
      return Architectures.fromConfig(ConfigFactory.parseString(conf,
          ConfigParseOptions.defaults().setOriginDescription(name)).resolve(), name);
    } catch (ConfigException e) {
      throw new IllegalArgumentException(name + ": not a valid architecture file: " + e.getMessage(), e);
    }
  }

  /**
   * The sizes of the hidden neuron groups, in the graph's order: an MLP's hidden layer widths, a
   * VGG's conv channels, a ResNet's stages (residual-tied channels counted once per group).
   */
  public List<Integer> widths() {
    if (isMlp() && !hidden.isEmpty()) {
      return hidden;
    }
    return hiddenWidths(graph());
  }

  /** The sizes of the hidden neuron groups of {@code g} ({@link NeuronGroups.Kind#HIDDEN}), in order. */
  public static List<Integer> hiddenWidths(Graph g) {
    List<Integer> out = new ArrayList<>();
    for (NeuronGroups.Group grp : NeuronGroups.of(g).groups()) {
      if (grp.kind() == NeuronGroups.Kind.HIDDEN) {
        out.add(grp.size());
      }
    }
    return out;
  }

  /** Whether {@code g} is a plain MLP: only Linear layers and ReLUs (what {@code MlpNet} represents). */
  public static boolean isPlainMlp(Graph g) {
    for (Node n : g.nodes()) {
      Op op = n.op();
      if (!(op instanceof Op.Input || op instanceof Op.Linear || op instanceof Op.Relu)) {
        return false;
      }
    }
    return true;
  }

  /** The short name for result rows: {@code mlp}, {@code vgg11}, {@code resnet18}, or the file name. */
  public String displayName() {
    if (!isConf()) {
      return name;
    }
    String base = name.replace('\\', '/');
    return base.substring(base.lastIndexOf('/') + 1);
  }

  /**
   * The architecture part of a model id: {@code mlp-<w1>x<w2>} for MLPs with explicit widths,
   * {@code <name>-w<multiplier>} for built-ins ({@code vgg11-w0.0625}), {@code conf-<file>} for a
   * file architecture (its base name without {@code .conf}).
   */
  public String label() {
    if (isConf()) {
      String file = displayName();
      return "conf-" + file.substring(0, file.length() - ".conf".length());
    }
    if (isMlp() && !hidden.isEmpty()) {
      return "mlp-" + ZooModelSpec.widthsLabel(hidden);
    }
    return name + "-w" + number(width);
  }

  /** {@code 1}, {@code 0.25}, {@code 0.0625}: the shortest exact decimal of {@code x}. */
  static String number(double x) {
    return new BigDecimal(Double.toString(x)).stripTrailingZeros().toPlainString();
  }

  @Override
  public String toString() {
    return displayName() + (isConf() ? "" : "(" + (hidden.isEmpty() ? "width " + number(width) : "hidden " + hidden)
        + (bias ? "" : ", no bias") + (batchNorm ? ", bn" : "") + ")") + ", " + numClasses + " classes, input "
        + inputShape;
  }
}
