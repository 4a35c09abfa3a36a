package org.otfuse.cli;

import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.otfuse.core.graph.Network;
import org.otfuse.core.train.FusionTable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code otfuse train fusion-table}: parents, ensemble, vanilla average, OT fusion (weights and
 * activations) and the compression curve of two trained models ({@link FusionTable}).
 */
@Command(name = "fusion-table", mixinStandardHelpOptions = true,
    description = "Evaluate two trained models, their prediction ensemble, vanilla averaging, OT fusion in weights"
        + " and activations mode (B aligned onto A, exact OT), and model A compressed by OT and by magnitude"
        + " pruning at several width factors.")
final class FusionTableCommand implements Callable<Integer> {
  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @Mixin
  TrainCommand.ArchOptions arch;

  @Mixin
  TrainCommand.DataOptions data;

  @Option(names = "--model-a", required = true, description = "model A (directory with meta.json, or checkpoint)")
  String modelA;

  @Option(names = "--model-b", required = true, description = "model B (directory with meta.json, or checkpoint)")
  String modelB;

  @Option(names = "--width-factors", split = ",", defaultValue = "1,0.75,0.5,0.25",
      description = "compression width factors (default: ${DEFAULT-VALUE})")
  double[] widthFactors;

  @Option(names = "--activation-samples", defaultValue = "200",
      description = "training images for activations mode (default: ${DEFAULT-VALUE})")
  int samples;

  @Option(names = "--bn-images", defaultValue = "10000",
      description = "training images to recompute BatchNorm statistics on (default: ${DEFAULT-VALUE})")
  int bnImages;

  @Option(names = "--json", description = "one JSON object per row")
  boolean json;

  @Override
  public Integer call() throws Exception {
    TrainCommand.require(data.dataset, "--dataset");
    TrainCommand.require(data.dataDir, "--data-dir");
    TrainCommand.padLikeModel(data, modelA);
    data.split = "full";
    TrainCommand.Loaded d = data.load(arch.convolutional());
    Network a = TrainCommand.loadModel(modelA, arch, d.test().numClasses(), d.test().imageShape());
    Network b = TrainCommand.loadModel(modelB, arch, d.test().numClasses(), d.test().imageShape());
    List<FusionTable.Row> rows = FusionTable.run(a, b, d.train(), d.test(),
        new FusionTable.Settings(samples, widthFactors, bnImages, 128));
    PrintWriter pw = spec.commandLine().getOut();
    if (!json) {
      pw.printf(Locale.ROOT, "%-19s %6s %10s %14s %10s%n", "method", "width", "accuracy", "bn_recomputed",
          "params");
    }
    for (FusionTable.Row r : rows) {
      if (json) {
        Map<String, Object> j = new LinkedHashMap<>();
        j.put("model_a", modelA);
        j.put("model_b", modelB);
        j.put("arch", a.graph().name());
        j.put("method", r.method());
        j.put("width_factor", r.widthFactor());
        j.put("accuracy", r.accuracy());
        j.put("accuracy_bn_recomputed", Json.finite(r.accuracyBnRecomputed()));
        j.put("parameters", r.parameters());
        j.put("seconds", r.seconds());
        pw.println(Json.write(j));
      } else {
        pw.printf(Locale.ROOT, "%-19s %6.2f %9.2f%% %13s %10d%n", r.method(), r.widthFactor(), r.accuracy(),
            Double.isNaN(r.accuracyBnRecomputed()) ? "-"
                : String.format(Locale.ROOT, "%.2f%%", r.accuracyBnRecomputed()), r.parameters());
      }
    }
    pw.flush();
    return 0;
  }
}
