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

  @Mixin
  TrainCommand.ModelPair pair;

  @Option(names = "--width-factors", split = ",", defaultValue = "1,0.75,0.5,0.25",
      description = "compression width factors (default: ${DEFAULT-VALUE})")
  double[] widthFactors;

  @Option(names = "--bn-images", defaultValue = "10000",
      description = "training images to recompute BatchNorm statistics on (default: ${DEFAULT-VALUE})")
  int bnImages;

  @Override
  public Integer call() throws Exception {
    TrainCommand.Loaded d = pair.loadData(arch, data);
    Network a = pair.a(arch, d);
    Network b = pair.b(arch, d);
    boolean json = pair.json;
    List<FusionTable.Row> rows = FusionTable.run(a, b, d.train(), d.test(),
        new FusionTable.Settings(pair.samples, widthFactors, bnImages, 128));
    PrintWriter pw = spec.commandLine().getOut();
    if (!json) {
      pw.printf(Locale.ROOT, "%-19s %6s %10s %14s %10s%n", "method", "width", "accuracy", "bn_recomputed",
          "params");
    }
    for (FusionTable.Row r : rows) {
      if (json) {
        Map<String, Object> j = new LinkedHashMap<>();
        j.put("model_a", pair.modelA);
        j.put("model_b", pair.modelB);
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
