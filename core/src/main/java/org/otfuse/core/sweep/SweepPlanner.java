package org.otfuse.core.sweep;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.otfuse.core.fusion.FusionMode;
import org.otfuse.core.fusion.SolverKind;
import org.otfuse.core.ot.CostNormalization;
import org.otfuse.core.ot.GroundMetric;
import org.otfuse.core.zoo.ModelMeta;

/**
 * Expands a sweep into points, deterministically: the same configuration and zoo give the same
 * points in the same order with the same ids.
 *
 * <p>Selected models are split into families of equal dataset and architecture (name, hidden
 * widths, bias, BatchNorm, classes, input shape): models that fusion and vanilla averaging can
 * combine. Within a family (models in id order) every K-subset in lexicographic order is a group, at most
 * {@code max-groups} per K. Each group is crossed with targets x modes x solvers (x regs for
 * Sinkhorn only) x ground metrics x normalisations x ensemble steps x fine-tuning epochs.
 * Compression points are every selected model x width factor. Points with equal settings
 * (duplicate values in a list) are kept once.
 */
public final class SweepPlanner {
  private SweepPlanner() {}

  /** The models of {@code zoo} that {@code s} selects, in id order. */
  public static List<ModelMeta> select(SweepConfig.Selection s, List<ModelMeta> zoo) {
    List<ModelMeta> out = new ArrayList<>();
    for (ModelMeta m : zoo) {
      if (!s.datasets().isEmpty() && !s.datasets().contains(m.dataset())) {
        continue;
      }
      if (!s.archs().isEmpty() && !s.archs().contains(m.arch().displayName())) {
        continue;
      }
      if (!s.widths().isEmpty() && !s.widths().contains(m.widths())) {
        continue;
      }
      if (!s.splits().isEmpty() && !s.splits().contains(m.split())) {
        continue;
      }
      if (!s.modelIds().isEmpty() && !s.modelIds().contains(m.modelId())) {
        continue;
      }
      out.add(m);
    }
    out.sort(java.util.Comparator.comparing(ModelMeta::modelId));
    return out;
  }

  /** Fusion points then compression points, indexed 0, 1, ... */
  public static List<SweepPoint> plan(SweepConfig cfg, List<ModelMeta> zoo, boolean fusion, boolean compression) {
    List<ModelMeta> models = select(cfg.select(), zoo);
    Map<String, SweepPoint> out = new LinkedHashMap<>();
    String sweepId = cfg.requireSweepId();
    if (fusion) {
      SweepConfig.Grid g = cfg.sweep();
      for (List<ModelMeta> family : families(models).values()) {
        for (int k : g.groupSizes()) {
          List<int[]> groups = combinations(family.size(), k, g.maxGroups());
          for (int[] group : groups) {
            List<String> ids = new ArrayList<>();
            for (int i : group) {
              ids.add(family.get(i).modelId());
            }
            for (SweepConfig.TargetChoice t : g.targets()) {
              int target = t == SweepConfig.TargetChoice.FIRST ? 0 : k - 1;
              for (FusionMode mode : g.modes()) {
                for (SolverKind solver : g.solvers()) {
                  List<Double> regs = solver == SolverKind.SINKHORN ? g.regs() : List.of(Double.NaN);
                  for (double reg : regs) {
                    for (GroundMetric metric : g.metrics()) {
                      for (CostNormalization norm : g.normalizations()) {
                        for (Double step : g.ensembleSteps()) {
                          for (int ft : g.finetuneEpochs()) {
                            FusionSettings fs = new FusionSettings(mode, solver, reg, metric, norm, step,
                                g.correction(), g.pastCorrection(), g.alignOutput(), g.activationPoint(),
                                mode == FusionMode.ACTIVATIONS ? g.activationSamples() : 0, g.sinkhornTolerance(),
                                g.sinkhornMaxIterations());
                            add(out, sweepId, PointKind.FUSION, family.get(0).dataset(), ids, target, fs, ft,
                                g.finetune(), Double.NaN, List.of());
                          }
                        }
                      }
                    }
                  }
                }
              }
            }
          }
        }
      }
    }
    if (compression) {
      SweepConfig.CompressionGrid c = cfg.compression();
      SweepConfig.Grid g = cfg.sweep();
      // OT compression uses the first mode/solver/metric/normalisation of the sweep grid.
      FusionSettings fs = new FusionSettings(g.modes().get(0), g.solvers().get(0),
          g.solvers().get(0) == SolverKind.SINKHORN ? g.regs().get(0) : Double.NaN, g.metrics().get(0),
          g.normalizations().get(0), 0.0, g.correction(), g.pastCorrection(), false, g.activationPoint(),
          g.modes().get(0) == FusionMode.ACTIVATIONS ? g.activationSamples() : 0, g.sinkhornTolerance(),
          g.sinkhornMaxIterations());
      for (ModelMeta m : models) {
        for (double f : c.widthFactors()) {
          add(out, sweepId, PointKind.COMPRESSION, m.dataset(), List.of(m.modelId()), 0, fs, c.finetuneEpochs(),
              g.finetune(), f, c.methods());
        }
      }
    }
    List<SweepPoint> indexed = new ArrayList<>();
    int i = 0;
    for (SweepPoint p : out.values()) {
      indexed.add(new SweepPoint(p.sweepId(), p.pointId(), i++, p.kind(), p.dataset(), p.modelIds(),
          p.targetIndex(), p.fusion(), p.finetuneEpochs(), p.finetune(), p.widthFactor(), p.compressionMethods()));
    }
    return indexed;
  }

  private static void add(Map<String, SweepPoint> out, String sweepId, PointKind kind, String dataset,
      List<String> ids, int target, FusionSettings fs, int ft, SweepConfig.Finetune finetune, double factor,
      List<SweepConfig.CompressionMethod> methods) {
    SweepPoint draft = new SweepPoint(sweepId, "", -1, kind, dataset, ids, target, fs, ft, finetune, factor, methods);
    String id = SweepPoint.idOf(draft.canonical());
    out.putIfAbsent(id, new SweepPoint(sweepId, id, -1, kind, dataset, ids, target, fs, ft, finetune, factor,
        methods));
  }

  /** Models grouped by dataset and architecture, families in key order, models in id order. */
  static Map<String, List<ModelMeta>> families(List<ModelMeta> models) {
    Map<String, List<ModelMeta>> out = new TreeMap<>();
    for (ModelMeta m : models) {
      org.otfuse.core.zoo.ModelArch a = m.arch();
      String key = m.dataset() + "|" + a.displayName() + "|" + m.widthsLabel() + "|" + a.bias() + "|" + a.batchNorm()
          + "|" + a.numClasses() + "|" + a.inputShape() + "|" + (a.conf() == null ? "" : a.conf().hashCode());
      out.computeIfAbsent(key, x -> new ArrayList<>()).add(m);
    }
    return out;
  }

  /** The K-subsets of {0..n-1} in lexicographic order, at most {@code limit} (0 = all). */
  static List<int[]> combinations(int n, int k, int limit) {
    List<int[]> out = new ArrayList<>();
    if (k > n) {
      return out;
    }
    int[] c = new int[k];
    for (int i = 0; i < k; i++) {
      c[i] = i;
    }
    while (true) {
      out.add(c.clone());
      if (limit > 0 && out.size() >= limit) {
        return out;
      }
      int i = k - 1;
      while (i >= 0 && c[i] == n - k + i) {
        i--;
      }
      if (i < 0) {
        return out;
      }
      c[i]++;
      for (int j = i + 1; j < k; j++) {
        c[j] = c[j - 1] + 1;
      }
    }
  }
}
