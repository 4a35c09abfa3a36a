package org.otfuse.core.sweep;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigValue;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import org.otfuse.core.fusion.ActivationPoint;
import org.otfuse.core.fusion.FusionMode;
import org.otfuse.core.fusion.SolverKind;
import org.otfuse.core.ot.CostNormalization;
import org.otfuse.core.ot.GroundMetric;
import org.otfuse.core.zoo.ZooSpec;
import org.otfuse.core.zoo.ZooSplit;

/**
 * A resolved otfuse configuration as small serializable records (one per block of
 * reference.conf, where every key is documented). Built once on the driver by {@link #from};
 * executors only ever see these records, never a {@link Config}.
 */
public record SweepConfig(
    String sweepId, String results, Data data, ZooSettings zoo, Selection select, Grid sweep,
    CompressionGrid compression, Run run, Map<String, String> sparkConf, Map<String, String> hadoop,
    Testing testing) implements Serializable {
  private static final long serialVersionUID = 1L;
  private static final Pattern ID = Pattern.compile("[A-Za-z0-9._-]+");

  public SweepConfig {
    sparkConf = Map.copyOf(sparkConf);
    hadoop = Map.copyOf(hadoop);
  }

  /** {@code otfuse.data}. */
  public record Data(String dir, boolean install) implements Serializable {
    private static final long serialVersionUID = 1L;
  }

  /** {@code otfuse.zoo}; {@code models} is the zoo to train. */
  public record ZooSettings(String dir, boolean trainMissing, ZooSpec models) implements Serializable {
    private static final long serialVersionUID = 1L;
  }

  /** {@code otfuse.select}: empty lists select everything. */
  public record Selection(List<String> datasets, List<String> archs, List<List<Integer>> widths, List<String> splits,
      List<String> modelIds) implements Serializable {
    private static final long serialVersionUID = 2L;

    public Selection {
      datasets = List.copyOf(datasets);
      archs = List.copyOf(archs);
      widths = widths.stream().map(List::copyOf).toList();
      splits = List.copyOf(splits);
      modelIds = List.copyOf(modelIds);
    }
  }

  /** Which model of a group is the target. */
  public enum TargetChoice { FIRST, LAST }

  /** {@code otfuse.sweep.finetune}. */
  public record Finetune(int batchSize, double learningRate, double momentum, int trainLimit) implements Serializable {
    private static final long serialVersionUID = 1L;
  }

  /**
   * {@code otfuse.sweep}: the fusion grid. {@code ensembleSteps} holds null for "uniform" (1/K).
   */
  public record Grid(
      List<Integer> groupSizes, int maxGroups, List<TargetChoice> targets, List<FusionMode> modes,
      List<SolverKind> solvers, List<Double> regs, List<GroundMetric> metrics, List<CostNormalization> normalizations,
      List<Double> ensembleSteps, List<Integer> finetuneEpochs, boolean correction, boolean pastCorrection,
      boolean alignOutput, int activationSamples, ActivationPoint activationPoint, double sinkhornTolerance,
      int sinkhornMaxIterations, Finetune finetune, boolean writeModels) implements Serializable {
    private static final long serialVersionUID = 1L;

    public Grid {
      groupSizes = List.copyOf(groupSizes);
      targets = List.copyOf(targets);
      modes = List.copyOf(modes);
      solvers = List.copyOf(solvers);
      regs = List.copyOf(regs);
      metrics = List.copyOf(metrics);
      normalizations = List.copyOf(normalizations);
      ensembleSteps = java.util.Collections.unmodifiableList(new ArrayList<>(ensembleSteps));
      finetuneEpochs = List.copyOf(finetuneEpochs);
    }
  }

  /** Compression methods. */
  public enum CompressionMethod { OT, MAGNITUDE }

  /** {@code otfuse.compression}. */
  public record CompressionGrid(List<Double> widthFactors, List<CompressionMethod> methods, int finetuneEpochs)
      implements Serializable {
    private static final long serialVersionUID = 1L;

    public CompressionGrid {
      widthFactors = List.copyOf(widthFactors);
      methods = List.copyOf(methods);
    }
  }

  /** {@code otfuse.run.distribute}. */
  public record Distribute(boolean kAlignments, boolean activationGroups, long blockCostCells, int blockRows)
      implements Serializable {
    private static final long serialVersionUID = 1L;
  }

  /** {@code otfuse.run.backend}: where a task runs its OT math. */
  public enum BackendChoice {
    /** The GPU Spark assigned to the task when it assigned one, else the CPU. */
    AUTO,
    /** Core's ND4J CPU path. */
    CPU,
    /** The task's GPU; without one (or without the CUDA library) the CPU, with a logged warning. */
    CUDA;

    /** Whether a task with these GPU addresses (null or empty: none) should try its GPU. */
    public boolean preferGpu(String[] gpuAddresses) {
      return this == CUDA || (this == AUTO && gpuAddresses != null && gpuAddresses.length > 0);
    }
  }

  /** {@code otfuse.run}. */
  public record Run(int commitEvery, int buckets, Distribute distribute, BackendChoice backend)
      implements Serializable {
    private static final long serialVersionUID = 2L;
  }

  /** {@code otfuse.testing}: fault injection. */
  public record Testing(List<Integer> failPoints, int failAttempts, long sleepMs) implements Serializable {
    private static final long serialVersionUID = 1L;

    public Testing {
      failPoints = List.copyOf(failPoints);
    }

    /** Whether the task of point {@code index} must throw on attempt {@code attempt} (0-based). */
    public boolean shouldFail(int index, int attempt) {
      return failPoints.contains(index) && (failAttempts < 0 || attempt < failAttempts);
    }
  }

  /**
   * Reads a configuration returned by {@link OtfuseConfig#load}. Fails naming the key, where it
   * was set, the value and the accepted values.
   */
  public static SweepConfig from(Config root) {
    try {
      return parse(root.getConfig(OtfuseConfig.ROOT));
    } catch (com.typesafe.config.ConfigException e) {
      throw new IllegalArgumentException(e.getMessage(), e);
    }
  }

  private static SweepConfig parse(Config c) {
    String sweepId = c.getString("sweep-id");
    if (!sweepId.isEmpty() && !ID.matcher(sweepId).matches()) {
      throw bad(c, "sweep-id", "'" + sweepId + "'", "letters, digits, '.', '_' and '-' only");
    }
    Data data = new Data(nonEmpty(c, "data.dir"), c.getBoolean("data.install"));
    ZooSettings zoo = new ZooSettings(nonEmpty(c, "zoo.dir"), c.getBoolean("zoo.train-missing"),
        ZooSpec.fromConfig(c.getConfig("zoo.models"), OtfuseConfig.ROOT + ".zoo.models"));
    List<String> splits = c.getStringList("select.splits");
    splits.forEach(ZooSplit::parse);
    Selection select = new Selection(c.getStringList("select.datasets"), c.getStringList("select.archs"),
        intLists(c, "select.widths"), splits, c.getStringList("select.model-ids"));

    List<Integer> ks = c.getIntList("sweep.group-sizes");
    for (int k : ks) {
      if (k < 2) {
        throw bad(c, "sweep.group-sizes", ks.toString(), "every group size K >= 2");
      }
    }
    List<Double> regs = c.getDoubleList("sweep.regs");
    for (double r : regs) {
      if (!(r > 0)) {
        throw bad(c, "sweep.regs", regs.toString(), "every reg > 0");
      }
    }
    List<Double> steps = new ArrayList<>();
    for (Object o : c.getList("sweep.ensemble-steps").unwrapped()) {
      if ("uniform".equals(o)) {
        steps.add(null);
      } else {
        double s;
        try {
          s = o instanceof Number n ? n.doubleValue() : Double.parseDouble(o.toString());
        } catch (NumberFormatException e) {
          throw bad(c, "sweep.ensemble-steps", String.valueOf(o), "numbers in [0, 1] or \"uniform\"");
        }
        if (!(s >= 0 && s <= 1)) {
          throw bad(c, "sweep.ensemble-steps", String.valueOf(o), "numbers in [0, 1] or \"uniform\"");
        }
        steps.add(s);
      }
    }
    List<Integer> ft = c.getIntList("sweep.finetune-epochs");
    if (ft.stream().anyMatch(e -> e < 0)) {
      throw bad(c, "sweep.finetune-epochs", ft.toString(), "epochs >= 0");
    }
    int samples = c.getInt("sweep.activations.samples");
    if (samples < 1) {
      throw bad(c, "sweep.activations.samples", "" + samples, ">= 1");
    }
    Finetune finetune = new Finetune(c.getInt("sweep.finetune.batch-size"), c.getDouble("sweep.finetune.learning-rate"),
        c.getDouble("sweep.finetune.momentum"), c.getInt("sweep.finetune.train-limit"));
    Grid grid = new Grid(ks, nonNegative(c, "sweep.max-groups"), enums(c, "sweep.targets", TargetChoice.class),
        enums(c, "sweep.modes", FusionMode.class), enums(c, "sweep.solvers", SolverKind.class), regs,
        enums(c, "sweep.ground-metrics", GroundMetric.class),
        enums(c, "sweep.normalizations", CostNormalization.class), steps, ft, c.getBoolean("sweep.correction"),
        c.getBoolean("sweep.past-correction"), c.getBoolean("sweep.align-output"), samples,
        oneEnum(c, "sweep.activations.point", ActivationPoint.class), c.getDouble("sweep.sinkhorn.tolerance"),
        c.getInt("sweep.sinkhorn.max-iterations"), finetune, c.getBoolean("sweep.write-models"));

    List<Double> factors = c.getDoubleList("compression.width-factors");
    for (double f : factors) {
      if (!(f > 0 && f < 1)) {
        throw bad(c, "compression.width-factors", factors.toString(), "every factor in (0, 1)");
      }
    }
    CompressionGrid compression = new CompressionGrid(factors,
        enums(c, "compression.methods", CompressionMethod.class), nonNegative(c, "compression.finetune-epochs"));

    int buckets = c.getInt("run.buckets");
    if (buckets < 1) {
      throw bad(c, "run.buckets", "" + buckets, ">= 1");
    }
    Distribute dist = new Distribute(c.getBoolean("run.distribute.k-alignments"),
        c.getBoolean("run.distribute.activation-groups"), c.getLong("run.distribute.block-cost-cells"),
        c.getInt("run.distribute.block-rows"));
    if (dist.blockCostCells() < 0 || dist.blockRows() < 1) {
      throw bad(c, "run.distribute", "block-cost-cells=" + dist.blockCostCells() + ", block-rows=" + dist.blockRows(),
          "block-cost-cells >= 0 and block-rows >= 1");
    }
    Run run = new Run(nonNegative(c, "run.commit-every"), buckets, dist,
        oneEnum(c, "run.backend", BackendChoice.class));
    Testing testing = new Testing(c.getIntList("testing.fail-points"), c.getInt("testing.fail-attempts"),
        c.getLong("testing.sleep-ms"));
    return new SweepConfig(sweepId, nonEmpty(c, "results"), data, zoo, select, grid, compression, run,
        flatStrings(c, "spark-conf"), flatStrings(c, "hadoop"), testing);
  }

  /** This configuration with the results root replaced. */
  public SweepConfig withResults(String dir) {
    return new SweepConfig(sweepId, dir, data, zoo, select, sweep, compression, run, sparkConf, hadoop, testing);
  }

  /** The sweep id, failing when it is not set. */
  public String requireSweepId() {
    if (sweepId.isEmpty()) {
      throw new IllegalArgumentException("otfuse.sweep-id is not set; name the sweep in its file or with"
          + " sweep-id=NAME on the command line");
    }
    return sweepId;
  }

  private static IllegalArgumentException bad(Config c, String key, String found, String rule) {
    return new IllegalArgumentException(OtfuseConfig.ROOT + "." + key + " is " + found + " ("
        + where(c, key) + ") but must be " + rule);
  }

  private static String where(Config c, String key) {
    return c.hasPath(key) ? c.getValue(key).origin().description() : "not set";
  }

  private static String nonEmpty(Config c, String key) {
    String v = c.getString(key);
    if (v.isBlank()) {
      throw bad(c, key, "empty", "a non-empty string");
    }
    return v;
  }

  private static int nonNegative(Config c, String key) {
    int v = c.getInt(key);
    if (v < 0) {
      throw bad(c, key, "" + v, ">= 0");
    }
    return v;
  }

  static <E extends Enum<E>> E oneEnum(Config c, String key, Class<E> type) {
    return parseEnum(c, key, c.getString(key), type);
  }

  static <E extends Enum<E>> List<E> enums(Config c, String key, Class<E> type) {
    List<E> out = new ArrayList<>();
    for (String s : c.getStringList(key)) {
      out.add(parseEnum(c, key, s, type));
    }
    if (out.isEmpty()) {
      throw bad(c, key, "[]", "a non-empty list of " + names(type));
    }
    return out;
  }

  private static <E extends Enum<E>> E parseEnum(Config c, String key, String s, Class<E> type) {
    String norm = s.trim().toUpperCase(Locale.ROOT).replace('-', '_');
    for (E e : type.getEnumConstants()) {
      if (e.name().equals(norm)) {
        return e;
      }
    }
    throw bad(c, key, "'" + s + "'", "one of " + names(type));
  }

  private static <E extends Enum<E>> List<String> names(Class<E> type) {
    return Arrays.stream(type.getEnumConstants()).map(SweepConfig::lower).toList();
  }

  /** The config name of an enum constant ({@code SQEUCLIDEAN -> sqeuclidean}). */
  public static String lower(Enum<?> e) {
    return e.name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  private static List<List<Integer>> intLists(Config c, String key) {
    List<List<Integer>> out = new ArrayList<>();
    for (Object o : c.getList(key).unwrapped()) {
      if (!(o instanceof List<?> l) || l.stream().anyMatch(x -> !(x instanceof Number))) {
        throw bad(c, key, String.valueOf(o), "a list of lists of widths, e.g. [[64, 32]]");
      }
      out.add(l.stream().map(x -> ((Number) x).intValue()).toList());
    }
    return out;
  }

  private static Map<String, String> flatStrings(Config c, String key) {
    Map<String, String> out = new LinkedHashMap<>();
    for (Map.Entry<String, ConfigValue> e : c.getConfig(key).entrySet()) {
      Object v = e.getValue().unwrapped();
      if (v instanceof List || v instanceof Map) {
        throw new IllegalArgumentException(OtfuseConfig.ROOT + "." + key + "." + e.getKey() + " ("
            + e.getValue().origin().description() + ") must be a string, number or boolean");
      }
      // HOCON splits dotted keys into paths; quoted keys such as "spark.sql.x" come back quoted.
      out.put(e.getKey().replace("\"", ""), String.valueOf(v));
    }
    return out;
  }

  /** Whether a key names a secret (its value is never logged). */
  public static boolean isSecretKey(String key) {
    String k = key.toLowerCase(Locale.ROOT);
    return k.contains("secret") || k.contains("password") || k.contains("token") || k.contains("access.key")
        || k.contains("session.key");
  }
}
