package org.otfuse.core.zoo;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.otfuse.core.data.DatasetName;
import org.otfuse.core.data.ImageDataset;
import org.otfuse.core.data.Datasets;
import org.otfuse.core.data.Split;

/**
 * Datasets loaded once per JVM and shared by every task that runs in it (a Spark executor runs
 * many points; each would otherwise re-read and re-normalise the idx files). The arrays are
 * shared: callers must not modify them.
 */
public final class DataCache {
  private record Key(DatasetName dataset, String dir, Split split) {}

  private static final Map<Key, ImageDataset> CACHE = new ConcurrentHashMap<>();

  private DataCache() {}

  /** {@code split} of {@code dataset} from the idx files in {@code dir}, loaded on first use. */
  public static ImageDataset get(DatasetName dataset, String dir, Split split) throws IOException {
    try {
      return CACHE.computeIfAbsent(new Key(dataset, dir, split), k -> {
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

  /** Drops every cached dataset (tests). */
  public static void clear() {
    CACHE.clear();
  }
}
