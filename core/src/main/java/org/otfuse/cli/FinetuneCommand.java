package org.otfuse.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.otfuse.core.fusion.FusionMode;
import org.otfuse.core.fusion.FusionOptions;
import org.otfuse.core.fusion.GraphFusion;
import org.otfuse.core.graph.ArchSpec;
import org.otfuse.core.graph.Network;
import org.otfuse.core.train.BatchNormRecalibration;
import org.otfuse.core.train.Evaluator;
import org.otfuse.core.train.TrainMeta;
import org.otfuse.core.train.RunDirectory;
import org.otfuse.core.train.TrainOptions;
import org.otfuse.core.train.Trainer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code otfuse finetune}: continue training a loaded model (a trained one, or the fusion of
 * several: {@code --fuse ot|vanilla} fuses the {@code --model}s first) with its own schedule.
 * With {@code --recalibrate-bn}, BatchNorm running statistics are recomputed on the training
 * data before evaluation, and that accuracy is reported beside the plain one.
 */
@Command(name = "finetune", mixinStandardHelpOptions = true,
    description = "Fine-tune a model, or the OT/vanilla fusion of several models, and evaluate it.")
final class FinetuneCommand implements Callable<Integer> {
  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @Mixin
  TrainCommand.ArchOptions arch;

  @Mixin
  TrainCommand.DataOptions data;

  @Mixin
  TrainCommand.FitOptions fit;

  @Option(names = "--model", required = true,
      description = "model directory (meta.json + model.safetensors) or checkpoint; repeat with --fuse")
  List<String> models = new ArrayList<>();

  @Option(names = "--fuse", defaultValue = "none",
      description = "none | ot | vanilla: fuse the --model list onto the last one first (default none)")
  String fuse;

  @Option(names = "--fusion-mode", defaultValue = "weights", description = "OT cost: weights | activations")
  FusionMode fusionMode;

  @Option(names = "--ensemble-step", defaultValue = "0.5", description = "weight of the target (last) model")
  double ensembleStep;

  @Option(names = "--activation-samples", defaultValue = "200",
      description = "training images for activations-mode fusion (default 200)")
  int samples;

  @Option(names = "--recalibrate-bn",
      description = "also report accuracy after recomputing BatchNorm statistics on training data")
  boolean recalibrate;

  @Option(names = "--recalibrate-images", defaultValue = "10000",
      description = "training images used to recompute BatchNorm statistics (default 10000; 0: all)")
  int recalibrateImages;

  @Option(names = "--seed", defaultValue = "0", description = "shuffling and augmentation seed")
  long seed;

  @Option(names = "--out", required = true, description = "output directory")
  String out;

  @Option(names = "--json", description = "print the result as one JSON object")
  boolean json;

