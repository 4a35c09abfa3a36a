package org.otfuse.jobs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.otfuse.core.data.DatasetName;
import org.otfuse.core.zoo.SyntheticImages;
import org.otfuse.core.zoo.Zoo;
import org.otfuse.core.zoo.ZooModelSpec;
import org.otfuse.core.zoo.ZooSplit;
import org.otfuse.core.zoo.ZooTrainer;

/**
 * A small zoo on synthetic data for the Spark tests, built once per JVM under
 * {@code target/test-zoo} (without Spark: the zoo job has its own test): data in
 * {@code <root>/data/fashion-mnist}, 2 widths x 3 seeds of a 784-w1-w2-10 MLP in {@code <root>/zoo}.
 */
final class TestZoo {
  static final List<List<Integer>> WIDTHS = List.of(List.of(24, 12), List.of(32, 16));
  private static Path root;

  private TestZoo() {}

  static synchronized Path root() throws IOException {
    if (root == null) {
      Path r = Path.of("target", "test-zoo").toAbsolutePath();
      Path data = r.resolve("data").resolve("fashion-mnist");
      if (!Files.exists(data.resolve("t10k-labels-idx1-ubyte.gz"))) {
        SyntheticImages.write(data.toString(), 2000, 500, 7);
      }
      Zoo zoo = Zoo.at(r.resolve("zoo").toString());
      for (ZooModelSpec s : specs()) {
        if (!zoo.contains(s.modelId())) {
          ZooTrainer.train(s, data.toString(), zoo);
        }
      }
      root = r;
    }
    return root;
  }

  static List<ZooModelSpec> specs() {
    List<ZooModelSpec> out = new ArrayList<>();
    for (List<Integer> w : WIDTHS) {
      for (int seed = 0; seed < 3; seed++) {
        out.add(ZooModelSpec.mlp(DatasetName.FASHION_MNIST, w, true, seed, ZooSplit.FULL, 1, 32, 0.05, 0.5, 0));
      }
    }
    return out;
  }

  /** Copies the zoo into {@code dest} (for tests that damage it). */
  static Path copyZoo(Path dest) throws IOException {
    Path src = root().resolve("zoo");
    try (var walk = Files.walk(src)) {
      for (Path p : (Iterable<Path>) walk::iterator) {
        Path t = dest.resolve(src.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(t);
        } else {
          Files.copy(p, t);
        }
      }
    }
    return dest;
  }

  /** Overrides that point a sweep at this zoo and data, with training and installs off. */
  static List<String> overrides(String sweepId, Path results) throws IOException {
    Path r = root();
    return new ArrayList<>(List.of("sweep-id=" + sweepId, "results=" + results, "zoo.dir=" + r.resolve("zoo"),
        "data.dir=" + r.resolve("data"), "data.install=false", "zoo.train-missing=false",
        "run.buckets=4"));
  }
}
