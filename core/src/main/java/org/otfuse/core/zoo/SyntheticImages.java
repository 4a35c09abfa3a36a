package org.otfuse.core.zoo;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.Random;
import java.util.zip.GZIPOutputStream;
import org.apache.hadoop.fs.Path;
import org.otfuse.core.io.HadoopPaths;

/**
 * Writes a small synthetic dataset in the MNIST idx layout ({@code train-images-idx3-ubyte.gz},
 * ...; 28x28 images, 10 classes) for smoke tests and examples that must not download anything:
 * each class has a random prototype image and every example is its prototype with pixel noise
 * and a random shift of up to 2 pixels, so that small MLPs learn it in one epoch but different
 * seeds learn different hidden features (what OT fusion has to align).
 */
public final class SyntheticImages {
  private SyntheticImages() {}

  /** Writes {@code nTrain} training and {@code nTest} test images into {@code dir} (any Hadoop path). */
  public static void write(String dir, int nTrain, int nTest, long seed) throws IOException {
    Random rng = new Random(seed);
    byte[][] proto = new byte[10][784];
    for (byte[] p : proto) {
      for (int i = 0; i < p.length; i++) {
        p[i] = (byte) (rng.nextDouble() < 0.3 ? 128 + rng.nextInt(128) : 0);
      }
    }
    write(dir, "train", nTrain, proto, rng);
    write(dir, "t10k", nTest, proto, rng);
  }

  private static void write(String dir, String prefix, int n, byte[][] proto, Random rng) throws IOException {
    byte[] pixels = new byte[n * 784];
    byte[] labels = new byte[n];
    for (int k = 0; k < n; k++) {
      int c = rng.nextInt(10);
      labels[k] = (byte) c;
      int dx = rng.nextInt(5) - 2;
      int dy = rng.nextInt(5) - 2;
      for (int y = 0; y < 28; y++) {
        for (int x = 0; x < 28; x++) {
          int sx = x - dx;
          int sy = y - dy;
          int v = sx >= 0 && sx < 28 && sy >= 0 && sy < 28 ? proto[c][sy * 28 + sx] & 0xff : 0;
          v += (int) (rng.nextGaussian() * 40);
          pixels[k * 784 + y * 28 + x] = (byte) Math.max(0, Math.min(255, v));
        }
      }
    }
    HadoopPaths.writeBytes(new Path(dir, prefix + "-images-idx3-ubyte.gz").toString(), idx(0x803, new int[] {n, 28, 28}, pixels));
    HadoopPaths.writeBytes(new Path(dir, prefix + "-labels-idx1-ubyte.gz").toString(), idx(0x801, new int[] {n}, labels));
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
