package org.otfuse.core.zoo;

import java.io.IOException;
import java.util.List;
import org.otfuse.core.data.ImageDataset;
import org.otfuse.core.data.Split;
import org.otfuse.core.model.Evaluation;
import org.otfuse.core.model.MlpNet;
import org.otfuse.core.train.MlpTrainer;
import org.otfuse.core.train.SgdOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Trains one zoo model (one Spark task of {@code train-zoo}): loads the dataset (cached per JVM),
 * takes the split's images, initialises from the seed (PyTorch's {@code nn.Linear} default),
 * trains with SGD, evaluates on the test set and adds the model to the zoo.
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
    ImageDataset all = DataCache.get(spec.dataset(), dataDir, Split.TRAIN);
    ImageDataset test = DataCache.get(spec.dataset(), dataDir, Split.TEST);
    int[] idx = spec.split().indices(all.size());
    if (spec.trainLimit() > 0 && spec.trainLimit() < idx.length) {
      idx = java.util.Arrays.copyOf(idx, spec.trainLimit());
    }
    ImageDataset train = idx.length == all.size() ? all : all.subset(idx);
    int[] widths = new int[spec.hidden().size() + 1];
    for (int i = 0; i < spec.hidden().size(); i++) {
      widths[i] = spec.hidden().get(i);
    }
    widths[widths.length - 1] = all.numClasses();
    int inputDim = (int) all.features().columns();
    MlpNet init = MlpTrainer.initialize(inputDim, widths, spec.bias(), spec.seed());
    // The shuffling seed differs from the initialisation seed but is fixed by it.
    SgdOptions sgd = new SgdOptions(spec.epochs(), spec.batchSize(), spec.learningRate(), spec.momentum(),
        spec.seed() * 1_000_003L + 17);
    MlpNet net = MlpTrainer.train(init, train, sgd, null);
    Evaluation.Metrics m = Evaluation.evaluate(net, test);
    double seconds = (System.nanoTime() - t0) / 1e9;
    ModelMeta meta = new ModelMeta(spec.modelId(), "mlp", inputDim, spec.hidden(), all.numClasses(), spec.bias(),
        spec.dataset().cliName(), spec.split().name(), spec.seed(), spec.epochs(), train.size(), m.accuracy(),
        m.loss(), seconds, Versions.otfuse());
    zoo.write(meta, net);
    LOG.info(String.format(java.util.Locale.ROOT, "trained %s on %d images: test accuracy %.2f%%, loss %.4f, %.1f s",
        spec.modelId(), train.size(), m.accuracy(), m.loss(), seconds));
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