  @Override
  public Integer call() throws Exception {
    TrainCommand.require(data.dataset, "--dataset");
    TrainCommand.require(data.dataDir, "--data-dir");
    int epochs = fit.epochs == null ? 0 : fit.epochs;
    long t0 = System.nanoTime();
    TrainCommand.padLikeModel(data, models.get(0));
    TrainCommand.Loaded d = data.load(arch.convolutional());
    List<Network> nets = new ArrayList<>();
    for (String m : models) {
      nets.add(TrainCommand.loadModel(m, arch, d.train().numClasses(), d.train().imageShape()));
    }
    String how = fuse.trim().toLowerCase(Locale.ROOT);
    Network start;
    switch (how) {
      case "none" -> {
        if (nets.size() != 1) {
          throw new IllegalArgumentException(nets.size() + " --model given without --fuse; fine-tuning takes one"
              + " model, or several with --fuse ot|vanilla");
        }
        start = nets.get(0);
      }
      case "ot" -> {
        FusionOptions o = FusionOptions.defaults().withMode(fusionMode).withEnsembleStep(ensembleStep);
        INDArray s = fusionMode == FusionMode.ACTIVATIONS ? d.train().head(samples).features() : null;
        start = GraphFusion.fuse(nets, nets.size() - 1, o, s).fused();
      }
      case "vanilla" -> start = GraphFusion.vanillaAverage(nets, nets.size() - 1, ensembleStep, null);
      default -> throw new IllegalArgumentException("--fuse is '" + fuse + "' but must be none, ot or vanilla");
    }
    Map<String, Object> result = new LinkedHashMap<>();
    result.put("out", out);
    result.put("models", models);
    result.put("fuse", how);
    Evaluator.Metrics before = Evaluator.evaluate(start, d.test());
    result.put("accuracy_before", before.accuracy());
    Double beforeRecal = null;
    if (recalibrate) {
      beforeRecal = Evaluator.evaluate(BatchNormRecalibration.recompute(start, d.train(), 128, recalibrateImages),
          d.test()).accuracy();
      result.put("accuracy_before_bn_recalibrated", beforeRecal);
    }
    Network end = start;
    List<org.otfuse.core.train.EpochStats> history = List.of();
    TrainOptions o = null;
    if (epochs > 0) {
      o = fit.options(epochs, seed);
      String fingerprint = "finetune models=" + models + "; fuse=" + how + "; fusion_mode=" + fusionMode
          + "; ensemble_step=" + ensembleStep + "; " + d.describe() + "; " + o;
      RunDirectory dir = new RunDirectory(out, fingerprint);
      Trainer.Result r = Trainer.train(start, d.train(), o, d.test(), dir, null);
      end = r.network();
      history = r.history();
    }
    Evaluator.Metrics after = Evaluator.evaluate(end, d.test());
    result.put("epochs", epochs);
    result.put("accuracy", after.accuracy());
    result.put("loss", after.loss());
    Double recal = null;
    if (recalibrate) {
      recal = Evaluator.evaluate(BatchNormRecalibration.recompute(end, d.train(), 128, recalibrateImages), d.test())
          .accuracy();
      result.put("accuracy_bn_recalibrated", recal);
    }
    double seconds = (System.nanoTime() - t0) / 1e9;
    result.put("seconds", seconds);
    ObjectNode extra = o == null ? TrainMeta.object() : TrainCommand.extras(d, o, history, seconds);
    ArrayNode from = extra.putArray("finetuned_from");
    models.forEach(from::add);
    extra.put("fuse", how);
    if (!how.equals("none")) {
      extra.put("fusion_mode", fusionMode.name().toLowerCase(Locale.ROOT));
      extra.put("ensemble_step", ensembleStep);
    }
    extra.put("accuracy_before_finetuning", before.accuracy());
    if (recal != null) {
      extra.put("accuracy_bn_recalibrated", recal);
      extra.put("accuracy_before_bn_recalibrated", beforeRecal);
    }
    ArchSpec s = specOf(end, d);
    new RunDirectory(out, "").finish(end, new TrainMeta(s, d.name(), d.split().name(), seed, epochs,
        after.accuracy(), after.loss(), extra));
    PrintWriter pw = spec.commandLine().getOut();
    if (json) {
      pw.println(Json.write(result));
    } else {
      pw.printf(Locale.ROOT, "%s%s: test accuracy %.2f%% before%s, %.2f%% after %d epochs%s (%.1f s); wrote %s%n",
          how.equals("none") ? "model" : how + " fusion of " + models.size() + " models",
          "", before.accuracy(),
          beforeRecal != null ? String.format(Locale.ROOT, " (%.2f%% with BatchNorm recomputed)", beforeRecal) : "",
          after.accuracy(), epochs,
          recal != null ? String.format(Locale.ROOT, " (%.2f%% with BatchNorm recomputed)", recal) : "",
          seconds, out);
    }
    pw.flush();
    return 0;
  }

  /** The architecture record for meta.json: from the first model's meta.json, else from the flags. */
  private ArchSpec specOf(Network net, TrainCommand.Loaded d) throws java.io.IOException {
    String meta = new org.apache.hadoop.fs.Path(models.get(0), TrainMeta.FILE).toString();
    if (org.otfuse.core.io.HadoopPaths.exists(meta)) {
      return TrainMeta.read(meta).arch();
    }
    return arch.spec(net.numClasses(), d.train().imageShape());
  }
}
