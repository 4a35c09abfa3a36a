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
import org.otfuse.core.data.Datasets;
import org.otfuse.core.data.Split;
import org.otfuse.core.model.Evaluation;
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
    ImageDataset test = fitInput(Datasets.load(name, dataDir, Split.TEST), nets.get(0));
    PrintWriter pw = spec.commandLine().getOut();
    if (ensemble) {
      print(pw, "ensemble", Evaluation.evaluateNetworks(nets, test));
    } else {
      for (int i = 0; i < nets.size(); i++) {
        print(pw, models.models.get(i), Evaluation.evaluateNetwork(nets.get(i), test));
      }
    }
    pw.flush();
    return 0;
  }

  /**
   * Pads images (in raw pixel space, as torchvision's Pad) when the network expects larger ones by
   * an even margin, e.g. 28x28 MNIST into a 32x32 VGG; any other mismatch is an error.
   */
  static ImageDataset fitInput(ImageDataset data, Network net) {
    long[] want = net.graph().shape(net.graph().input().id());
    long[] have = data.imageShape();
    if (want.length == 1 || java.util.Arrays.equals(want, have)) {
      return data;
    }
    long margin = want.length == 3 ? want[1] - have[1] : -1;
    if (want[0] == have[0] && margin > 0 && margin % 2 == 0 && want[2] - have[2] == margin) {
      org.slf4j.LoggerFactory.getLogger(EvalCommand.class).info("padding {} images by {} pixels to {}x{}",
          data.name(), margin / 2, want[1], want[2]);
      return data.padded((int) (margin / 2));
    }
    throw new IllegalArgumentException(data.name() + " images are " + java.util.Arrays.toString(have)
        + " but " + net.graph().name() + " expects " + java.util.Arrays.toString(want) + " (use --input-shape)");
  }

  private void print(PrintWriter pw, String what, Evaluation.Metrics m) {
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
