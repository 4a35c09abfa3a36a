package org.otfuse.core.split;

import java.util.random.RandomGenerator;

/**
 * The one Fisher-Yates shuffle of otfuse's seeded orderings: data splits ({@link DataSplit}), zoo
 * shards ({@link org.otfuse.core.zoo.ZooSplit}) and the trainers' epoch orders. The draws are
 * fixed, so every ordering is reproducible from its seed: for {@code i} from {@code length - 1}
 * down to 1, {@code j = rng.nextInt(i + 1)} and elements {@code i} and {@code j} swap. Each
 * generator keeps its own {@code nextInt(bound)} ({@link java.util.Random}'s and
 * {@link java.util.SplittableRandom}'s differ), so a caller's generator type is part of its
 * ordering.
 */
public final class Shuffle {
  private Shuffle() {}

  /** {@code 0 .. n-1} in the order of {@link #shuffle}. */
  public static int[] permutation(int n, RandomGenerator rng) {
    int[] p = new int[n];
    for (int i = 0; i < n; i++) {
      p[i] = i;
    }
    shuffle(p, rng);
    return p;
  }

  /** Shuffles {@code a} in place (the draws are described above). */
  public static void shuffle(int[] a, RandomGenerator rng) {
    for (int i = a.length - 1; i > 0; i--) {
      int j = rng.nextInt(i + 1);
      int t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
  }
}
