package org.otfuse.core.data;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * The tiny CIFAR look-alikes that {@code src/test/resources/data/cifar/make_cifar_fixtures.py}
 * wrote, and the formulas that made their pixels and labels (repeated here from the script).
 */
final class CifarFixtures {
  static final int C10_TRAIN_PER_BATCH = 2;
  static final int C10_TEST = 3;
  static final int C100_TRAIN = 4;
  static final int C100_TEST = 3;

  private CifarFixtures() {}

  /** Absolute path of {@code data/cifar/<relative>}; fails the test when it is missing. */
  static Path path(String relative) {
    URL url = CifarFixtures.class.getResource("/data/cifar/" + relative);
    if (url == null) {
      throw new AssertionError("test fixture missing: data/cifar/" + relative);
    }
    try {
      return Path.of(url.toURI());
    } catch (URISyntaxException e) {
      throw new AssertionError(e);
    }
  }

  static String dir(String relative) {
    return path(relative).toString();
  }

  /** Pixel k of image i of batch b (seed 0 for CIFAR-10, 7 for CIFAR-100). */
  static int pixel(int seed, int b, int i, int k) {
    return (seed + 37 * i + 101 * b + 11 * k + 50 * (k / 1024) + (k * k) % 13) % 256;
  }

  static int c10Label(int b, int i) {
    return (3 * i + b) % 10;
  }

  static int c100Fine(int b, int i) {
    return (7 * i + 13 * b + 5) % 100;
  }

  static int c100Coarse(int b, int i) {
    return (3 * c100Fine(b, i)) % 20;
  }

  /** Copies the fixture directory {@code relative} (recursively) into {@code dest}. */
  static void copyTree(String relative, Path dest) {
    Path src = path(relative);
    try (Stream<Path> files = Files.walk(src)) {
      for (Path p : (Iterable<Path>) files::iterator) {
        Path to = dest.resolve(src.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(to);
        } else {
          Files.copy(p, to);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
