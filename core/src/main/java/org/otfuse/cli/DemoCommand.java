package org.otfuse.cli;

import java.io.PrintWriter;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.hadoop.fs.Path;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.otfuse.core.data.DatasetDownloader;
import org.otfuse.core.data.DatasetName;
import org.otfuse.core.data.ImageDataset;
import org.otfuse.core.data.Datasets;
import org.otfuse.core.data.Split;
import org.otfuse.core.fusion.Baselines;
import org.otfuse.core.fusion.FusionMode;
import org.otfuse.core.fusion.FusionOptions;
import org.otfuse.core.fusion.OtFusion;
import org.otfuse.core.fusion.SolverKind;
import org.otfuse.core.io.HadoopPaths;
import org.otfuse.core.io.Safetensors;
import org.otfuse.core.model.Evaluation;
import org.otfuse.core.model.MlpNet;
import org.otfuse.core.train.MlpTrainer;
import org.otfuse.core.train.SgdOptions;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code otfuse demo}: the local end-to-end run. Installs the dataset, trains two reference MLPs
 * from different seeds, fuses them (OT in weights and activations mode) and prints the parents,
 * prediction ensemble, vanilla average and OT fusion accuracies; writes models and results.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
    description = "Train two MLPs, fuse them by OT, and compare against the baselines.")
final class DemoCommand implements Callable<Integer> {
  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @Option(names = "--dataset", defaultValue = "fashion-mnist", description = "mnist | fashion-mnist")
  String dataset;

  @Option(names = "--data-dir", description = "idx files (default: data/<dataset>)")
  String dataDir;

  @Option(names = "--epochs", defaultValue = "3", description = "training epochs per model")
  int epochs;

  @Option(names = "--widths", split = ",", defaultValue = "400,200,100", description = "hidden widths")
  int[] widths;

  @Option(names = "--samples", defaultValue = "200", description = "training images used for activations mode")
  int samples;

  @Option(names = "--results", defaultValue = "results", description = "parent directory of the run directory")
  String results;

  @Override
  public Integer call() throws Exception {
    DatasetName name = DatasetName.parse(dataset);
    String dir = dataDir != null ? dataDir : "data/" + name.cliName();
    DatasetDownloader.official(name, List.of()).ensure(name, dir);
    ImageDataset train = Datasets.load(name, dir, Split.TRAIN);
    ImageDataset test = Datasets.load(name, dir, Split.TEST);
    String run = new Path(results, "demo-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")))
        .toString();
    int[] layers = new int[widths.length + 1];
    System.arraycopy(widths, 0, layers, 0, widths.length);
    layers[widths.length] = train.numClasses();
    List<MlpNet> parents = new ArrayList<>();
    for (int seed = 0; seed < 2; seed++) {
      MlpNet init = MlpTrainer.initialize((int) train.features().columns(),
          layers, false, 1000 + seed);
      MlpNet net = MlpTrainer.train(init, train, new SgdOptions(epochs, 64, 0.01, 0.5, 2000 + seed), null);
      parents.add(net);
      Safetensors.write(net.toStateDict(null), run + "/model_" + seed + ".safetensors", Map.of("seed", "" + seed));
    }
    INDArray acts = train.head(samples).features();
    FusionOptions base = FusionOptions.defaults();
    OtFusion.Result wts = OtFusion.fuse(parents, 1, base, null);
    OtFusion.Result actsFused = OtFusion.fuse(parents, 1, base.withMode(FusionMode.ACTIVATIONS), acts);
    Safetensors.write(wts.fused().toStateDict(null), run + "/fused_weights.safetensors", Map.of());
    Safetensors.write(actsFused.fused().toStateDict(null), run + "/fused_activations.safetensors", Map.of());
    Map<String, Evaluation.Metrics> rows = new LinkedHashMap<>();
    rows.put("model A", Evaluation.evaluate(parents.get(0), test));
    rows.put("model B", Evaluation.evaluate(parents.get(1), test));
    rows.put("prediction ensemble", Evaluation.evaluateEnsemble(parents, test));
    rows.put("vanilla average", Evaluation.evaluate(Baselines.vanillaAverage(parents, 1, 0.5), test));
    rows.put("OT fusion (weights, exact)", Evaluation.evaluate(wts.fused(), test));
    rows.put("OT fusion (activations, exact)", Evaluation.evaluate(actsFused.fused(), test));
    PrintWriter pw = spec.commandLine().getOut();
    pw.printf(Locale.ROOT, "%n%s, MLP 784-%s, %d epochs per parent, %d test images%n", name.cliName(),
        joinWidths(layers), epochs, test.size());
    pw.printf(Locale.ROOT, "%-32s %10s %8s%n", "model", "accuracy", "loss");
    List<Map<String, Object>> json = new ArrayList<>();
    for (Map.Entry<String, Evaluation.Metrics> e : rows.entrySet()) {
      pw.printf(Locale.ROOT, "%-32s %9.2f%% %8.4f%n", e.getKey(), e.getValue().accuracy(), e.getValue().loss());
      Map<String, Object> j = new LinkedHashMap<>();
      j.put("method", e.getKey());
      j.put("accuracy", e.getValue().accuracy());
      j.put("loss", e.getValue().loss());
      json.add(j);
    }
    HadoopPaths.writeBytes(run + "/results.json", (Json.write(json) + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
    pw.println();
    pw.println("results: " + java.nio.file.Path.of(run).toAbsolutePath());
    pw.flush();
    return 0;
  }

  private static String joinWidths(int[] w) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < w.length; i++) {
      sb.append(i == 0 ? "" : "-").append(w[i]);
    }
    return sb.toString();
  }
}
