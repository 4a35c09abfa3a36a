package org.otfuse.core.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * {@link ImageDataset#padded(int)}: zero padding in raw pixel space, i.e. the border of channel c
 * holds {@code (0 - mean[c]) / std[c]}, as torchvision's Pad before ToTensor and Normalize.
 */
class CifarPaddingTest {

  /** Checks every value of {@code padded} against {@code original} and the per-channel pad value. */
  static void assertPadded(ImageDataset original, ImageDataset padded, int pad) {
    long[] s = original.imageShape();
    int c = (int) s[0];
    int h = (int) s[1];
    int w = (int) s[2];
    int h2 = h + 2 * pad;
    int w2 = w + 2 * pad;
    assertArrayEquals(new long[] {c, h2, w2}, padded.imageShape());
    assertEquals(original.size(), padded.size());
    assertEquals((long) c * h2 * w2, padded.features().columns());
    assertArrayEquals(original.labelArray(), padded.labelArray());
    ImageDataset.Normalisation norm = original.normalisation().orElseThrow();
    float[][] a = original.features().toFloatMatrix();
    float[][] b = padded.features().toFloatMatrix();
    for (int n = 0; n < a.length; n++) {
      for (int ch = 0; ch < c; ch++) {
        float border = (0f - (float) norm.mean()[ch]) / (float) norm.std()[ch];
        for (int y = 0; y < h2; y++) {
          for (int x = 0; x < w2; x++) {
            boolean inside = y >= pad && y < pad + h && x >= pad && x < pad + w;
            float want = inside ? a[n][ch * h * w + (y - pad) * w + (x - pad)] : border;
            float got = b[n][ch * h2 * w2 + y * w2 + x];
            if (got != want) {
              throw new AssertionError("image " + n + " channel " + ch + " (" + y + ", " + x + "): " + got
                  + " != " + want);
            }
          }
        }
      }
    }
  }

  @Test
  void cifarImagesArePaddedWithEachChannelsNormalisedZero() throws Exception {
    ImageDataset test = Cifar.load(DatasetName.CIFAR10, CifarFixtures.dir("bin"), Split.TEST);
    ImageDataset p = test.padded(2);
    assertPadded(test, p, 2);
    assertEquals(test.normalisation(), p.normalisation());
    // The border values by hand: (0 - 0.4914)/0.2023, (0 - 0.4822)/0.1994, (0 - 0.4465)/0.2010.
    assertEquals(-0.4914 / 0.2023, p.features().getDouble(0, 0), 1e-6);
    assertEquals(-0.4822 / 0.1994, p.features().getDouble(0, 36 * 36), 1e-6);
    assertEquals(-0.4465 / 0.2010, p.features().getDouble(1, 2 * 36 * 36 + 36 * 36 - 1), 1e-6);
    // Padding commutes: pad 1 twice is pad 2.
    assertEquals(p.features(), test.padded(1).padded(1).features());
  }

  @Test
  void mnistPaddedTo32x32() throws Exception {
    ImageDataset mnist = MnistFamily.load(DatasetName.MNIST, MnistDataTest.mnistDir(), Split.TEST).head(5);
    ImageDataset p = mnist.padded(2);
    assertArrayEquals(new long[] {1, 32, 32}, p.imageShape());
    assertPadded(mnist, p, 2);
    // The pad value is exactly what a black MNIST pixel normalises to.
    float black = mnist.features().getFloat(0, 0);
    assertEquals((0f - 0.1307f) / 0.3081f, black);
    assertEquals(black, p.features().getFloat(4, 32 * 32 - 1));
    // The padded set still subsets and knows its normalisation.
    ImageDataset sub = p.subset(new int[] {3, 1});
    assertArrayEquals(new int[] {p.labelArray()[3], p.labelArray()[1]}, sub.labelArray());
    assertEquals(DatasetName.MNIST.normalisation(), sub.normalisation().orElseThrow());
  }

  @Test
  void padArgumentsAndUnknownNormalisation() {
    INDArray x = Nd4j.zeros(org.nd4j.linalg.api.buffer.DataType.FLOAT, 2, 4);
    INDArray y = Nd4j.createFromArray(0, 1);
    ImageDataset unknown = new ImageDataset("raw", x, y, new long[] {1, 2, 2}, 2);
    assertTrue(unknown.normalisation().isEmpty());
    assertSame(unknown, unknown.padded(0));
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> unknown.padded(1));
    assertTrue(e.getMessage().contains("mean and std"), e.getMessage());
    ImageDataset known = new ImageDataset("raw", x, y, new long[] {1, 2, 2}, 2,
        ImageDataset.Normalisation.of(0.5, 0.25));
    assertThrows(IllegalArgumentException.class, () -> known.padded(-1));
    ImageDataset p = known.padded(1);
    assertArrayEquals(new long[] {1, 4, 4}, p.imageShape());
    assertEquals(-2.0, p.features().getDouble(1, 0));
    assertEquals(0.0, p.features().getDouble(1, 5));
    // The normalisation must match the channels and be valid.
    assertThrows(IllegalArgumentException.class, () -> new ImageDataset("raw", x, y, new long[] {1, 2, 2}, 2,
        DatasetName.CIFAR10.normalisation()));
    assertThrows(IllegalArgumentException.class, () -> ImageDataset.Normalisation.of(0.5, 0));
    assertThrows(IllegalArgumentException.class,
        () -> new ImageDataset.Normalisation(new double[] {0.1, 0.2}, new double[] {0.3}));
    double[] mean = {0.1};
    ImageDataset.Normalisation n = new ImageDataset.Normalisation(mean, new double[] {0.3});
    mean[0] = 9;
    n.mean()[0] = 9;
    assertEquals(0.1, n.mean()[0], "copied in and out");
  }
}
