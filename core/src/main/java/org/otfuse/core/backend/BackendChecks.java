package org.otfuse.core.backend;

import org.otfuse.core.ot.CostNormalization;
import org.otfuse.core.ot.OtConvergenceException;

/**
 * Argument checks and failure messages shared by every {@link TransportBackend}, so that all of
 * them reject the same inputs with the same words ({@link org.otfuse.core.ot.Sinkhorn}'s).
 */
final class BackendChecks {
  private BackendChecks() {}

  /** {@code org.otfuse.core.ot.TransportSolver.BALANCE_TOLERANCE}, repeated to stay ND4J-free. */
  static final double BALANCE_TOLERANCE = 1e-9;

  /** The largest {@code n * m} a Java array (and so a cost or plan) can hold. */
  static final long MAX_ENTRIES = Integer.MAX_VALUE - 8;

  static void requireCostShape(float[] cost, int n, int m) {
    requireShape(n, m);
    if (cost == null) {
      throw new IllegalArgumentException("cost is null");
    }
    if (cost.length != (long) n * m) {
      throw new IllegalArgumentException("cost has " + cost.length + " entries but n x m = " + n
          + " x " + m + " needs " + (long) n * m);
    }
  }

  static void requireShape(int n, int m) {
    if (n < 1 || m < 1) {
      throw new IllegalArgumentException(
          "the cost is " + n + " x " + m + " but needs at least one row and one column");
    }
    if ((long) n * m > MAX_ENTRIES) {
      throw new IllegalArgumentException("the cost is " + n + " x " + m + " = " + (long) n * m
          + " entries but a Java array holds at most " + MAX_ENTRIES);
    }
  }

  static void requireLength(double[] v, int length, String name) {
    if (v == null) {
      throw new IllegalArgumentException(name + " is null");
    }
    if (v.length != length) {
      throw new IllegalArgumentException(
          name + " has length " + v.length + " but must have " + length);
    }
  }

  /** Points {@code x} ({@code n x d}): shape and finiteness. */
  static void requirePoints(float[] x, int n, int d, String name) {
    if (x == null) {
      throw new IllegalArgumentException(name + " is null");
    }
    if (n < 1 || d < 1) {
      throw new IllegalArgumentException(
          name + " is " + n + " x " + d + " but needs at least one row and one column");
    }
    if (x.length != (long) n * d) {
      throw new IllegalArgumentException(name + " has " + x.length + " entries but " + n + " x "
          + d + " needs " + (long) n * d);
    }
  }

  static void requireFinitePoints(float[] x, int d, String name) {
    for (int i = 0; i < x.length; i++) {
      if (!Float.isFinite(x[i])) {
        throw new IllegalArgumentException(name + "[" + i / d + ", " + i % d + "] = " + x[i]
            + " but every entry must be finite");
      }
    }
  }

  static void requireFiniteCost(float[] cost, int m) {
    for (int i = 0; i < cost.length; i++) {
      if (!Float.isFinite(cost[i])) {
        throw new IllegalArgumentException("cost[" + i / m + ", " + i % m + "] = " + cost[i]
            + " but every entry must be finite");
      }
    }
  }

  /** Masses finite and {@code > 0}, lengths {@code n} and {@code m}, equal totals. */
  static void requireMasses(double[] a, double[] b, int n, int m) {
    requireLength(a, n, "a");
    requireLength(b, m, "b");
    double sa = positiveTotal(a, "a");
    double sb = positiveTotal(b, "b");
    if (Math.abs(sa - sb) > BALANCE_TOLERANCE * Math.max(sa, sb)) {
      throw new IllegalArgumentException("marginals must have the same total within "
          + BALANCE_TOLERANCE + " relative but sum(a) = " + sa + " and sum(b) = " + sb
          + " (difference " + (sa - sb) + ")");
    }
  }

