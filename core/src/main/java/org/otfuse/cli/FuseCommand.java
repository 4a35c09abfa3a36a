package org.otfuse.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.otfuse.core.fusion.ActivationPoint;
import org.otfuse.core.fusion.FusionMode;
import org.otfuse.core.fusion.FusionOptions;
import org.otfuse.core.fusion.LayerReport;
import org.otfuse.core.fusion.GraphFusion;
import org.otfuse.core.graph.Network;
import org.otfuse.core.fusion.SolverKind;
import org.otfuse.core.io.Npy;
import org.otfuse.core.io.Safetensors;
import org.otfuse.core.ot.CostNormalization;
import org.otfuse.core.ot.GroundMetric;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code otfuse fuse}: align models onto a target by OT and average them. */
@Command(name = "fuse", mixinStandardHelpOptions = true,
    description = "Fuse models by optimal transport; defaults reproduce the reference's MNIST setup.")
final class FuseCommand implements Callable<Integer> {
  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @Mixin
  ModelOptions models;

  @Option(names = "--target", description = "index (0-based) of the target model among --model (default: the last)")
  Integer target;

  @Option(names = "--mode", defaultValue = "weights", description = "weights | activations")
  FusionMode mode;

  @Option(names = "--solver", defaultValue = "exact", description = "exact | sinkhorn")
  SolverKind solver;

  @Option(names = "--reg", defaultValue = "0.1", description = "Sinkhorn regularisation")
  double reg;

  @Option(names = "--sinkhorn-tol", defaultValue = "1e-9", description = "Sinkhorn marginal tolerance")
  double tol;

  @Option(names = "--sinkhorn-max-iter", defaultValue = "100000", description = "Sinkhorn iteration limit")
  int maxIter;

  @Option(names = "--ground-metric", defaultValue = "euclidean", description = "euclidean | sqeuclidean | cosine")
  GroundMetric metric;

  @Option(names = "--normalize", defaultValue = "none", description = "none | max | median | mean | log")
  CostNormalization normalize;

  @Option(names = "--activation-samples", description = "S x inputDim float32 .npy of normalised inputs (activations mode)")
  String samples;

  @Option(names = "--activations", defaultValue = "pre", description = "pre | post (ReLU)")
  ActivationPoint activations;

  @Option(names = "--correction", negatable = true, defaultValue = "true", fallbackValue = "true",
      description = "divide each plan column by its mass (default on)")
  boolean correction;

  @Option(names = "--past-correction", negatable = true, defaultValue = "true", fallbackValue = "true",
      description = "average T^T (W T_prev) rather than T^T W (default on)")
  boolean pastCorrection;

  @Option(names = "--ensemble-step", defaultValue = "0.5", description = "weight of the target model in the average")
  double ensembleStep;

  @Option(names = "--align-output", description = "also transport the output layer (the reference does)")
  boolean alignOutput;

  @Option(names = "--model-weights", split = ",", description = "one weight per --model (default: target s, others (1-s)/(K-1))")
  double[] modelWeights;

  @Option(names = "--refine", defaultValue = "0", description = "re-align every model onto the fused one up to N times")
  int refine;

  @Option(names = "--vanilla", description = "baseline: average the parameters as they are, without alignment")
  boolean vanilla;

  @Option(names = "--out", required = true, description = "fused model (.safetensors)")
  String out;

  @Option(names = "--json", description = "print the summary as one JSON object")
  boolean json;

  @Override
  public Integer call() throws Exception {
    List<Network> nets = models.load();
    int t = target == null ? nets.size() - 1 : target;
    FusionOptions o = new FusionOptions(mode, solver, reg, tol, maxIter, metric, normalize, correction,
        pastCorrection, ensembleStep, activations, alignOutput);
    INDArray s = samples == null ? null : Npy.read(samples).castTo(DataType.FLOAT);
    long t0 = System.nanoTime();
    GraphFusion.Result r = vanilla
        ? new GraphFusion.Result(GraphFusion.vanillaAverage(nets, t, o.ensembleStep(), modelWeights), List.of())
        : GraphFusion.fuse(nets, t, o, s, modelWeights, refine);
    double seconds = (System.nanoTime() - t0) / 1e9;
    Map<String, String> meta = new LinkedHashMap<>();
    meta.put("otfuse.models", String.join(",", models.models));
    meta.put("otfuse.target", Integer.toString(t));
    meta.put("otfuse.options", o.toString());
    Safetensors.write(r.fused().params(), out, meta);
    PrintWriter pw = spec.commandLine().getOut();
    if (json) {
      Map<String, Object> j = new LinkedHashMap<>();
      j.put("out", out);
      j.put("target", t);
      j.put("seconds", seconds);
      List<Map<String, Object>> layers = new ArrayList<>();
      for (int k = 0; k < r.reports().size(); k++) {
        for (LayerReport l : r.reports().get(k)) {
          Map<String, Object> m = new LinkedHashMap<>();
          m.put("source_model", k < t ? k : k + 1);
          m.put("layer", l.layer());
          m.put("n", l.sourceNeurons());
          m.put("m", l.targetNeurons());
          m.put("transported", l.transported());
          m.put("ot_cost", Json.finite(l.otCost()));
          m.put("plan_entropy", Json.finite(l.planEntropy()));
          m.put("plan_density", Json.finite(l.density()));
          m.put("seconds", l.seconds());
          layers.add(m);
        }
      }
      j.put("layers", layers);
      pw.println(Json.write(j));
    } else {
      pw.printf(Locale.ROOT, "%-8s %-10s %9s %12s %12s %9s %8s%n", "model", "layer", "n x m", "ot_cost",
          "entropy", "density", "seconds");
      for (int k = 0; k < r.reports().size(); k++) {
        for (LayerReport l : r.reports().get(k)) {
          pw.printf(Locale.ROOT, "%-8d %-10s %9s %12s %12s %9s %8.3f%n", k < t ? k : k + 1, l.layer(),
              l.sourceNeurons() + "x" + l.targetNeurons(),
              l.transported() ? String.format(Locale.ROOT, "%.6f", l.otCost()) : "kept",
              l.transported() ? String.format(Locale.ROOT, "%.4f", l.planEntropy()) : "-",
              l.transported() ? String.format(Locale.ROOT, "%.4f", l.density()) : "-", l.seconds());
        }
      }
      pw.printf(Locale.ROOT, "fused %d models onto model %d in %.3f s; wrote %s%n", nets.size(), t, seconds, out);
    }
    pw.flush();
    return 0;
  }
}
