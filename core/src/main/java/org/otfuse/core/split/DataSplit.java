package org.otfuse.core.split;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Which training images one model sees: a pure function of the labels and a seed. All parts of a
 * split (shards {@code 0..K-1}, parts A and B) are drawn from the same seeded randomness, so they
 * are disjoint and together cover the data, whatever order they are trained in.
 *
 * <p>Canonical names (also the command-line syntax): {@code full}, {@code iid:K:i},
 * {@code skill:LABEL:P:A|B}, {@code dirichlet:ALPHA:K:i}.
 */
public sealed interface DataSplit {

  /** Indices (increasing) into the dataset whose labels are {@code labels}. Not modified: labels. */
  int[] indices(int[] labels, long seed);

  /** The canonical name, parseable by {@link #parse}. */
  String name();

  /** Every image. */
  record Full() implements DataSplit {
    @Override
    public int[] indices(int[] labels, long seed) {
      int[] all = new int[labels.length];
      Arrays.setAll(all, i -> i);
      return all;
    }

    @Override
    public String name() {
      return "full";
    }
  }

  /**
   * Shard {@code index} of {@code shards} equal i.i.d. shards: positions
   * {@code [i n / K, (i+1) n / K)} of one seeded permutation of all images.
   */
  record Iid(int shards, int index) implements DataSplit {
    public Iid {
      if (shards < 1 || index < 0 || index >= shards) {
        throw new IllegalArgumentException("iid split shard " + index + " of " + shards
            + " is invalid; expected shards >= 1 and 0 <= index < shards");
      }
    }

    @Override
    public int[] indices(int[] labels, long seed) {
      int n = labels.length;
      int[] perm = Shuffle.permutation(n, new SplittableRandom(seed));
      int from = (int) ((long) index * n / shards);
      int to = (int) ((long) (index + 1) * n / shards);
      int[] out = Arrays.copyOfRange(perm, from, to);
      Arrays.sort(out);
      return out;
    }

    @Override
    public String name() {
      return "iid:" + shards + ":" + index;
    }
  }

  /** Part of the skill-transfer split. */
  enum Part {
    /** The special label and a fraction p of every other label. */
    A,
    /** The remaining 1 - p of every other label (never the special label). */
    B
  }

  /**
   * The paper's skill-transfer split (Singh and Jaggi 2020, Section 5.1; the reference's
   * {@code --personal-class-idx 4 --personal-split-frac 0.1}): model A sees every image of
   * {@code label} plus, of every other label, a seeded fraction {@code p} (rounded per label);
   * model B sees the rest of the other labels. A and B are disjoint and cover the data.
   */
  record Skill(int label, double fraction, Part part) implements DataSplit {
    public Skill {
      if (label < 0) {
        throw new IllegalArgumentException("skill split label is " + label + " but must be >= 0");
      }
      if (!(fraction >= 0 && fraction <= 1)) {
        throw new IllegalArgumentException("skill split fraction is " + fraction + " but must be in [0, 1]");
      }
      if (part == null) {
        throw new IllegalArgumentException("skill split part is null; expected A or B");
      }
    }

    @Override
    public int[] indices(int[] labels, long seed) {
      SplittableRandom rng = new SplittableRandom(seed);
      List<int[]> byLabel = byLabel(labels);
      if (label >= byLabel.size() || byLabel.get(label).length == 0) {
        throw new IllegalArgumentException("skill split label " + label + " has no images (labels 0.."
            + (byLabel.size() - 1) + ")");
      }
      List<Integer> out = new ArrayList<>();
      for (int c = 0; c < byLabel.size(); c++) {
        int[] members = byLabel.get(c);
        Shuffle.shuffle(members, rng.split());
        if (c == label) {
          if (part == Part.A) {
            for (int i : members) {
              out.add(i);
            }
          }
          continue;
        }
        int cut = (int) Math.round(fraction * members.length);
        int from = part == Part.A ? 0 : cut;
        int to = part == Part.A ? cut : members.length;
        for (int i = from; i < to; i++) {
          out.add(members[i]);
        }
      }
      return sorted(out);
    }

    @Override
    public String name() {
      return "skill:" + label + ":" + fraction + ":" + part;
    }
  }

  /**
   * Client {@code index} of {@code clients} under Dirichlet({@code alpha}) label skew (Hsu, Qi and
   * Brown 2019): for every label, proportions {@code q ~ Dir(alpha 1_K)} are drawn and the label's
   * shuffled images are cut at the cumulative proportions. Small alpha: each client holds few
   * labels; large alpha: close to i.i.d.
   */
  record Dirichlet(double alpha, int clients, int index) implements DataSplit {
    public Dirichlet {
      if (!(alpha > 0) || !Double.isFinite(alpha)) {
        throw new IllegalArgumentException("Dirichlet alpha is " + alpha + " but must be > 0 and finite");
      }
      if (clients < 1 || index < 0 || index >= clients) {
        throw new IllegalArgumentException("Dirichlet client " + index + " of " + clients
            + " is invalid; expected clients >= 1 and 0 <= index < clients");
      }
    }

