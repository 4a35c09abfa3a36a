package org.otfuse.core.zoo;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import org.apache.hadoop.fs.Path;
import org.otfuse.core.data.ImageDataset;
import org.otfuse.core.data.Split;
import org.otfuse.core.graph.Initialization;
import org.otfuse.core.graph.Network;
import org.otfuse.core.io.HadoopPaths;
import org.otfuse.core.model.MlpNet;
import org.otfuse.core.train.Evaluator;
import org.otfuse.core.train.MlpTrainer;
import org.otfuse.core.train.RunDirectory;
import org.otfuse.core.train.TrainMeta;
import org.otfuse.core.train.Trainer;
import org.otfuse.core.train.Versions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Trains one zoo model (one Spark task of {@code train-zoo}): loads the dataset (cached per JVM;
 * padded to the network's input where it is larger, as {@code otfuse train} does), takes the
 * split's images, initialises from the seed (PyTorch's defaults), trains, evaluates on the test
 * set and adds the model to the zoo.
 *
 * <p>Two training loops ({@link ZooModelSpec#engine()}): {@link MlpTrainer}, the loop zoos of plain
 * MLPs were always trained with (kept so that those zoos, their ids and the sweeps' numbers stay
 * as they were), and {@link Trainer} for everything else (VGG, ResNet, HOCON architectures,
 * BatchNorm, schedules, weight decay, crop-and-flip augmentation). The latter checkpoints after
 * every epoch into {@code <zoo>/<model_id>/checkpoint.safetensors} ({@link RunDirectory}), so a
 * task that Spark retries continues after its last finished epoch; the checkpoint is deleted once
 * the model is in the zoo.
 */
public final class ZooTrainer {
  private static final Logger LOG = LoggerFactory.getLogger(ZooTrainer.class);

  private ZooTrainer() {}

  /**
   * Trains {@code spec} on the data in {@code dataDir} and writes it to {@code zoo}.
   *
   * @return the written metadata
   */
  public static ModelMeta train(ZooModelSpec spec, String dataDir, Zoo zoo) throws IOException {
    long t0 = System.nanoTime();
    ModelArch arch = spec.arch();
    ZooRecipe recipe = spec.recipe();
    ImageDataset all = DataCache.forInput(spec.dataset(), dataDir, Split.TRAIN, arch.inputArray());
    ImageDataset test = DataCache.forInput(spec.dataset(), dataDir, Split.TEST, arch.inputArray());
    int[] idx = spec.split().indices(all.size());
    if (recipe.trainLimit() > 0 && recipe.trainLimit() < idx.length) {
      idx = Arrays.copyOf(idx, recipe.trainLimit());
    }
    ImageDataset train = idx.length == all.size() ? all : all.subset(idx);
    ObjectNode extra = TrainMeta.object();
    Network net;
    String id = spec.modelId();
    RunDirectory run = null;
    if (spec.engine() == ZooRecipe.Engine.MLP) {
      int[] widths = new int[arch.hidden().size() + 1];
      for (int i = 0; i < arch.hidden().size(); i++) {
        widths[i] = arch.hidden().get(i);
      }
      widths[widths.length - 1] = arch.numClasses();
      MlpNet init = MlpTrainer.initialize((int) all.features().columns(), widths, arch.bias(), spec.seed());
      MlpNet trained = MlpTrainer.train(init, train, recipe.sgdOptions(spec.seed()), null);
      net = Network.of(arch.graph(), trained.toStateDict(null));
      extra.put("trainer", "mlp");
      extra.put("init", "nn.Linear default (MlpTrainer.initialize, seed=" + spec.seed() + ")");
    } else {
      run = new RunDirectory(zoo.modelDir(id), spec.fingerprint());
      Trainer.Result r = Trainer.train(Initialization.pytorchDefault(arch.graph(), spec.seed()), train,
          recipe.trainOptions(spec.seed()), null, run, null);
      net = r.network();
      extra.put("trainer", "graph");
      extra.put("init", "pytorch-default(seed=" + spec.seed() + ")");
      extra.set("history", RunDirectory.historyJson(r.history()));
      if (r.resumedAfter() > 0) {
        extra.put("resumed_after_epoch", r.resumedAfter());
      }
    }
    Evaluator.Metrics m = Evaluator.evaluate(net, test);
    double seconds = (System.nanoTime() - t0) / 1e9;
    extra.put("batch_size", recipe.batchSize());
    extra.put("learning_rate", recipe.learningRate());
    extra.put("momentum", recipe.momentum());
    extra.put("weight_decay", recipe.weightDecay());
    extra.put("schedule", recipe.schedule());
    extra.put("augmentation", recipe.augmentationName());
    extra.put("test_images", test.size());
    long[] image = spec.dataset().imageShape();
    long[] input = arch.inputArray();
    if (input.length == 3 && input[1] != image[1]) {
      extra.put("padded_to", input[1]);
    }
    ModelMeta meta = new ModelMeta(id, arch, spec.dataset().cliName(), spec.split().name(), spec.seed(),
        recipe.epochs(), train.size(), m.accuracy(), m.loss(), seconds, Versions.otfuse());
    zoo.write(meta, net, extra);
    if (run != null && HadoopPaths.exists(run.checkpointPath())) {
      Path cp = new Path(run.checkpointPath());
      HadoopPaths.fileSystem(cp).delete(cp, false);
    }
    LOG.info(String.format(java.util.Locale.ROOT, "trained %s on %d images: test accuracy %.2f%%, loss %.4f, %.1f s",
        id, train.size(), m.accuracy(), m.loss(), seconds));
    return meta;
  }

  /** The specs of {@code specs} whose model is not yet in {@code zoo}, in order. */
  public static List<ZooModelSpec> missing(List<ZooModelSpec> specs, Zoo zoo) throws IOException {
    List<ZooModelSpec> out = new java.util.ArrayList<>();
    for (ZooModelSpec s : specs) {
      if (!zoo.contains(s.modelId())) {
        out.add(s);
      }
    }
    return out;
  }
}
