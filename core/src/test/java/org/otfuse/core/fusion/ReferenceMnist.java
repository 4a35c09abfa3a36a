package org.otfuse.core.fusion;

import java.util.List;
import org.otfuse.core.data.DatasetName;
import org.otfuse.core.data.ImageDataset;
import org.otfuse.core.data.MnistFamily;
import org.otfuse.core.data.Split;
import org.otfuse.core.io.Checkpoints;
import org.otfuse.core.model.MlpNet;
import org.otfuse.core.model.MlpSpec;
import org.otfuse.core.testing.Fixtures;

/** The paper's two MNIST models and the real MNIST test set, loaded once per JVM. */
final class ReferenceMnist {
  private static List<MlpNet> models;
  private static ImageDataset test;

  private ReferenceMnist() {}

  static synchronized List<MlpNet> models() throws Exception {
    if (models == null) {
      models = List.of(load(0), load(1));
    }
    return models;
  }

  static MlpNet load(int i) throws Exception {
    return MlpNet.fromStateDict(
        Checkpoints.read(Fixtures.path("otfusion-mnist/checkpoints/model_" + i + "/final.checkpoint")),
        MlpSpec.MLPNET.withBias(false));
  }

  static synchronized ImageDataset test() throws Exception {
    if (test == null) {
      String dir = java.nio.file.Path.of(Fixtures.path("mnist/t10k-images-idx3-ubyte.gz")).getParent().toString();
      test = MnistFamily.load(DatasetName.MNIST, dir, Split.TEST);
    }
    return test;
  }
}
