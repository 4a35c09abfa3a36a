package org.otfuse.core.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.FileNotFoundException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * CIFAR-10 and CIFAR-100 from the fixture files in every official layout: exact normalised pixel
 * values against the generating formula, label order, and equality of binary, pickle, archived and
 * extracted forms.
 */
class CifarTest {

  /**
   * The float32 value torchvision gives a raw pixel: ToTensor's {@code v/255}, then Normalize's
   * {@code (x - mean)/std}, each rounded to float (exact equality expected: ND4J performs the same
   * IEEE float operations).
   */
  static float normalised(int v, double mean, double std) {
    return (v / 255f - (float) mean) / (float) std;
  }

  static void assertMatchesFormula(ImageDataset d, DatasetName name, int seed, int[] batches, int perBatch,
      int[] expectedLabels) {
    assertEquals(batches.length * perBatch, d.size());
    assertArrayEquals(new long[] {3, 32, 32}, d.imageShape());
    assertArrayEquals(expectedLabels, d.labelArray());
    double[] mean = name.normalisation().mean();
    double[] std = name.normalisation().std();
    float[][] got = d.features().toFloatMatrix();
    int row = 0;
    for (int b : batches) {
      for (int i = 0; i < perBatch; i++, row++) {
        for (int k = 0; k < Cifar.PIXELS; k++) {
          int c = k / 1024;
          float want = normalised(CifarFixtures.pixel(seed, b, i, k), mean[c], std[c]);
          if (got[row][k] != want) {
            throw new AssertionError("image " + row + " value " + k + ": " + got[row][k] + " != " + want);
          }
        }
      }
    }
  }

  @Test
  void cifar10BinaryHasTheFormulaValuesInFileOrder() throws Exception {
    String dir = CifarFixtures.dir("bin");
    ImageDataset train = Cifar.load(DatasetName.CIFAR10, dir, Split.TRAIN);
    int[] labels = new int[10];
    for (int b = 1, row = 0; b <= 5; b++) {
      for (int i = 0; i < CifarFixtures.C10_TRAIN_PER_BATCH; i++) {
        labels[row++] = CifarFixtures.c10Label(b, i);
      }
    }
    assertMatchesFormula(train, DatasetName.CIFAR10, 0, new int[] {1, 2, 3, 4, 5},
        CifarFixtures.C10_TRAIN_PER_BATCH, labels);
    assertEquals(10, train.numClasses());
    assertEquals("cifar10/train", train.name());
    assertEquals(DatasetName.CIFAR10.normalisation(), train.normalisation().orElseThrow());

    ImageDataset test = Cifar.load(DatasetName.CIFAR10, dir, Split.TEST);
    assertMatchesFormula(test, DatasetName.CIFAR10, 0, new int[] {0}, CifarFixtures.C10_TEST, new int[] {0, 3, 6});
  }

  @Test
  void theStandardConstantsGiveTheseValues() throws Exception {
    // Spot-checks computed by hand, so that a wrong constant cannot hide behind the shared formula.
    ImageDataset test = Cifar.load(DatasetName.CIFAR10, CifarFixtures.dir("bin"), Split.TEST);
    // k = 0 (R, row 0, col 0): raw 0 -> (0 - 0.4914)/0.2023
    assertEquals(0, CifarFixtures.pixel(0, 0, 0, 0));
    assertEquals(-0.4914 / 0.2023, test.features().getDouble(0, 0), 1e-6);
    // k = 1024 (G, row 0, col 0): raw (11*1024 + 50 + 1024^2 % 13) % 256 = (11264 + 50 + 9) % 256 = 59
    assertEquals(59, CifarFixtures.pixel(0, 0, 0, 1024));
    assertEquals((59 / 255.0 - 0.4822) / 0.1994, test.features().getDouble(0, 1024), 1e-6);
    // k = 2048 (B): raw (22528 + 100 + 2048^2 % 13) % 256 = (22628 + 10) % 256 = 110
    assertEquals(110, CifarFixtures.pixel(0, 0, 0, 2048));
    assertEquals((110 / 255.0 - 0.4465) / 0.2010, test.features().getDouble(0, 2048), 1e-6);
    ImageDataset c100 = Cifar.load(DatasetName.CIFAR100, CifarFixtures.dir("bin"), Split.TEST);
    // CIFAR-100, first test image: k = 0 raw 7, k = 2048 raw 117
    assertEquals((7 / 255.0 - 0.5071) / 0.2673, c100.features().getDouble(0, 0), 1e-6);
    assertEquals((117 / 255.0 - 0.4409) / 0.2762, c100.features().getDouble(0, 2048), 1e-6);
  }

