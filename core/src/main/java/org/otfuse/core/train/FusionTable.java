package org.otfuse.core.train;

import java.util.ArrayList;
import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.otfuse.core.data.ImageDataset;
import org.otfuse.core.fusion.Compression;
import org.otfuse.core.fusion.FusionMode;
import org.otfuse.core.fusion.FusionOptions;
import org.otfuse.core.fusion.GraphFusion;
import org.otfuse.core.graph.Network;
import org.otfuse.core.graph.Op;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The comparison of Singh and Jaggi (2020, Tables 1-2) for any pair of trained networks of one
 * architecture: the two parents, their prediction ensemble, vanilla parameter averaging, and OT
 * fusion (Algorithm 1, eq. 2-3) with weight-based and with activation-based ground costs (both
 * exact OT, model B aligned onto model A, ensemble step 0.5); then the compression curve of model A
 * (OT barycenter of each group's neurons vs magnitude pruning, {@link Compression}) at several width
 * factors. No fine-tuning.
 *
 * <p>BatchNorm: the running statistics of a fused or compressed model are averaged or transported
 * with its parameters and no longer describe its activations, so every row of a network with
 * BatchNorm also reports the accuracy after recomputing them on training images ({@link
 * BatchNormRecalibration}), the number the paper's reference reports for its BatchNorm models
 * after a pass over the data. Networks without BatchNorm report NaN there.
 */
public final class FusionTable {
  private static final Logger LOG = LoggerFactory.getLogger(FusionTable.class);

  private FusionTable() {}

  /**
   * One row.
   *
   * @param method {@code parent_a}, {@code parent_b}, {@code ensemble}, {@code vanilla}, {@code
   *     ot_weights}, {@code ot_activations}, {@code compress_ot} or {@code compress_magnitude}
   * @param widthFactor the kept fraction of every hidden group (1 except for compression rows)
   * @param accuracy test accuracy in percent, parameters as fused
   * @param accuracyBnRecomputed test accuracy after recomputing BatchNorm statistics (NaN without BatchNorm,
   *     and for the parents and the ensemble, whose statistics are their own)
   * @param parameters trainable and buffer entries of the model (0 for the ensemble)
   */
  public record Row(String method, double widthFactor, double accuracy, double accuracyBnRecomputed,
      long parameters, double seconds) {}

  /** What to compute. */
  public record Settings(int activationSamples, double[] widthFactors, int bnImages, int bnBatch) {
    /** Validates the fields. */
    public Settings {
      if (activationSamples < 1 || bnImages < 0 || bnBatch < 2) {
        throw new IllegalArgumentException("activationSamples " + activationSamples + " (>= 1), bnImages "
            + bnImages + " (>= 0), bnBatch " + bnBatch + " (>= 2)");
      }
      for (double f : widthFactors) {
        if (!(f > 0 && f <= 1)) {
          throw new IllegalArgumentException("width factor " + f + " is outside (0, 1]");
        }
      }
    }
  }

  /** The rows for models {@code a} (the target and the compressed model) and {@code b}. */
  public static List<Row> run(Network a, Network b, ImageDataset train, ImageDataset test, Settings s) {
    boolean bn = hasBatchNorm(a);
    List<Row> rows = new ArrayList<>();
    long t0 = System.nanoTime();
    rows.add(row("parent_a", 1, a, Double.NaN, t0, test));
    rows.add(row("parent_b", 1, b, Double.NaN, System.nanoTime(), test));
    long t = System.nanoTime();
    Evaluator.Metrics ens = Evaluator.evaluateEnsemble(List.of(a, b), test);
    rows.add(new Row("ensemble", 1, ens.accuracy(), Double.NaN, 0, secondsSince(t)));
    log(rows);
    t = System.nanoTime();
    Network vanilla = GraphFusion.vanillaAverage(List.of(a, b), 0, 0.5, null);
    rows.add(row("vanilla", 1, vanilla, bnAccuracy(bn, vanilla, train, test, s), t, test));
    log(rows);
    INDArray samples = train.head(s.activationSamples()).features();
    for (FusionMode mode : FusionMode.values()) {
      t = System.nanoTime();
      FusionOptions o = FusionOptions.defaults().withMode(mode);
      Network fused = GraphFusion.fuse(List.of(a, b), 0, o, mode == FusionMode.ACTIVATIONS ? samples : null).fused();
      rows.add(row("ot_" + mode.name().toLowerCase(java.util.Locale.ROOT), 1, fused,
          bnAccuracy(bn, fused, train, test, s), t, test));
      log(rows);
    }
    for (double f : s.widthFactors()) {
      t = System.nanoTime();
      Network ot = Compression.compress(a, f, FusionOptions.defaults()).compressed();
      rows.add(row("compress_ot", f, ot, bnAccuracy(bn, ot, train, test, s), t, test));
      log(rows);
      t = System.nanoTime();
      Network mag = Compression.pruneByMagnitude(a, f);
      rows.add(row("compress_magnitude", f, mag, bnAccuracy(bn, mag, train, test, s), t, test));
      log(rows);
    }
    return rows;
  }

  private static Row row(String method, double f, Network net, double bnAcc, long t0, ImageDataset test) {
    Evaluator.Metrics m = Evaluator.evaluate(net, test);
    return new Row(method, f, m.accuracy(), bnAcc, parameters(net), secondsSince(t0));
  }

  private static double bnAccuracy(boolean bn, Network net, ImageDataset train, ImageDataset test, Settings s) {
    if (!bn) {
      return Double.NaN;
    }
    return Evaluator.evaluate(BatchNormRecalibration.recompute(net, train, s.bnBatch(), s.bnImages()), test)
        .accuracy();
  }

  static boolean hasBatchNorm(Network net) {
    return net.graph().nodes().stream().anyMatch(n -> n.op() instanceof Op.BatchNorm);
  }

  static long parameters(Network net) {
    long total = 0;
    for (String name : net.params().names()) {
      total += net.param(name).length();
    }
    return total;
  }

  private static double secondsSince(long t0) {
    return (System.nanoTime() - t0) / 1e9;
  }

  private static void log(List<Row> rows) {
    Row r = rows.get(rows.size() - 1);
    LOG.info("{} (width {}): {}%{} in {} s", r.method(), r.widthFactor(), String.format("%.2f", r.accuracy()),
        Double.isNaN(r.accuracyBnRecomputed()) ? ""
            : String.format(", BatchNorm recomputed %.2f%%", r.accuracyBnRecomputed()),
        String.format("%.1f", r.seconds()));
  }
}
