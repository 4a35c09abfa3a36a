package org.otfuse.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.otfuse.core.fusion.Compression;
import org.otfuse.core.fusion.FusionOptions;
import org.otfuse.core.fusion.LayerReport;
import org.otfuse.core.graph.Network;
import org.otfuse.core.io.Safetensors;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code otfuse compress}: a narrower model by OT (or by magnitude pruning, the baseline). */
@Command(name = "compress", mixinStandardHelpOptions = true,
    description = "Compress a model to a width factor: OT barycenter per neuron group, or magnitude pruning.")
final class CompressCommand implements Callable<Integer> {
  /** How the narrower model's neurons are chosen. */
  enum Method { OT, MAGNITUDE }

  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @Mixin
  ModelOptions models;

  @Option(names = "--width-factor", required = true, description = "kept fraction of every hidden group, in (0, 1]")
  double factor;

  @Option(names = "--method", defaultValue = "ot", description = "ot | magnitude")
  Method method;

  @Option(names = "--out", required = true, description = "compressed model (.safetensors)")
  String out;

  @Option(names = "--json", description = "print the summary as one JSON object")
  boolean json;

  @Override
  public Integer call() throws Exception {
    if (models.models.size() != 1) {
      throw new IllegalArgumentException("compress takes one --model, got " + models.models.size());
    }
    Network big = models.load().get(0);
    long t0 = System.nanoTime();
    Network small;
    List<LayerReport> reports = List.of();
    if (method == Method.OT) {
      Compression.NetworkResult r = Compression.compress(big, factor, FusionOptions.defaults());
      small = r.compressed();
      reports = r.reports();
    } else {
      small = Compression.pruneByMagnitude(big, factor);
    }
    double seconds = (System.nanoTime() - t0) / 1e9;
    Safetensors.write(small.params(), out, Map.of("otfuse.compress", method + " " + factor));
    PrintWriter pw = spec.commandLine().getOut();
    if (json) {
      Map<String, Object> j = new LinkedHashMap<>();
      j.put("out", out);
      j.put("method", method.name().toLowerCase(Locale.ROOT));
      j.put("width_factor", factor);
      j.put("seconds", seconds);
      List<Map<String, Object>> groups = new ArrayList<>();
      for (LayerReport l : reports) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("group", l.layer());
        m.put("n", l.sourceNeurons());
        m.put("m", l.targetNeurons());
        m.put("ot_cost", Json.finite(l.otCost()));
        m.put("rounds", l.iterations());
        groups.add(m);
      }
      j.put("groups", groups);
      pw.println(Json.write(j));
    } else {
      for (LayerReport l : reports) {
        pw.printf(Locale.ROOT, "%-40s %6d -> %-6d OT cost %.6g, %d rounds%n", l.layer(), l.sourceNeurons(),
            l.targetNeurons(), l.otCost(), l.iterations());
      }
      pw.printf(Locale.ROOT, "compressed (%s, factor %.3g) in %.3f s; wrote %s%n",
          method.name().toLowerCase(Locale.ROOT), factor, seconds, out);
    }
    pw.flush();
    return 0;
  }
}