  @Test
  void cifar100FineAndCoarseLabels() throws Exception {
    String dir = CifarFixtures.dir("bin");
    int[] fine = new int[CifarFixtures.C100_TRAIN];
    int[] coarse = new int[CifarFixtures.C100_TRAIN];
    for (int i = 0; i < fine.length; i++) {
      fine[i] = CifarFixtures.c100Fine(1, i);
      coarse[i] = CifarFixtures.c100Coarse(1, i);
    }
    ImageDataset train = Cifar.load(DatasetName.CIFAR100, dir, Split.TRAIN);
    assertMatchesFormula(train, DatasetName.CIFAR100, 7, new int[] {1}, CifarFixtures.C100_TRAIN, fine);
    assertEquals(100, train.numClasses());
    ImageDataset trainCoarse = Cifar.load(DatasetName.CIFAR100, dir, Split.TRAIN, Cifar.Labels.COARSE);
    assertArrayEquals(coarse, trainCoarse.labelArray());
    assertEquals(20, trainCoarse.numClasses());
    assertEquals("cifar100/train-coarse", trainCoarse.name());
    assertEquals(train.features(), trainCoarse.features());
    // The pickle agrees on both kinds.
    String py = CifarFixtures.dir("py2");
    assertArrayEquals(coarse, Cifar.load(DatasetName.CIFAR100, py, Split.TRAIN, Cifar.Labels.COARSE).labelArray());
    assertArrayEquals(fine, Cifar.load(DatasetName.CIFAR100, py, Split.TRAIN).labelArray());
    ImageDataset test = Cifar.load(DatasetName.CIFAR100, dir, Split.TEST);
    assertArrayEquals(new int[] {5, 12, 19}, test.labelArray());

    assertThrows(IllegalArgumentException.class,
        () -> Cifar.load(DatasetName.CIFAR10, dir, Split.TRAIN, Cifar.Labels.COARSE));
  }

  @Test
  void picklesEqualTheBinaryFiles() throws Exception {
    for (DatasetName name : new DatasetName[] {DatasetName.CIFAR10, DatasetName.CIFAR100}) {
      for (Split split : Split.values()) {
        ImageDataset bin = Cifar.load(name, CifarFixtures.dir("bin"), split);
        ImageDataset py = Cifar.load(name, CifarFixtures.dir("py2"), split);
        assertEquals(bin.features(), py.features(), name + " " + split);
        assertArrayEquals(bin.labelArray(), py.labelArray(), name + " " + split);
      }
    }
  }

  @Test
  void everyOfficialArchiveEqualsTheExtractedFiles(@TempDir Path tmp) throws Exception {
    String[][] cases = {
        {"cifar10", "cifar-10-binary.tar.gz"}, {"cifar10", "cifar-10-python.tar.gz"},
        {"cifar100", "cifar-100-binary.tar.gz"}, {"cifar100", "cifar-100-python.tar.gz"}};
    for (String[] c : cases) {
      DatasetName name = DatasetName.parse(c[0]);
      Path dir = Files.createDirectories(tmp.resolve(c[1].replace(".tar.gz", "")));
      Files.copy(CifarFixtures.path("archives/" + c[1]), dir.resolve(c[1]));
      for (Split split : Split.values()) {
        ImageDataset bin = Cifar.load(name, CifarFixtures.dir("bin"), split);
        ImageDataset archived = Cifar.load(name, dir.toString(), split);
        assertEquals(bin.features(), archived.features(), c[1] + " " + split);
        assertArrayEquals(bin.labelArray(), archived.labelArray(), c[1] + " " + split);
      }
    }
    // The pax-format archive (as Python's tarfile writes by default) too.
    ImageDataset pax = Cifar.load(DatasetName.CIFAR10, CifarFixtures.dir("archives-pax"), Split.TRAIN);
    assertEquals(Cifar.load(DatasetName.CIFAR10, CifarFixtures.dir("bin"), Split.TRAIN).features(), pax.features());
  }

