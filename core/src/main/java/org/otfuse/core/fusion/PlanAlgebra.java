package org.otfuse.core.fusion;

import java.util.Arrays;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Applies a transport plan to one axis of a parameter tensor: the axis of size {@code n * e}
 * (n neurons, e positions per neuron, channel-major, as after a flatten) becomes {@code m * e}
 * by contracting the neuron index with the n x m plan {@code T}: {@code P'[.., j, s, ..] =
 * sum_i P[.., i, s, ..] T[i, j]}. On an output axis this is {@code T^T P}; on an input axis
 * {@code P T} (paper eq. 3, with the flatten expansion).
 */
public final class PlanAlgebra {
  private PlanAlgebra() {}

  /** Returns a new tensor; not modified: {@code p}, {@code plan}. */
  public static INDArray apply(INDArray p, int axis, INDArray plan, int expansion) {
    long[] shape = p.shape();
    long n = plan.rows();
    long m = plan.columns();
    if (shape[axis] != n * expansion) {
      throw new IllegalArgumentException("axis " + axis + " of a tensor of shape " + Arrays.toString(shape)
          + " has " + shape[axis] + " entries but the plan has " + n + " rows x " + expansion + " positions");
    }
    int[] source = permutationSources(plan);
    if (source != null) {
      return gather(p, axis, plan, expansion, source);
    }
    int rank = shape.length;
    int[] perm = new int[rank];
    int k = 0;
    for (int d = 0; d < rank; d++) {
      if (d != axis) {
        perm[k++] = d;
      }
    }
    perm[rank - 1] = axis;
    long rest = p.length() / shape[axis];
    // [rest, n, e] -> [rest, e, n] -> (rest*e) x n
    INDArray moved = p.permute(perm).dup('c').reshape('c', rest, n, expansion).permute(0, 2, 1).dup('c')
        .reshape('c', rest * expansion, n);
    INDArray prod = moved.mmul(plan.castTo(p.dataType()));
    // (rest*e) x m -> [rest, e, m] -> [rest, m, e] -> [rest..., m*e]
    long[] movedShape = new long[rank];
    k = 0;
    for (int d = 0; d < rank; d++) {
      if (d != axis) {
        movedShape[k++] = shape[d];
      }
    }
    movedShape[rank - 1] = m * expansion;
    INDArray back = prod.reshape('c', rest, expansion, m).permute(0, 2, 1).dup('c').reshape('c', movedShape);
    int[] inverse = new int[rank];
    for (int d = 0; d < rank; d++) {
      inverse[perm[d]] = d;
    }
    return back.permute(inverse).dup('c');
  }

  /**
   * For a plan with exactly one non-zero per row and per column (what exact OT gives for square
   * uniform marginals), the source row of each column; otherwise null.
   */
  static int[] permutationSources(INDArray plan) {
    long n = plan.rows();
    if (n != plan.columns() || plan.neq(0.0).castTo(org.nd4j.linalg.api.buffer.DataType.INT)
        .sumNumber().longValue() != n) {
      return null;
    }
    int[] src = org.nd4j.linalg.factory.Nd4j.argMax(plan.neq(0.0).castTo(plan.dataType()), 0).toIntVector();
    boolean[] seen = new boolean[(int) n];
    for (int s : src) {
      if (seen[s]) {
        return null;
      }
      seen[s] = true;
    }
    return src;
  }

  /** The permutation case of {@link #apply} as a row gather with per-column scale: no GEMM. */
  private static INDArray gather(INDArray p, int axis, INDArray plan, int expansion, int[] source) {
    long[] shape = p.shape();
    int rank = shape.length;
    int n = source.length;
    int[] perm = new int[rank];
    perm[0] = axis;
    int k = 1;
    for (int d = 0; d < rank; d++) {
      if (d != axis) {
        perm[k++] = d;
      }
    }
    INDArray front = (axis == 0 ? p : p.permute(perm)).dup('c').reshape('c', n, p.length() / n);
    INDArray out = front.getRows(source);
    float[] scale = new float[n];
    boolean unit = true;
    for (int j = 0; j < n; j++) {
      scale[j] = plan.getFloat(source[j], j);
      unit &= scale[j] == 1f;
    }
    if (!unit) {
      out.muliColumnVector(org.nd4j.linalg.factory.Nd4j.createFromArray(scale).castTo(out.dataType()).reshape(n, 1));
    }
    long[] frontShape = new long[rank];
    for (int d = 0; d < rank; d++) {
      frontShape[d] = shape[perm[d]];
    }
    INDArray back = out.reshape('c', frontShape);
    if (axis == 0) {
      return back;
    }
    int[] inverse = new int[rank];
    for (int d = 0; d < rank; d++) {
      inverse[perm[d]] = d;
    }
    return back.permute(inverse).dup('c');
  }
}
