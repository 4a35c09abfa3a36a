package org.otfuse.core.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.otfuse.core.io.TensorFormatException;
import org.otfuse.core.testing.Fixtures;

class MnistDataTest {

  static String mnistDir() {
    return Path.of(Fixtures.path("mnist/t10k-labels-idx1-ubyte.gz")).getParent().toString();
  }

  @Test
  void readsTheRealMnistTestSetWithTheReferenceTransform() throws Exception {
    ImageDataset test = MnistFamily.load(DatasetName.MNIST, mnistDir(), Split.TEST);
    assertEquals(10_000, test.size());
    assertArrayEquals(new long[] {1, 28, 28}, test.imageShape());
    int[] counts = new int[10];
    for (int y : test.labelArray()) {
      counts[y]++;
    }
    // Known MNIST t10k label histogram.
    assertArrayEquals(new int[] {980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009}, counts);
    assertEquals(7, test.labelArray()[0]);
    double black = (0 / 255.0 - 0.1307) / 0.3081;
    double white = (255 / 255.0 - 0.1307) / 0.3081;
    assertEquals(black, test.features().minNumber().doubleValue(), 1e-6);
    assertEquals(white, test.features().maxNumber().doubleValue(), 1e-6);
  }

  @Test
  void rawAndGzipFilesGiveTheSameData(@TempDir Path dir) throws Exception {
    for (String f : new String[] {"t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"}) {
      byte[] gz = Files.readAllBytes(Path.of(mnistDir(), f + ".gz"));
      Files.write(dir.resolve(f), new GZIPInputStream(new ByteArrayInputStream(gz)).readAllBytes());
    }
    ImageDataset raw = MnistFamily.load(DatasetName.MNIST, dir.toString(), Split.TEST);
    ImageDataset gz = MnistFamily.load(DatasetName.MNIST, mnistDir(), Split.TEST);
    assertEquals(gz.features(), raw.features());
    assertEquals(gz.labels(), raw.labels());
  }

  @Test
  void truncatedIdxNamesTheFile(@TempDir Path dir) throws Exception {
    byte[] gz = Files.readAllBytes(Path.of(mnistDir(), "t10k-labels-idx1-ubyte.gz"));
    byte[] raw = new GZIPInputStream(new ByteArrayInputStream(gz)).readAllBytes();
    Path cut = dir.resolve("t10k-labels-idx1-ubyte");
    Files.write(cut, Arrays.copyOf(raw, 500));
    TensorFormatException e = assertThrows(TensorFormatException.class, () -> Idx.read(cut.toString()));
    assertTrue(e.getMessage().startsWith(cut.toString()) && e.getMessage().contains("truncated"), e.getMessage());
  }

  @Test
  void missingDirectoryExplainsWhatToDo(@TempDir Path dir) {
    Exception e = assertThrows(java.io.FileNotFoundException.class,
        () -> MnistFamily.load(DatasetName.FASHION_MNIST, dir.toString(), Split.TRAIN));
    assertTrue(e.getMessage().contains("train-images-idx3-ubyte.gz") && e.getMessage().contains("download"),
        e.getMessage());
  }

  @Test
  void unknownDatasetNameListsTheKnownOnes() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DatasetName.parse("cifar7"));
    assertTrue(e.getMessage().contains("fashion-mnist"), e.getMessage());
    assertEquals(DatasetName.FASHION_MNIST, DatasetName.parse("Fashion_MNIST"));
  }
}
