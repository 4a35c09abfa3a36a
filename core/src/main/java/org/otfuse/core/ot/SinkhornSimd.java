package org.otfuse.core.ot;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The kernel pass of {@link Sinkhorn} with the JDK's Vector API: per row, the dot product {@code
 * (K v)_i} in SIMD lanes with fused multiply-adds (HotSpot does not vectorise a floating-point sum
 * reduction on its own, so the scalar loop runs one lane), and the accumulation of {@code K^T u}.
 * Loaded only when {@link Simd#AVAILABLE}. The sums are formed in another order than the scalar
 * loop's, so results agree with it to rounding, not bit for bit.
 */
final class SinkhornSimd {
  private static final VectorSpecies<Double> S = DoubleVector.SPECIES_PREFERRED;

  private SinkhornSimd() {}

  static int lanes() {
    return S.length();
  }

  /**
   * Rows {@code [from, to)} of one pass: for each row {@code s = (K v)_i}, the row error {@code
   * |u_i s - a_i|}, the next scaling {@code uNext_i} (plain, or over-relaxed with {@code omega}),
   * and {@code acc += uNext_i K_i}. Returns the largest row error (NaN if one is NaN).
   */
  static double pass(double[] k, double[] v, double[] u, double[] uNext, double[] a, double omega,
      double[] acc, int from, int to, int m) {
    int bound = S.loopBound(m);
    int step = S.length();
    double e = 0;
    int i = from;
    for (; i + 1 < to; i += 2) {
      int b0 = i * m;
      int b1 = b0 + m;
      DoubleVector s0 = DoubleVector.zero(S);
      DoubleVector s1 = DoubleVector.zero(S);
      int j = 0;
      for (; j < bound; j += step) {
        DoubleVector vj = DoubleVector.fromArray(S, v, j);
        s0 = DoubleVector.fromArray(S, k, b0 + j).fma(vj, s0);
        s1 = DoubleVector.fromArray(S, k, b1 + j).fma(vj, s1);
      }
      double sa = s0.reduceLanes(VectorOperators.ADD);
      double sb = s1.reduceLanes(VectorOperators.ADD);
      for (; j < m; j++) {
        sa += k[b0 + j] * v[j];
        sb += k[b1 + j] * v[j];
      }
      double da = Math.abs(u[i] * sa - a[i]);
      double db = Math.abs(u[i + 1] * sb - a[i + 1]);
      e = da > e || da != da ? da : e; // keeps a NaN
      e = db > e || db != db ? db : e;
      double xa = omega == 1 ? a[i] / sa : u[i] * Math.pow(a[i] / (u[i] * sa), omega);
      double xb = omega == 1 ? a[i + 1] / sb : u[i + 1] * Math.pow(a[i + 1] / (u[i + 1] * sb), omega);
      uNext[i] = xa;
      uNext[i + 1] = xb;
      DoubleVector wa = DoubleVector.broadcast(S, xa);
      DoubleVector wb = DoubleVector.broadcast(S, xb);
      j = 0;
      for (; j < bound; j += step) {
        DoubleVector t = DoubleVector.fromArray(S, acc, j);
        t = DoubleVector.fromArray(S, k, b0 + j).fma(wa, t);
        t = DoubleVector.fromArray(S, k, b1 + j).fma(wb, t);
        t.intoArray(acc, j);
      }
      for (; j < m; j++) {
        acc[j] += xa * k[b0 + j] + xb * k[b1 + j];
      }
    }
    for (; i < to; i++) {
      int base = i * m;
      DoubleVector s0 = DoubleVector.zero(S);
      int j = 0;
      for (; j < bound; j += step) {
        s0 = DoubleVector.fromArray(S, k, base + j).fma(DoubleVector.fromArray(S, v, j), s0);
      }
      double s = s0.reduceLanes(VectorOperators.ADD);
      for (; j < m; j++) {
        s += k[base + j] * v[j];
      }
      double d = Math.abs(u[i] * s - a[i]);
      e = d > e || d != d ? d : e;
      double x = omega == 1 ? a[i] / s : u[i] * Math.pow(a[i] / (u[i] * s), omega);
      uNext[i] = x;
      DoubleVector w = DoubleVector.broadcast(S, x);
      j = 0;
      for (; j < bound; j += step) {
        DoubleVector t = DoubleVector.fromArray(S, acc, j);
        DoubleVector.fromArray(S, k, base + j).fma(w, t).intoArray(acc, j);
      }
      for (; j < m; j++) {
        acc[j] += x * k[base + j];
      }
    }
    return e;
  }

  /**
   * One row of the kernel: {@code e_j = (fi + g_j - c_j) / reg}, {@code k[base + j] = exp(e_j)},
   * {@code acc_j += k[base + j]}, {@code colMax_j = max(colMax_j, e_j)}; returns {@code max_j e_j}.
   * The exponential is the Vector API's ({@code VectorOperators.EXP}, within 1 ulp of {@link
   * Math#exp}).
   */
  static double kernelRow(double[] c, double fi, double[] g, double inv, double[] k, int base, double[] acc,
      double[] colMax, int m) {
    int bound = S.loopBound(m);
    int step = S.length();
    DoubleVector mx = DoubleVector.broadcast(S, Double.NEGATIVE_INFINITY);
    DoubleVector f = DoubleVector.broadcast(S, fi);
    int j = 0;
    for (; j < bound; j += step) {
      DoubleVector e = f.add(DoubleVector.fromArray(S, g, j)).sub(DoubleVector.fromArray(S, c, j)).mul(inv);
      DoubleVector x = e.lanewise(VectorOperators.EXP);
      x.intoArray(k, base + j);
      DoubleVector.fromArray(S, acc, j).add(x).intoArray(acc, j);
      mx = mx.max(e);
      DoubleVector.fromArray(S, colMax, j).max(e).intoArray(colMax, j);
    }
    double rowMax = mx.reduceLanes(VectorOperators.MAX);
    for (; j < m; j++) {
      double e = (fi + g[j] - c[j]) * inv;
      double x = Math.exp(e);
      k[base + j] = x;
      acc[j] += x;
      rowMax = Math.max(rowMax, e);
      colMax[j] = Math.max(colMax[j], e);
    }
    return rowMax;
  }

  /**
   * {@code {min, max, sum of x * 0}} of {@code x[0, len)} (the last is NaN iff some entry is not
   * finite), folded into {@code acc} ({@code acc[0] = min}, {@code acc[1] = max}, {@code acc[2] +=}).
   */
  static void minMax(double[] x, int len, double[] acc) {
    int bound = S.loopBound(len);
    int step = S.length();
    DoubleVector mn = DoubleVector.broadcast(S, acc[0]);
    DoubleVector mx = DoubleVector.broadcast(S, acc[1]);
    DoubleVector bad = DoubleVector.zero(S);
    int j = 0;
    for (; j < bound; j += step) {
      DoubleVector v = DoubleVector.fromArray(S, x, j);
      mn = mn.min(v);
      mx = mx.max(v);
      bad = bad.add(v.mul(0.0));
    }
    double lo = mn.reduceLanes(VectorOperators.MIN);
    double hi = mx.reduceLanes(VectorOperators.MAX);
    double b = bad.reduceLanes(VectorOperators.ADD);
    for (; j < len; j++) {
      lo = Math.min(lo, x[j]);
      hi = Math.max(hi, x[j]);
      b += x[j] * 0.0;
    }
    acc[0] = lo;
    acc[1] = hi;
    acc[2] += b;
  }
}