  @Test
  void theDirectoryMayBeTheExtractedFolderItself() throws Exception {
    ImageDataset inside = Cifar.load(DatasetName.CIFAR10, CifarFixtures.dir("py2/cifar-10-batches-py"), Split.TEST);
    ImageDataset above = Cifar.load(DatasetName.CIFAR10, CifarFixtures.dir("bin"), Split.TEST);
    assertEquals(above.features(), inside.features());
    ImageDataset c100 = Cifar.load(DatasetName.CIFAR100, CifarFixtures.dir("bin/cifar-100-binary"), Split.TRAIN);
    assertEquals(CifarFixtures.C100_TRAIN, c100.size());
  }

  @Test
  void anIncompleteExtractedFolderNamesTheMissingBatch(@TempDir Path dir) throws Exception {
    CifarFixtures.copyTree("bin", dir);
    Files.delete(dir.resolve("cifar-10-batches-bin/data_batch_4.bin"));
    FileNotFoundException e = assertThrows(FileNotFoundException.class,
        () -> Cifar.load(DatasetName.CIFAR10, dir.toString(), Split.TRAIN));
    assertTrue(e.getMessage().contains("data_batch_4.bin"), e.getMessage());
    assertEquals(3, Cifar.load(DatasetName.CIFAR10, dir.toString(), Split.TEST).size());
  }

  @Test
  void missingDataSaysWhereItLookedAndWhatToDo(@TempDir Path dir) {
    FileNotFoundException e = assertThrows(FileNotFoundException.class,
        () -> Cifar.load(DatasetName.CIFAR100, dir.toString(), Split.TEST));
    for (String s : new String[] {"cifar-100-binary/", "cifar-100-python/", "cifar-100-binary.tar.gz",
        "cifar-100-python.tar.gz", "otfuse download --dataset cifar100"}) {
      assertTrue(e.getMessage().contains(s), e.getMessage());
    }
  }

  @Test
  void datasetsLoadDispatchesOnTheName() throws Exception {
    ImageDataset c = Datasets.load(DatasetName.CIFAR10, CifarFixtures.dir("bin"), Split.TEST);
    assertEquals(Cifar.load(DatasetName.CIFAR10, CifarFixtures.dir("bin"), Split.TEST).features(), c.features());
    ImageDataset m = Datasets.load(DatasetName.MNIST, MnistDataTest.mnistDir(), Split.TEST);
    assertEquals(10_000, m.size());
    assertArrayEquals(new long[] {1, 28, 28}, m.imageShape());
    assertEquals(DatasetName.MNIST.normalisation(), m.normalisation().orElseThrow());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> MnistFamily.load(DatasetName.CIFAR10, CifarFixtures.dir("bin"), Split.TEST));
    assertTrue(e.getMessage().contains("Datasets.load"), e.getMessage());
    assertThrows(IllegalArgumentException.class,
        () -> Cifar.load(DatasetName.MNIST, MnistDataTest.mnistDir(), Split.TEST));
  }

  @Test
  void datasetNamesOfCifar() {
    assertEquals(DatasetName.CIFAR10, DatasetName.parse("cifar10"));
    assertEquals(DatasetName.CIFAR100, DatasetName.parse("CIFAR-100"));
    assertEquals(DatasetName.FASHION_MNIST, DatasetName.parse("fashion-mnist"));
    assertEquals("cifar100", DatasetName.CIFAR100.cliName());
    assertEquals(100, DatasetName.CIFAR100.numClasses());
    assertArrayEquals(new long[] {3, 32, 32}, DatasetName.CIFAR10.imageShape());
    assertArrayEquals(new double[] {0.4914, 0.4822, 0.4465}, DatasetName.CIFAR10.normalisation().mean());
    assertArrayEquals(new double[] {0.2023, 0.1994, 0.2010}, DatasetName.CIFAR10.normalisation().std());
    assertArrayEquals(new double[] {0.5071, 0.4865, 0.4409}, DatasetName.CIFAR100.normalisation().mean());
    assertArrayEquals(new double[] {0.2673, 0.2564, 0.2762}, DatasetName.CIFAR100.normalisation().std());
    assertEquals(0.1307, DatasetName.MNIST.mean());
    assertEquals(0.3530, DatasetName.FASHION_MNIST.std());
    assertThrows(UnsupportedOperationException.class, DatasetName.CIFAR10::mean);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DatasetName.parse("cifar7"));
    assertTrue(e.getMessage().contains("cifar100"), e.getMessage());
  }
}
