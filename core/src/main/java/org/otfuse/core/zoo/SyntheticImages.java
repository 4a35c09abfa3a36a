package org.otfuse.core.zoo;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.Random;
import java.util.zip.GZIPOutputStream;
import org.apache.hadoop.fs.Path;
import org.otfuse.core.io.HadoopPaths;

/**
 * Writes small synthetic datasets for smoke tests and examples that must not download anything:
 * each class has a random prototype image and every example is its prototype with pixel noise
 * and a random shift of up to 2 pixels, so that small networks learn it in one epoch but
 * different seeds learn different hidden features (what OT fusion has to align).
 *
 * <ul>
 *   <li>{@link #write}: the MNIST idx layout ({@code train-images-idx3-ubyte.gz}, ...; 28x28, 1
 *       channel, 10 classes), readable as {@code mnist} or {@code fashion-mnist}.
 *   <li>{@link #writeCifar10}: CIFAR-10's official binary layout ({@code
 *       cifar-10-batches-bin/data_batch_1.bin .. data_batch_5.bin, test_batch.bin}, records of a
 *       label byte and 3072 pixel bytes, planes R, G, B; 32x32, 10 classes), readable as
 *       {@code cifar10}.
 * </ul>
 */
public final class SyntheticImages {
  private static final int CLASSES = 10;

  private SyntheticImages() {}

  /** Writes {@code nTrain} training and {@code nTest} test images into {@code dir} (any Hadoop path). */
  public static void write(String dir, int nTrain, int nTest, long seed) throws IOException {
    Random rng = new Random(seed);
    byte[][] proto = prototypes(rng, 1, 28);
    Images train = images(nTrain, proto, 1, 28, rng);
    Images test = images(nTest, proto, 1, 28, rng);
    idx(dir, "train", train, nTrain);
    idx(dir, "t10k", test, nTest);
  }

  /**
   * Writes a CIFAR-10 look-alike in the official binary layout under {@code <dir>/cifar-10-batches-bin}:
   * {@code nTrain} training images spread over the five data batches (batch {@code b} holds
   * images {@code [b nTrain / 5, (b + 1) nTrain / 5)}) and {@code nTest} test images.
   */
  public static void writeCifar10(String dir, int nTrain, int nTest, long seed) throws IOException {
    Random rng = new Random(seed);
    byte[][] proto = prototypes(rng, 3, 32);
    Images train = images(nTrain, proto, 3, 32, rng);
    Images test = images(nTest, proto, 3, 32, rng);
    Path folder = new Path(dir, "cifar-10-batches-bin");
    for (int b = 0; b < 5; b++) {
      int from = (int) ((long) b * nTrain / 5);
      int to = (int) ((long) (b + 1) * nTrain / 5);
      HadoopPaths.writeBytes(new Path(folder, "data_batch_" + (b + 1) + ".bin").toString(), records(train, from, to));
    }
    HadoopPaths.writeBytes(new Path(folder, "test_batch.bin").toString(), records(test, 0, nTest));
  }

  /** n images (pixels image-major, then channel, row, column) and their labels. */
  private record Images(byte[] pixels, byte[] labels, int imageBytes) {}

  private static byte[][] prototypes(Random rng, int channels, int size) {
    byte[][] proto = new byte[CLASSES][channels * size * size];
    for (byte[] p : proto) {
      for (int i = 0; i < p.length; i++) {
        p[i] = (byte) (rng.nextDouble() < 0.3 ? 128 + rng.nextInt(128) : 0);
      }
    }
    return proto;
  }

  private static Images images(int n, byte[][] proto, int channels, int size, Random rng) {
    int plane = size * size;
    int bytes = channels * plane;
    byte[] pixels = new byte[n * bytes];
    byte[] labels = new byte[n];
    for (int k = 0; k < n; k++) {
      int c = rng.nextInt(CLASSES);
      labels[k] = (byte) c;
      int dx = rng.nextInt(5) - 2;
      int dy = rng.nextInt(5) - 2;
      for (int ch = 0; ch < channels; ch++) {
        for (int y = 0; y < size; y++) {
          for (int x = 0; x < size; x++) {
            int sx = x - dx;
            int sy = y - dy;
            int v = sx >= 0 && sx < size && sy >= 0 && sy < size ? proto[c][ch * plane + sy * size + sx] & 0xff : 0;
            v += (int) (rng.nextGaussian() * 40);
            pixels[k * bytes + ch * plane + y * size + x] = (byte) Math.max(0, Math.min(255, v));
          }
        }
      }
    }
    return new Images(pixels, labels, bytes);
  }

  private static void idx(String dir, String prefix, Images im, int n) throws IOException {
    HadoopPaths.writeBytes(new Path(dir, prefix + "-images-idx3-ubyte.gz").toString(),
        idx(0x803, new int[] {n, 28, 28}, im.pixels()));
    HadoopPaths.writeBytes(new Path(dir, prefix + "-labels-idx1-ubyte.gz").toString(),
        idx(0x801, new int[] {n}, im.labels()));
  }

  private static byte[] records(Images im, int from, int to) {
    int record = 1 + im.imageBytes();
    byte[] out = new byte[(to - from) * record];
    for (int k = from; k < to; k++) {
      int o = (k - from) * record;
      out[o] = im.labels()[k];
      System.arraycopy(im.pixels(), k * im.imageBytes(), out, o + 1, im.imageBytes());
    }
    return out;
  }

  private static byte[] idx(int magic, int[] dims, byte[] data) throws IOException {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(new GZIPOutputStream(buf))) {
      out.writeInt(magic);
      for (int d : dims) {
        out.writeInt(d);
      }
      out.write(data);
    }
    return buf.toByteArray();
  }
}
