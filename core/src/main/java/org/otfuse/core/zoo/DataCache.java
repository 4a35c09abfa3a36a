package org.otfuse.core.zoo;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.otfuse.core.data.DatasetName;
import org.otfuse.core.data.ImageDataset;
import org.otfuse.core.data.Datasets;
import org.otfuse.core.data.Split;
import org.otfuse.core.train.TrainingData;

/**
 * Datasets loaded once per JVM and shared by every task that runs in it (a Spark executor runs
 * many points; each would otherwise re-read and re-normalise the idx files). The arrays are
 * shared: callers must not modify them.
 */
public final class DataCache {
  private record Key(DatasetName dataset, String dir, Split split, int padTo) {}

  private static final Map<Key, ImageDataset> CACHE = new ConcurrentHashMap<>();

  private DataCache() {}

  /** {@code split} of {@code dataset} from the idx files in {@code dir}, loaded on first use. */
  public static ImageDataset get(DatasetName dataset, String dir, Split split) throws IOException {
    try {
      return CACHE.computeIfAbsent(new Key(dataset, dir, split, 0), k -> {
        try {
          return Datasets.load(k.dataset(), k.dir(), k.split());
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      });
    } catch (UncheckedIOException e) {
      throw e.getCause();
    }
  }

  /**
   * {@code split} of {@code dataset} as a network with input shape {@code inputShape} takes it:
   * when the input is {@code [C, S, S]} and the images are smaller, padded to {@code S x S} with
   * the normalised value of black ({@link TrainingData#pad}, as {@code otfuse train} pads 28 x 28
   * images for VGG and ResNet); otherwise as loaded (a flat {@code [F]} input takes the flattened
   * images). Cached like {@link #get}.
   */
  public static ImageDataset forInput(DatasetName dataset, String dir, Split split, long[] inputShape)
      throws IOException {
    ImageDataset d = get(dataset, dir, split);
    long[] s = d.imageShape();
    if (inputShape.length != 3 || s.length != 3 || (s[1] == inputShape[1] && s[2] == inputShape[2])) {
      return d;
    }
    if (inputShape[1] != inputShape[2] || inputShape[1] < s[1] || inputShape[2] < s[2]) {
      throw new IllegalArgumentException("a network with input " + java.util.Arrays.toString(inputShape)
          + " cannot take " + dataset.cliName() + "'s " + java.util.Arrays.toString(s) + " images (they are padded"
          + " to a square input at least their size, never cropped)");
    }
    int size = (int) inputShape[1];
    return CACHE.computeIfAbsent(new Key(dataset, dir, split, size), k -> TrainingData.pad(d, size));
  }

  /** Drops every cached dataset (tests). */
  public static void clear() {
    CACHE.clear();
  }
}
