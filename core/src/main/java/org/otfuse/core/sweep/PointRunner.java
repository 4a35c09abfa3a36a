package org.otfuse.core.sweep;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.fs.Path;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.otfuse.core.backend.TransportBackend;
import org.otfuse.core.data.DatasetName;
import org.otfuse.core.data.ImageDataset;
import org.otfuse.core.data.Split;
import org.otfuse.core.fusion.FusionOptions;
import org.otfuse.core.fusion.LayerReport;
import org.otfuse.core.io.TensorFormatException;
import org.otfuse.core.sweep.ModelAdapter.Model;
import org.otfuse.core.sweep.ResultSchema.Column;
import org.otfuse.core.train.Evaluator;
import org.otfuse.core.train.SgdOptions;
import org.otfuse.core.train.Versions;
import org.otfuse.core.zoo.DataCache;
import org.otfuse.core.zoo.ModelMeta;
import org.otfuse.core.zoo.Zoo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one sweep point in pure Java and returns its result rows (Singh and Jaggi 2020, Section 5's
 * comparisons): for a fusion point, a {@code parent} row per model, then {@code ensemble} (the
 * prediction ensemble), {@code vanilla} (parameter average without alignment), {@code ot} (OT
 * fusion, with per-layer cost and plan statistics) and, with fine-tuning, {@code ot_finetuned};
 * for a compression point, the {@code parent} and one {@code compress_<method>} row per method
 * (and {@code compress_<method>_finetuned}). Every row carries the point's settings and per-phase
 * timings, and the evaluated model's widths and parameter count (none for the ensemble).
 * Exceptions propagate: the caller decides between retrying and {@link #failedRow}.
 */
public final class PointRunner {
  private static final Logger LOG = LoggerFactory.getLogger(PointRunner.class);

  private PointRunner() {}

  /** How the OT fusion of a point is computed: in the calling thread, or distributed by the caller. */
  @FunctionalInterface
  public interface Fuser {
    /**
     * Fuses {@code models} onto {@code models.get(target)}.
     *
     * @param backend the task's transport backend (null: core's ND4J CPU path); not closed here
     */
    ModelAdapter.Fused fuse(List<Model> models, int target, FusionOptions options, INDArray samples,
        TransportBackend backend);
  }

  /** The local fuser: core's OT fusion in this thread. */
  public static final Fuser LOCAL = ModelAdapter::fuse;

  /**
   * Where and how a point runs.
   *
   * @param zooDir the zoo root
   * @param dataDir the data root (datasets in {@code <dataDir>/<dataset>})
   * @param modelsOut where to write fused/compressed models ({@code <modelsOut>/<point_id>/<method>.safetensors}); null: not written
   * @param buckets number of point buckets (partitioning)
   * @param attempt task attempt number (0 = first)
   * @param executorId executor that runs the point
   * @param sparkVersion Spark version (null outside Spark)
   * @param distribution how the point is distributed ({@code task}, {@code k-alignments}, ...)
   * @param fuser how OT fusion is computed
   * @param backend the transport backend of the task (null: core's ND4J CPU path); the caller
   *     opens and closes it
   */
  public record Env(String zooDir, String dataDir, String modelsOut, int buckets, int attempt, String executorId,
      String sparkVersion, String distribution, Fuser fuser, TransportBackend backend) {}

  /** The directory of a dataset's idx files under the data root. */
  public static String datasetDir(String dataDir, String dataset) {
    return new Path(dataDir, DatasetName.parse(dataset).cliName()).toString();
  }

  /**
   * Runs {@code p}.
   *
   * @throws IOException when a model or the data cannot be read (the message names the file)
   */
  public static List<ResultRow> run(SweepPoint p, Env env) throws IOException {
    long t0 = System.nanoTime();
    Zoo zoo = Zoo.at(env.zooDir());
    List<ModelMeta> metas = new ArrayList<>();
    List<Model> models = new ArrayList<>();
    for (String id : p.modelIds()) {
      ModelMeta m = zoo.meta(id);
      metas.add(m);
      models.add(ModelAdapter.load(zoo, m));
    }
    long[] input = models.get(0).inputShape();
    for (Model m : models) {
      if (!java.util.Arrays.equals(m.inputShape(), input)) {
        throw new IllegalArgumentException("models of one point take different inputs: " + models.get(0).id() + " "
            + java.util.Arrays.toString(input) + ", " + m.id() + " " + java.util.Arrays.toString(m.inputShape()));
      }
    }
    DatasetName ds = DatasetName.parse(p.dataset());
    String dir = datasetDir(env.dataDir(), p.dataset());
    ImageDataset test = DataCache.forInput(ds, dir, Split.TEST, input);
    boolean needTrain = p.finetuneEpochs() > 0 || p.fusion().activationSamples() > 0;
    ImageDataset train = needTrain ? DataCache.forInput(ds, dir, Split.TRAIN, input) : null;
    double loadS = seconds(t0);

    ResultRow base = base(p, env, metas);
    base.set(Column.TIME_LOAD_S, loadS);
    List<ResultRow> rows = new ArrayList<>();
    if (p.kind() == PointKind.FUSION) {
      runFusion(p, env, base, models, test, train, rows);
    } else {
      runCompression(p, env, base, models.get(0), test, train, rows);
      // Compression's OT runs on core's ND4J CPU path (it takes no transport backend).
      rows.forEach(r -> r.set(Column.BACKEND, ModelAdapter.CPU_BACKEND));
    }
    double total = seconds(t0);
    for (ResultRow r : rows) {
      r.set(Column.TIME_TOTAL_S, total).set(Column.FINISHED_AT, Instant.now());
    }
    return rows;
  }

  private static void runFusion(SweepPoint p, Env env, ResultRow base, List<Model> models, ImageDataset test,
      ImageDataset train, List<ResultRow> rows) throws IOException {
    for (int i = 0; i < models.size(); i++) {
      long t = System.nanoTime();
      Evaluator.Metrics m = ModelAdapter.evaluate(models.get(i), test);
      rows.add(row(base, "parent", models.get(i), 0, seconds(t), m).set(Column.MODEL_ID, p.modelIds().get(i)));
    }
    long t = System.nanoTime();
    Evaluator.Metrics ens = ModelAdapter.evaluateEnsemble(models, test);
    // K models, not one: no parameter count (result_widths are the target's, as the models share them).
    rows.add(row(base, "ensemble", models.get(p.targetIndex()), 0, seconds(t), ens).set(Column.PARAMETERS, null));

    int k = models.size();
    double step = p.fusion().step(k);
    t = System.nanoTime();
    Model vanilla = ModelAdapter.vanilla(models, p.targetIndex(), step);
    double compute = seconds(t);
    rows.add(evaluated(base, "vanilla", vanilla, compute, test));

    FusionOptions o = p.fusion().toOptions(k);
    INDArray samples = p.fusion().activationSamples() > 0 ? train.head(p.fusion().activationSamples()).features() : null;
    t = System.nanoTime();
    ModelAdapter.Fused fused = env.fuser().fuse(models, p.targetIndex(), o, samples, env.backend());
    compute = seconds(t);
    for (ResultRow r : rows) {
      r.set(Column.BACKEND, fused.backend());
    }
    ResultRow ot = evaluated(base, "ot", fused.model(), compute, test).set(Column.BACKEND, fused.backend());
    layerStats(ot, fused.reports());
    rows.add(ot);
    save(env, p, "ot", fused.model());

    if (p.finetuneEpochs() > 0) {
      t = System.nanoTime();
      Model ft = ModelAdapter.finetune(fused.model(), finetuneData(p, train), sgd(p));
      compute = seconds(t);
      ResultRow r = evaluated(base, "ot_finetuned", ft, compute, test).set(Column.BACKEND, fused.backend());
      layerStats(r, fused.reports());
      rows.add(r);
      save(env, p, "ot_finetuned", ft);
    }
  }

  private static void runCompression(SweepPoint p, Env env, ResultRow base, Model model, ImageDataset test,
      ImageDataset train, List<ResultRow> rows) throws IOException {
    rows.add(evaluated(base, "parent", model, 0, test).set(Column.MODEL_ID, p.modelIds().get(0)));
    for (SweepConfig.CompressionMethod method : p.compressionMethods()) {
      String name = "compress_" + SweepConfig.lower(method);
      long t = System.nanoTime();
      Model c = method == SweepConfig.CompressionMethod.OT
          ? ModelAdapter.compressOt(model, p.widthFactor(), p.fusion().toOptions(2))
          : ModelAdapter.pruneMagnitude(model, p.widthFactor());
      double compute = seconds(t);
      rows.add(evaluated(base, name, c, compute, test).set(Column.MODEL_ID, p.modelIds().get(0)));
      save(env, p, name, c);
      if (p.finetuneEpochs() > 0) {
        t = System.nanoTime();
        Model ft = ModelAdapter.finetune(c, finetuneData(p, train), sgd(p));
        compute = seconds(t);
        rows.add(evaluated(base, name + "_finetuned", ft, compute, test).set(Column.MODEL_ID, p.modelIds().get(0)));
        save(env, p, name + "_finetuned", ft);
      }
    }
  }

  /**
   * The row of {@code m}: evaluates it on {@code test}, timing the evaluation itself (the clock
   * is read before and after it: {@code time_eval_s}).
   */
  private static ResultRow evaluated(ResultRow base, String method, Model m, double computeS, ImageDataset test) {
    long t = System.nanoTime();
    Evaluator.Metrics metrics = ModelAdapter.evaluate(m, test);
    return row(base, method, m, computeS, seconds(t), metrics);
  }

  private static ImageDataset finetuneData(SweepPoint p, ImageDataset train) {
    int limit = p.finetune().trainLimit();
    return limit > 0 && limit < train.size() ? train.head(limit) : train;
  }

  private static SgdOptions sgd(SweepPoint p) {
    SweepConfig.Finetune f = p.finetune();
    return new SgdOptions(p.finetuneEpochs(), f.batchSize(), f.learningRate(), f.momentum(),
        Long.parseUnsignedLong(p.pointId(), 16));
  }

  private static void save(Env env, SweepPoint p, String method, Model m) throws IOException {
    if (env.modelsOut() != null) {
      String path = new Path(new Path(env.modelsOut(), p.pointId()), method + ".safetensors").toString();
      ModelAdapter.save(m, path, Map.of("otfuse_sweep_id", p.sweepId(), "otfuse_point_id", p.pointId(),
          "otfuse_method", method, "otfuse_models", String.join(",", p.modelIds())));
    }
  }

  private static ResultRow row(ResultRow base, String method, Model m, double computeS, double evalS,
      Evaluator.Metrics metrics) {
    return base.copy().set(Column.METHOD, method).set(Column.STATUS, "ok").set(Column.RESULT_WIDTHS, m.widths())
        .set(Column.PARAMETERS, m.parameters())
        .set(Column.ACCURACY, metrics.accuracy()).set(Column.LOSS, metrics.loss()).set(Column.N_TEST, metrics.n())
        .set(Column.TIME_COMPUTE_S, computeS).set(Column.TIME_EVAL_S, evalS);
  }

  /** Per transported layer: mean cost, entropy and density over the alignments, max iterations. */
  static void layerStats(ResultRow r, List<List<LayerReport>> reports) {
    List<String> names = new ArrayList<>();
    List<Double> cost = new ArrayList<>();
    List<Double> entropy = new ArrayList<>();
    List<Double> density = new ArrayList<>();
    List<Integer> iterations = new ArrayList<>();
    int layers = reports.get(0).size();
    double total = 0;
    for (int l = 0; l < layers; l++) {
      if (!reports.get(0).get(l).transported()) {
        continue;
      }
      double c = 0;
      double e = 0;
      double d = 0;
      int it = 0;
      for (List<LayerReport> a : reports) {
        LayerReport lr = a.get(l);
        c += lr.otCost();
        e += lr.planEntropy();
        d += lr.density();
        it = Math.max(it, lr.iterations());
      }
      int n = reports.size();
      names.add(reports.get(0).get(l).layer());
      cost.add(c / n);
      entropy.add(e / n);
      density.add(d / n);
      iterations.add(it);
      total += c / n;
    }
    r.set(Column.OT_LAYERS, names).set(Column.OT_COST, cost).set(Column.OT_COST_TOTAL, total)
        .set(Column.PLAN_ENTROPY, entropy).set(Column.PLAN_DENSITY, density).set(Column.SOLVER_ITERATIONS, iterations);
  }

  /** The columns every row of the point shares (metas may be empty when loading failed). */
  static ResultRow base(SweepPoint p, Env env, List<ModelMeta> metas) {
    FusionSettings f = p.fusion();
    ResultRow r = new ResultRow()
        .set(Column.SWEEP_ID, p.sweepId())
        .set(Column.POINT_BUCKET, p.bucket(env.buckets()))
        .set(Column.POINT_ID, p.pointId())
        .set(Column.POINT_INDEX, p.index())
        .set(Column.POINT_KIND, p.kind().name().toLowerCase(java.util.Locale.ROOT))
        .set(Column.MODEL_IDS, p.modelIds())
        .set(Column.DATASET, p.dataset())
        .set(Column.GROUP_SIZE, p.groupSize())
        .set(Column.TARGET_INDEX, p.targetIndex())
        .set(Column.TARGET_MODEL_ID, p.modelIds().get(p.targetIndex()))
        .set(Column.MODE, SweepConfig.lower(f.mode()))
        .set(Column.SOLVER, SweepConfig.lower(f.solver()))
        .set(Column.REG, f.reg())
        .set(Column.GROUND_METRIC, SweepConfig.lower(f.metric()))
        .set(Column.NORMALIZATION, SweepConfig.lower(f.normalization()))
        .set(Column.ENSEMBLE_STEP, p.kind() == PointKind.FUSION ? f.step(p.groupSize()) : Double.NaN)
        .set(Column.ACTIVATION_SAMPLES, f.activationSamples())
        .set(Column.FINETUNE_EPOCHS, p.finetuneEpochs())
        .set(Column.WIDTH_FACTOR, p.widthFactor())
        .set(Column.ATTEMPT, env.attempt())
        .set(Column.DISTRIBUTION, env.distribution())
        .set(Column.OTFUSE_VERSION, Versions.otfuse())
        .set(Column.SPARK_VERSION, env.sparkVersion())
        .set(Column.JAVA_VERSION, Versions.java())
        .set(Column.EXECUTOR_ID, env.executorId());
    if (!metas.isEmpty()) {
      r.set(Column.ARCH, metas.get(0).arch().displayName()).set(Column.WIDTHS, metas.get(0).widthsLabel())
          .set(Column.SPLITS, metas.stream().map(ModelMeta::split).toList());
    }
    try {
      r.set(Column.ND4J_BACKEND, Versions.nd4jBackend());
    } catch (RuntimeException | LinkageError e) {
      r.set(Column.ND4J_BACKEND, "unavailable");
    }
    return r;
  }

  /**
   * The single row of a point that failed: {@code method = point}, {@code status = failed} and the
   * error (exception class and message, with those of its causes).
   */
  public static ResultRow failedRow(SweepPoint p, Throwable t, Env env) {
    ResultRow r = base(p, env, List.of());
    LOG.warn("point {} ({}) failed: {}", p.pointId(), p.describe(), describe(t));
    return r.set(Column.METHOD, "point").set(Column.STATUS, "failed").set(Column.ERROR, describe(t))
        .set(Column.FINISHED_AT, Instant.now());
  }

  /** {@code Class: message; caused by Class: message ...}. */
  public static String describe(Throwable t) {
    StringBuilder sb = new StringBuilder();
    Throwable c = t;
    int depth = 0;
    while (c != null && depth++ < 5) {
      if (sb.length() > 0) {
        sb.append("; caused by ");
      }
      sb.append(c.getClass().getName()).append(": ").append(c.getMessage());
      c = c.getCause() == c ? null : c.getCause();
    }
    return sb.toString();
  }

  /**
   * Whether retrying cannot help: a corrupt or missing file, an invalid argument (shapes, settings)
   * or a missing feature fail the same way on every attempt.
   */
  public static boolean isDeterministic(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
      if (c instanceof TensorFormatException || c instanceof FileNotFoundException
          || c instanceof IllegalArgumentException || c instanceof UnsupportedOperationException) {
        return true;
      }
      if (c instanceof IOException && c.getMessage() != null && c.getMessage().contains("meta.json")) {
        return true;
      }
    }
    return false;
  }

  private static double seconds(long t0) {
    return (System.nanoTime() - t0) / 1e9;
  }

  /** For logs: the key numbers of a point's rows, e.g. {@code parent 84.1/83.9, ensemble 85.0, vanilla 61.2, ot 83.5}. */
  public static String summary(List<ResultRow> rows) {
    StringBuilder sb = new StringBuilder();
    List<String> parents = new ArrayList<>();
    for (ResultRow r : rows) {
      String m = (String) r.get(Column.METHOD);
      Double acc = (Double) r.get(Column.ACCURACY);
      if ("failed".equals(r.get(Column.STATUS))) {
        return "FAILED: " + r.get(Column.ERROR);
      }
      String a = acc == null ? "-" : String.format(java.util.Locale.ROOT, "%.2f", acc);
      if ("parent".equals(m)) {
        parents.add(a);
      } else {
        sb.append(", ").append(m).append(' ').append(a);
      }
    }
    return "parent " + String.join("/", parents) + sb;
  }
}