    @Override
    public int[] indices(int[] labels, long seed) {
      SplittableRandom rng = new SplittableRandom(seed);
      List<Integer> out = new ArrayList<>();
      for (int[] members : byLabel(labels)) {
        SplittableRandom r = rng.split();
        Shuffle.shuffle(members, r);
        double[] q = dirichlet(alpha, clients, r);
        double cum = 0;
        for (int k = 0; k < index; k++) {
          cum += q[k];
        }
        int from = (int) Math.round(cum * members.length);
        int to = index == clients - 1 ? members.length : (int) Math.round((cum + q[index]) * members.length);
        for (int i = from; i < to; i++) {
          out.add(members[i]);
        }
      }
      return sorted(out);
    }

    @Override
    public String name() {
      return "dirichlet:" + alpha + ":" + clients + ":" + index;
    }
  }

  /** Parses a canonical name; fails naming the accepted forms. */
  static DataSplit parse(String s) {
    String t = s.trim();
    String[] p = t.split(":");
    try {
      switch (p[0].toLowerCase(Locale.ROOT)) {
        case "full":
          if (p.length == 1) {
            return new Full();
          }
          break;
        case "iid":
          if (p.length == 3) {
            return new Iid(Integer.parseInt(p[1]), Integer.parseInt(p[2]));
          }
          break;
        case "skill":
          if (p.length == 4) {
            return new Skill(Integer.parseInt(p[1]), Double.parseDouble(p[2]),
                Part.valueOf(p[3].toUpperCase(Locale.ROOT)));
          }
          break;
        case "dirichlet":
          if (p.length == 4) {
            return new Dirichlet(Double.parseDouble(p[1]), Integer.parseInt(p[2]), Integer.parseInt(p[3]));
          }
          break;
        default:
          break;
      }
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("split '" + s + "': " + e.getMessage()
          + "; expected full, iid:K:i, skill:LABEL:P:A|B or dirichlet:ALPHA:K:i", e);
    } catch (IllegalArgumentException e) {
      if (e.getMessage() != null && e.getMessage().startsWith("No enum constant")) {
        throw new IllegalArgumentException("split '" + s + "': part must be A or B", e);
      }
      throw e;
    }
    throw new IllegalArgumentException("split '" + s + "' is not full, iid:K:i, skill:LABEL:P:A|B or"
        + " dirichlet:ALPHA:K:i (e.g. iid:2:0, skill:4:0.1:A, dirichlet:0.5:4:1)");
  }

  // ------------------------------------------------------------------ helpers

  private static List<int[]> byLabel(int[] labels) {
    int k = 0;
    for (int y : labels) {
      if (y < 0) {
        throw new IllegalArgumentException("negative label " + y);
      }
      k = Math.max(k, y + 1);
    }
    int[] counts = new int[k];
    for (int y : labels) {
      counts[y]++;
    }
    List<int[]> out = new ArrayList<>();
    for (int c = 0; c < k; c++) {
      out.add(new int[counts[c]]);
    }
    int[] fill = new int[k];
    for (int i = 0; i < labels.length; i++) {
      out.get(labels[i])[fill[labels[i]]++] = i;
    }
    return out;
  }

  private static int[] sorted(List<Integer> list) {
    int[] out = list.stream().mapToInt(Integer::intValue).toArray();
    Arrays.sort(out);
    return out;
  }

  /** A Dirichlet(alpha, ..., alpha) draw of length k from normalised Gamma(alpha, 1) draws. */
  static double[] dirichlet(double alpha, int k, SplittableRandom rng) {
    double[] g = new double[k];
    double sum = 0;
    for (int i = 0; i < k; i++) {
      g[i] = gamma(alpha, rng);
      sum += g[i];
    }
    if (!(sum > 0)) {
      // Every draw underflowed (tiny alpha): put all mass on one client, as the limit alpha -> 0.
      Arrays.fill(g, 0);
      g[rng.nextInt(k)] = 1;
      return g;
    }
    for (int i = 0; i < k; i++) {
      g[i] /= sum;
    }
    return g;
  }

  /** Gamma(shape, 1) by Marsaglia and Tsang (2000), with the U^(1/shape) boost for shape < 1. */
  static double gamma(double shape, SplittableRandom rng) {
    if (shape < 1) {
      double u = rng.nextDouble();
      return gamma(shape + 1, rng) * Math.pow(u, 1.0 / shape);
    }
    double d = shape - 1.0 / 3;
    double c = 1 / Math.sqrt(9 * d);
    while (true) {
      double x;
      double v;
      do {
        x = gaussian(rng);
        v = 1 + c * x;
      } while (v <= 0);
      v = v * v * v;
      double u = rng.nextDouble();
      if (u < 1 - 0.0331 * x * x * x * x || Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) {
        return d * v;
      }
    }
  }

  private static double gaussian(SplittableRandom rng) {
    double u1 = 1 - rng.nextDouble();
    double u2 = rng.nextDouble();
    return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  }
}
