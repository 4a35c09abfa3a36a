package org.otfuse.cli;

import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.otfuse.core.data.DatasetDownloader;
import org.otfuse.core.data.DatasetName;
import org.otfuse.core.data.ImageDataset;
import org.otfuse.core.data.Split;
import org.otfuse.core.train.Evaluator;
import org.otfuse.core.zoo.DataCache;
import org.otfuse.core.graph.Network;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code otfuse eval}: test accuracy and loss of models or of their prediction ensemble. */
@Command(name = "eval", mixinStandardHelpOptions = true,
    description = "Evaluate models (or their ensemble) on a dataset's test split.")
final class EvalCommand implements Callable<Integer> {
  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @Mixin
  ModelOptions models;

  @Option(names = "--ensemble", description = "evaluate the prediction ensemble (mean of log-softmax) of all --model")
  boolean ensemble;

  @Option(names = "--dataset", defaultValue = "mnist", description = "mnist | fashion-mnist | cifar10 | cifar100")
  String dataset;

  @Option(names = "--data-dir", required = true, description = "directory with the idx files (raw or .gz)")
  String dataDir;

  @Option(names = "--download", description = "download (sha256-checked) missing files into --data-dir first")
  boolean download;

  @Option(names = "--json", description = "print JSON (one object per line)")
  boolean json;

  @Override
  public Integer call() throws Exception {
    DatasetName name = DatasetName.parse(dataset);
    if (download) {
      DatasetDownloader.official(name, List.of()).ensure(name, dataDir);
    }
    List<Network> nets = models.load();
    long[] input = nets.get(0).graph().shape(nets.get(0).graph().input().id());
    // padded to the network's square input as `otfuse train` pads (e.g. 28x28 MNIST for a 32x32 VGG)
    ImageDataset test = DataCache.forInput(name, dataDir, Split.TEST, input);
    if (input.length == 3 && test.imageShape()[0] != input[0]) {
      throw new IllegalArgumentException(test.name() + " images are " + java.util.Arrays.toString(test.imageShape())
          + " but " + nets.get(0).graph().name() + " expects " + java.util.Arrays.toString(input)
          + " (use --input-shape)");
    }
    PrintWriter pw = spec.commandLine().getOut();
    if (ensemble) {
      print(pw, "ensemble", Evaluator.evaluateEnsemble(nets, test));
    } else {
      for (int i = 0; i < nets.size(); i++) {
        print(pw, models.models.get(i), Evaluator.evaluate(nets.get(i), test));
      }
    }
    pw.flush();
    return 0;
  }

  private void print(PrintWriter pw, String what, Evaluator.Metrics m) {
    if (json) {
      Map<String, Object> j = new LinkedHashMap<>();
      j.put("model", what);
      j.put("dataset", dataset);
      j.put("accuracy", m.accuracy());
      j.put("loss", m.loss());
      j.put("n", m.n());
      pw.println(Json.write(j));
    } else {
      pw.printf(Locale.ROOT, "%s: accuracy %.2f%%, loss %.4f (%d test images)%n", what, m.accuracy(), m.loss(), m.n());
    }
  }
}
