package org.otfuse.core.ot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** The Vector API kernel pass against a direct loop: rows, tails, odd counts, over-relaxation, NaN. */
class SinkhornSimdTest {

  @Test
  void theTestJvmHasTheVectorApi() {
    // surefire's argLine adds jdk.incubator.vector, as otfuse's launchers and Spark do
    assertTrue(Simd.AVAILABLE, "Sinkhorn would run its scalar loops");
  }

  @Test
  void passMatchesDirectLoops() {
    Random rnd = new Random(11);
    for (int[] shape : new int[][] {{7, 37}, {8, 64}, {5, 3}, {33, 130}}) {
      int n = shape[0];
      int m = shape[1];
      double[] k = new double[n * m];
      for (int i = 0; i < k.length; i++) {
        k[i] = rnd.nextDouble();
      }
      double[] v = rnd.doubles(m, 0.5, 1.5).toArray();
      double[] u = rnd.doubles(n, 0.5, 1.5).toArray();
      double[] a = rnd.doubles(n, 0.1, 1.0).toArray();
      for (double omega : new double[] {1.0, 1.6}) {
        for (int from : new int[] {0, 1}) {
          double[] uNext = new double[n];
          double[] acc = new double[m];
          double e = SinkhornSimd.pass(k, v, u, uNext, a, omega, acc, from, n, m);
          double[] expectAcc = new double[m];
          double expectErr = 0;
          for (int i = from; i < n; i++) {
            double s = 0;
            for (int j = 0; j < m; j++) {
              s += k[i * m + j] * v[j];
            }
            expectErr = Math.max(expectErr, Math.abs(u[i] * s - a[i]));
            double x = omega == 1 ? a[i] / s : u[i] * Math.pow(a[i] / (u[i] * s), omega);
            assertEquals(x, uNext[i], 1e-13 * Math.abs(x), "uNext " + i);
            for (int j = 0; j < m; j++) {
              expectAcc[j] += x * k[i * m + j];
            }
          }
          assertEquals(expectErr, e, 1e-13, n + "x" + m + " error");
          for (int j = 0; j < m; j++) {
            assertEquals(expectAcc[j], acc[j], 1e-12 * Math.abs(expectAcc[j]), "acc " + j);
          }
        }
      }
    }
  }

  @Test
  void aNanRowErrorIsKept() {
    double[] k = {1, 1, 1, 1, 1, 1};
    double[] uNext = new double[2];
    double e = SinkhornSimd.pass(k, new double[] {1, 1, 1}, new double[] {Double.NaN, 1}, uNext,
        new double[] {0.5, 0.5}, 1.0, new double[3], 0, 2, 3);
    assertTrue(Double.isNaN(e), "error " + e);
  }

  @Test
  void kernelRowMatchesDirectLoops() {
    Random rnd = new Random(13);
    for (int m : new int[] {3, 37, 64}) {
      double[] c = rnd.doubles(m, 0, 5).toArray();
      double[] g = rnd.doubles(m, -1, 1).toArray();
      double fi = 0.3;
      double inv = 1 / 0.7;
      double[] k = new double[m + 5];
      double[] acc = rnd.doubles(m, 0, 1).toArray();
      double[] acc0 = acc.clone();
      double[] colMax = rnd.doubles(m, -3, 0).toArray();
      double[] colMax0 = colMax.clone();
      double rowMax = SinkhornSimd.kernelRow(c, fi, g, inv, k, 5, acc, colMax, m);
      double expectMax = Double.NEGATIVE_INFINITY;
      for (int j = 0; j < m; j++) {
        double e = (fi + g[j] - c[j]) * inv;
        double x = Math.exp(e);
        assertEquals(x, k[5 + j], 4e-16 * x, "k " + j);
        assertEquals(acc0[j] + x, acc[j], 1e-15 * (acc0[j] + x), "acc " + j);
        assertEquals(Math.max(colMax0[j], e), colMax[j], 1e-15, "colMax " + j);
        expectMax = Math.max(expectMax, e);
      }
      assertEquals(expectMax, rowMax, 1e-15);
    }
  }
}
