package org.otfuse.core.fusion;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The permutation fast path of {@link PlanAlgebra#apply} (bulk row copies) against the general
 * path (a GEMM with the same plan made non-permutation by an extra tiny entry removed again), and
 * against a direct loop, for every axis, with expansions, scales, float32 and float64.
 */
class PlanAlgebraTest {

  /** A permutation plan {@code T[src[j], j] = scale_j}. */
  private static INDArray permutationPlan(int[] src, double[] scale) {
    INDArray t = Nd4j.zeros(DataType.DOUBLE, src.length, src.length);
    for (int j = 0; j < src.length; j++) {
      t.putScalar(src[j], j, scale[j]);
    }
    return t;
  }

  /** {@code out[.., j*e + s, ..] = sum_i p[.., i*e + s, ..] T[i, j]} by plain loops. */
  private static INDArray direct(INDArray p, int axis, INDArray t, int e) {
    long[] shape = p.shape().clone();
    int n = (int) t.rows();
    int m = (int) t.columns();
    shape[axis] = (long) m * e;
    INDArray out = Nd4j.zeros(DataType.DOUBLE, shape);
    INDArray pd = p.castTo(DataType.DOUBLE);
    long outer = 1;
    for (int d = 0; d < axis; d++) {
      outer *= shape[d];
    }
    long inner = pd.length() / outer / ((long) n * e);
    INDArray flatIn = pd.reshape('c', outer, (long) n * e, inner);
    INDArray flatOut = out.reshape('c', outer, (long) m * e, inner);
    for (long o = 0; o < outer; o++) {
      for (int j = 0; j < m; j++) {
        for (int s = 0; s < e; s++) {
          for (long q = 0; q < inner; q++) {
            double sum = 0;
            for (int i = 0; i < n; i++) {
              sum += flatIn.getDouble(o, (long) i * e + s, q) * t.getDouble(i, j);
            }
            flatOut.putScalar(new long[] {o, (long) j * e + s, q}, sum);
          }
        }
      }
    }
    return flatOut.reshape('c', shape);
  }

  @Test
  void permutationPlansGatherWhatTheGemmComputes() {
    Random rnd = new Random(3);
    int n = 6;
    long[][] shapes = {{n, 4, 3, 3}, {5, n, 3, 3}, {4, n * 2}, {n}};
    int[] axes = {0, 1, 1, 0};
    int[] expansions = {1, 1, 2, 1};
    for (DataType type : new DataType[] {DataType.FLOAT, DataType.DOUBLE}) {
      for (int c = 0; c < shapes.length; c++) {
        INDArray p = Nd4j.rand(DataType.DOUBLE, shapes[c]).subi(0.5).castTo(type);
        INDArray before = p.dup();
        int[] src = PermutationInvarianceTest.shuffle(n, rnd);
        double[] unit = new double[n];
        double[] scaled = new double[n];
        for (int j = 0; j < n; j++) {
          unit[j] = 1.0;
          scaled[j] = 0.5 + j;
        }
        for (double[] scale : new double[][] {unit, scaled}) {
          INDArray t = permutationPlan(src, scale);
          PlanAlgebra.Prepared prepared = PlanAlgebra.prepare(t);
          assertTrue(prepared.isPermutation());
          for (int j = 0; j < n; j++) {
            assertEquals(src[j], prepared.source()[j]);
          }
          INDArray x = shapes[c].length == 1 ? p.reshape(n, 1) : p;
          INDArray fast = PlanAlgebra.apply(x, axes[c], t, expansions[c]);
          assertEquals(type, fast.dataType());
          assertArrayEquals(x.shape(), fast.shape());
          INDArray expected = direct(x, axes[c], t, expansions[c]);
          double tol = type == DataType.FLOAT ? 1e-6 : 1e-14;
          assertTrue(expected.castTo(DataType.DOUBLE).equalsWithEps(fast.castTo(DataType.DOUBLE), tol),
              type + " shape " + java.util.Arrays.toString(shapes[c]) + " axis " + axes[c]);
          assertEquals(before, p, "input modified");
        }
      }
    }
  }

  @Test
  void nonPermutationPlansTakeTheGeneralPath() {
    Random rnd = new Random(5);
    int n = 5;
    INDArray t = permutationPlan(PermutationInvarianceTest.shuffle(n, rnd), new double[] {1, 1, 1, 1, 1});
    t.putScalar(0, 0, t.getDouble(0, 0) + 0.25); // a second entry in row 0 or column 0
    assertFalse(PlanAlgebra.prepare(t).isPermutation());
    INDArray p = Nd4j.rand(DataType.FLOAT, 3, n * 2);
    INDArray got = PlanAlgebra.apply(p, 1, t, 2);
    assertTrue(direct(p, 1, t, 2).equalsWithEps(got.castTo(DataType.DOUBLE), 1e-6));
    INDArray rect = Nd4j.rand(DataType.DOUBLE, n, 3);
    assertFalse(PlanAlgebra.prepare(rect).isPermutation());
    INDArray wide = PlanAlgebra.apply(Nd4j.rand(DataType.FLOAT, n, 4), 0, rect, 1);
    assertArrayEquals(new long[] {3, 4}, wide.shape());
  }
}