  private static double positiveTotal(double[] v, String name) {
    double s = 0;
    for (int i = 0; i < v.length; i++) {
      if (!Double.isFinite(v[i]) || !(v[i] > 0)) {
        throw new IllegalArgumentException(name + "[" + i + "] = " + v[i]
            + " but Sinkhorn needs every mass finite and > 0");
      }
      s += v[i];
    }
    return s;
  }

  static void requireReg(double reg) {
    if (!(reg > 0) || Double.isInfinite(reg)) {
      throw new IllegalArgumentException("reg is " + reg + " but must be finite and > 0");
    }
  }

  static void requireIterations(int iterations) {
    if (iterations < 1) {
      throw new IllegalArgumentException("iterations is " + iterations + " but must be >= 1");
    }
  }

  static void requireSupported(CostNormalization normalization) {
    if (normalization != CostNormalization.NONE && normalization != CostNormalization.MAX
        && normalization != CostNormalization.MEAN) {
      throw new IllegalArgumentException("normalization is " + normalization + " but a "
          + "TransportBackend supports NONE, MAX and MEAN; use GroundCost.normalize for the others");
    }
  }

  /**
   * Divides the cost by its max or mean (a float64 statistic; each entry multiplied by the float32
   * {@code 1 / stat}, as on the GPU); modifies {@code cost}.
   *
   * @return the divisor (1 for NONE)
   */
  static double normalizeInPlace(float[] cost, CostNormalization normalization) {
    requireSupported(normalization);
    if (normalization == CostNormalization.NONE) {
      return 1;
    }
    double stat;
    if (normalization == CostNormalization.MAX) {
      double mx = Double.NEGATIVE_INFINITY;
      for (float c : cost) {
        mx = Math.max(mx, c);
      }
      stat = mx;
    } else {
      double s = 0;
      for (float c : cost) {
        s += c;
      }
      stat = s / cost.length;
    }
    requirePositiveStat(stat, normalization);
    float inv = (float) (1 / stat); // a float32 multiply, as the GPU does
    for (int i = 0; i < cost.length; i++) {
      cost[i] *= inv;
    }
    return stat;
  }

  static void requirePositiveStat(double stat, CostNormalization normalization) {
    if (!(stat > 0) || Double.isInfinite(stat)) {
      throw new IllegalArgumentException("cannot normalise the cost by its "
          + normalization.name().toLowerCase(java.util.Locale.ROOT) + " = " + stat
          + "; it must be finite and > 0 (use CostNormalization.NONE)");
    }
  }

  /** {@link org.otfuse.core.ot.Sinkhorn}'s message when the iteration limit is reached. */
  static OtConvergenceException notConverged(String backend, double reg, int maxIterations,
      double err, double tol) {
    return new OtConvergenceException(String.format(
        "Sinkhorn did not converge: reg = %s, %d iterations (maxIterations), marginal error %s"
            + " > tolerance %s; raise maxIterations or reg, or warm-start from a larger reg"
            + " [%s]", reg, maxIterations, err, tol, backend), reg, maxIterations, err);
  }

  /** {@link org.otfuse.core.ot.Sinkhorn}'s message when a NaN or infinity appears. */
  static OtConvergenceException nonFinite(String backend, SinkhornForm form, double reg,
      int iterations, double err, double tol) {
    String hint = form == SinkhornForm.KERNEL
        ? "; the kernel exp(-C/reg) underflowed (a row or column of it is 0) or the scalings"
            + " overflowed: use SinkhornForm.LOG or a larger reg"
        : "; use a larger reg or Precision.FLOAT64";
    return new OtConvergenceException(String.format("Sinkhorn produced a NaN or infinity:"
        + " reg = %s, after %d iterations, marginal error %s (tolerance %s)%s [%s, %s form]",
        reg, iterations, err, tol, hint, backend, form.name().toLowerCase(java.util.Locale.ROOT)),
        reg, iterations, err);
  }
}
