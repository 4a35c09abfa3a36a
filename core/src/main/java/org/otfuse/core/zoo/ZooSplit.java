package org.otfuse.core.zoo;

import java.io.Serializable;
import java.util.Arrays;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.otfuse.core.split.Shuffle;

/**
 * Which training images a zoo model sees: all of them ({@code full}) or shard {@code i} of
 * {@code n} disjoint, equally sized iid shards ({@code iid-i-of-n}) of a permutation drawn from
 * {@code seed} (the same permutation for every shard of a split, so shards never overlap). The
 * paper's heterogeneous-data experiments train the parents on different shards.
 *
 * @param shard 0-based shard index ({@code 0} for full)
 * @param shards number of shards ({@code 1} for full)
 */
public record ZooSplit(int shard, int shards) implements Serializable {
  private static final long serialVersionUID = 1L;
  private static final Pattern IID = Pattern.compile("iid-(\\d+)-of-(\\d+)");
  /** Seed of the shard permutation, fixed so that a model id names exactly one image set. */
  public static final long SHARD_SEED = 20200101L;

  /** All training images. */
  public static final ZooSplit FULL = new ZooSplit(0, 1);

  public ZooSplit {
    if (shards < 1 || shard < 0 || shard >= shards) {
      throw new IllegalArgumentException("split shard " + shard + " of " + shards
          + " is invalid; expected 0 <= shard < shards and shards >= 1");
    }
  }

  /** Parses {@code full} or {@code iid-I-of-N}; fails naming the accepted forms. */
  public static ZooSplit parse(String s) {
    String t = s.trim();
    if (t.equals("full")) {
      return FULL;
    }
    Matcher m = IID.matcher(t);
    if (m.matches()) {
      return new ZooSplit(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)));
    }
    throw new IllegalArgumentException("split '" + s + "' is not 'full' or 'iid-I-of-N' (e.g. iid-0-of-2)");
  }

  /** The canonical name ({@code full} or {@code iid-I-of-N}), used in model ids. */
  public String name() {
    return shards == 1 ? "full" : "iid-" + shard + "-of-" + shards;
  }

  /**
   * The training-set indices of this split among {@code n} images, in increasing order.
   * Shard {@code i} takes positions {@code [i n / shards, (i + 1) n / shards)} of a permutation
   * drawn from {@link #SHARD_SEED}.
   */
  public int[] indices(int n) {
    if (shards == 1) {
      int[] all = new int[n];
      Arrays.setAll(all, i -> i);
      return all;
    }
    int[] perm = Shuffle.permutation(n, new Random(SHARD_SEED));
    int from = (int) ((long) shard * n / shards);
    int to = (int) ((long) (shard + 1) * n / shards);
    int[] out = Arrays.copyOfRange(perm, from, to);
    Arrays.sort(out);
    return out;
  }

  @Override
  public String toString() {
    return name();
  }
}
