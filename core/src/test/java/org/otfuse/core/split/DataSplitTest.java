package org.otfuse.core.split;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class DataSplitTest {
  /** 10,000 labels, 10 classes with unequal counts (class c has 600 + 80 c images, shuffled). */
  static int[] labels() {
    int[] counts = new int[10];
    int total = 0;
    for (int c = 0; c < 10; c++) {
      counts[c] = 640 + 16 * c - 72;
      total += counts[c];
    }
    int[] y = new int[total];
    int k = 0;
    for (int c = 0; c < 10; c++) {
      for (int i = 0; i < counts[c]; i++) {
        y[k++] = c;
      }
    }
    Shuffle.shuffle(y, new SplittableRandom(1));
    return y;
  }

  static int[] count(int[] y, int[] idx) {
    int[] c = new int[10];
    for (int i : idx) {
      c[y[i]]++;
    }
    return c;
  }

  @Test
  void iidShardsAreDisjointEqualAndCover() {
    int[] y = labels();
    Set<Integer> seen = new HashSet<>();
    for (int i = 0; i < 3; i++) {
      int[] idx = new DataSplit.Iid(3, i).indices(y, 42);
      assertTrue(Math.abs(idx.length - y.length / 3.0) < 1, "shard " + i + " has " + idx.length);
      for (int j : idx) {
        assertTrue(seen.add(j), "index " + j + " in two shards");
      }
      // i.i.d.: each label's share is close to its share of the whole (within 4 binomial sd).
      int[] c = count(y, idx);
      int[] all = count(y, new DataSplit.Full().indices(y, 0));
      for (int k = 0; k < 10; k++) {
        double expected = all[k] / 3.0;
        assertTrue(Math.abs(c[k] - expected) < 4 * Math.sqrt(expected), "label " + k + ": " + c[k]);
      }
    }
    assertEquals(y.length, seen.size());
    assertArrayEquals(new DataSplit.Iid(3, 1).indices(y, 42), new DataSplit.Iid(3, 1).indices(y, 42), "seeded");
  }

  @Test
  void skillSplitGivesASpecialLabelAndFractionP() {
    int[] y = labels();
    int[] all = count(y, new DataSplit.Full().indices(y, 0));
    int[] a = new DataSplit.Skill(4, 0.1, DataSplit.Part.A).indices(y, 7);
    int[] b = new DataSplit.Skill(4, 0.1, DataSplit.Part.B).indices(y, 7);
    int[] ca = count(y, a);
    int[] cb = count(y, b);
    assertEquals(all[4], ca[4], "A has every image of label 4");
    assertEquals(0, cb[4], "B has no image of label 4");
    for (int k = 0; k < 10; k++) {
      if (k != 4) {
        assertEquals(Math.round(0.1 * all[k]), ca[k], "A has 10% of label " + k);
        assertEquals(all[k], ca[k] + cb[k], "A and B cover label " + k);
      }
    }
    Set<Integer> sa = new HashSet<>();
    Arrays.stream(a).forEach(sa::add);
    for (int i : b) {
      assertTrue(!sa.contains(i), "index " + i + " in both parts");
    }
  }

  @Test
  void dirichletClientsPartitionEveryLabelAndSkewWithSmallAlpha() {
    int[] y = labels();
    int[] all = count(y, new DataSplit.Full().indices(y, 0));
    int k = 5;
    int[][] c = new int[k][];
    Set<Integer> seen = new HashSet<>();
    for (int i = 0; i < k; i++) {
      int[] idx = new DataSplit.Dirichlet(0.1, k, i).indices(y, 3);
      c[i] = count(y, idx);
      for (int j : idx) {
        assertTrue(seen.add(j), "index " + j + " in two clients");
      }
    }
    assertEquals(y.length, seen.size(), "clients cover the data");
    for (int label = 0; label < 10; label++) {
      int sum = 0;
      int max = 0;
      for (int i = 0; i < k; i++) {
        sum += c[i][label];
        max = Math.max(max, c[i][label]);
      }
      assertEquals(all[label], sum);
      // alpha = 0.1: most of a label lands on one client (E[max share] ~ 0.8 for K = 5).
      assertTrue(max > 0.3 * all[label], "label " + label + " max share " + max + "/" + all[label]);
    }
    // Large alpha: close to uniform.
    int[] big = count(y, new DataSplit.Dirichlet(1000, k, 2).indices(y, 3));
    for (int label = 0; label < 10; label++) {
      assertTrue(Math.abs(big[label] - all[label] / 5.0) < 0.15 * all[label] / 5.0, "alpha 1000, label " + label);
    }
  }

  @Test
  void gammaSamplerHasTheRightMean() {
    SplittableRandom r = new SplittableRandom(0);
    for (double shape : new double[] {0.1, 0.5, 2.0}) {
      double sum = 0;
      int n = 200_000;
      for (int i = 0; i < n; i++) {
        sum += DataSplit.gamma(shape, r);
      }
      assertEquals(shape, sum / n, 0.02 * Math.max(1, shape) + 4 * Math.sqrt(shape / n));
    }
  }

  /**
   * The one shuffle's draws are pinned: splits, zoo shards and epoch orders (hence model ids,
   * shards and seeded training) depend on them, for both generator types its callers use.
   */
  @Test
  void shuffleDrawsArePinned() {
    assertArrayEquals(new int[] {3, 4, 7, 0, 8, 5, 9, 2, 6, 1}, Shuffle.permutation(10, new SplittableRandom(42)));
    java.util.Random r = new java.util.Random(42);
    assertArrayEquals(new int[] {4, 6, 2, 1, 7, 9, 8, 5, 3, 0}, Shuffle.permutation(10, r));
    assertArrayEquals(new int[] {7, 4, 5, 8, 1, 6, 0, 9, 2, 3}, Shuffle.permutation(10, r), "the generator advances");
    assertArrayEquals(new int[0], Shuffle.permutation(0, r));
    assertArrayEquals(new int[] {0}, Shuffle.permutation(1, r));
  }

  @Test
  void parsesCanonicalNames() {
    for (String s : new String[] {"full", "iid:4:1", "skill:4:0.1:A", "skill:4:0.1:B", "dirichlet:0.5:4:3"}) {
      assertEquals(s, DataSplit.parse(s).name());
    }
    assertEquals("skill:4:0.1:A", DataSplit.parse("skill:4:0.1:a").name());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DataSplit.parse("iid:2:2"));
    assertTrue(e.getMessage().contains("0 <= index < shards"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> DataSplit.parse("shard:1"));
    assertThrows(IllegalArgumentException.class, () -> DataSplit.parse("skill:4:x:A"));
    assertThrows(IllegalArgumentException.class, () -> DataSplit.parse("skill:4:0.1:C"));
  }
}
