package org.otfuse.core.fusion;

import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.util.Arrays;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;
import org.otfuse.core.io.Tensors;
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

  /**
   * A plan ready to be applied to many tensors: the plan and, when it is a permutation (one
   * non-zero per row and column), the source row of each column and that entry, found once.
   */
  public record Prepared(INDArray plan, int[] source, double[] scale) {
    /** Whether {@link #apply} gathers rows instead of multiplying. */
    public boolean isPermutation() {
      return source != null;
    }
  }

  /** Prepares {@code plan} for {@link #apply(INDArray, int, Prepared, int)}; not modified. */
  public static Prepared prepare(INDArray plan) {
    if (plan.rows() != plan.columns() || plan.rows() > Integer.MAX_VALUE) {
      return new Prepared(plan, null, null);
    }
    return prepare(plan, entries(plan));
  }

  /**
   * {@link #prepare(INDArray)} from the row-major entries of a square plan, already read (see
   * {@link #entries(INDArray)}).
   */
  public static Prepared prepare(INDArray plan, double[] entries) {
    int n = (int) plan.rows();
    int[] source = plan.columns() == n ? permutationSources(entries, n) : null;
    if (source == null) {
      return new Prepared(plan, null, null);
    }
    double[] scale = new double[n];
    for (int j = 0; j < n; j++) {
      scale[j] = entries[source[j] * n + j];
    }
    return new Prepared(plan, source, scale);
  }

  /** Returns a new tensor; not modified: {@code p}, {@code plan}. */
  public static INDArray apply(INDArray p, int axis, INDArray plan, int expansion) {
    return apply(p, axis, prepare(plan), expansion);
  }

  /** {@link #apply(INDArray, int, INDArray, int)} with a prepared plan. */
  public static INDArray apply(INDArray p, int axis, Prepared prepared, int expansion) {
    INDArray plan = prepared.plan();
    long[] shape = p.shape();
    long n = plan.rows();
    long m = plan.columns();
    if (shape[axis] != n * expansion) {
      throw new IllegalArgumentException("axis " + axis + " of a tensor of shape " + Arrays.toString(shape)
          + " has " + shape[axis] + " entries but the plan has " + n + " rows x " + expansion + " positions");
    }
    if (prepared.isPermutation()) {
      return gather(p, axis, prepared.source(), prepared.scale());
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
    INDArray prod = moved.mmul(plan.dataType() == p.dataType() ? plan : plan.castTo(p.dataType()));
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
   * uniform marginals), the source row of each column; otherwise null. One pass over the plan's
   * entries on the JVM: a handful of ND4J ops (compare, cast, sum, argmax) cost more here than
   * the scan, measured on the two-VGG11 fusion of {@code otfuse bench ot --cases vgg11}.
   *
   * @param t the row-major entries of an n x n plan
   */
  static int[] permutationSources(double[] t, int n) {
    int[] src = new int[n];
    java.util.Arrays.fill(src, -1);
    for (int i = 0; i < n; i++) {
      int found = -1;
      int base = i * n;
      for (int j = 0; j < n; j++) {
        if (t[base + j] != 0.0) {
          if (found >= 0 || src[j] >= 0) {
            return null;
          }
          found = j;
        }
      }
      if (found < 0) {
        return null;
      }
      src[found] = i;
    }
    return src;
  }

  /** The entries of a matrix as a new row-major float64 array. */
  static double[] entries(INDArray plan) {
    INDArray c = Tensors.dense(plan.dataType() == DataType.DOUBLE ? plan : plan.castTo(DataType.DOUBLE));
    double[] out = new double[(int) c.length()];
    c.data().asNioDouble().get(0, out); // one bulk copy (DataBuffer.asDouble() reads entry by entry)
    return out;
  }

  /**
   * The permutation case of {@link #apply}: {@code out[o, j, :] = scale_j * p[o, source_j, :]}
   * over the tensor viewed as {@code outer x n x (expansion * inner)}, as bulk copies between
   * the off-heap buffers (no permute, no GEMM).
   */
  private static INDArray gather(INDArray p, int axis, int[] source, double[] scale) {
    long[] shape = p.shape();
    int n = source.length;
    boolean unit = true;
    for (int j = 0; j < n; j++) {
      unit &= scale[j] == 1.0;
    }
    long outer = 1;
    for (int d = 0; d < axis; d++) {
      outer *= shape[d];
    }
    long block = p.length() / outer / n;
    DataType type = p.dataType();
    if ((type != DataType.FLOAT && type != DataType.DOUBLE) || p.length() > Integer.MAX_VALUE) {
      return gatherByRows(p, axis, source, scale, unit);
    }
    INDArray in = Tensors.dense(p);
    INDArray out = Nd4j.createUninitialized(type, shape);
    int b = (int) block;
    if (type == DataType.FLOAT) {
      FloatBuffer src = in.data().asNioFloat();
      FloatBuffer dst = out.data().asNioFloat();
      float[] row = new float[b];
      for (long o = 0; o < outer; o++) {
        int base = (int) (o * n * block);
        for (int j = 0; j < n; j++) {
          src.get(base + source[j] * b, row, 0, b);
          if (!unit) {
            float s = (float) scale[j];
            for (int k = 0; k < b; k++) {
              row[k] *= s;
            }
          }
          dst.put(base + j * b, row, 0, b);
        }
      }
    } else {
      DoubleBuffer src = in.data().asNioDouble();
      DoubleBuffer dst = out.data().asNioDouble();
      double[] row = new double[b];
      for (long o = 0; o < outer; o++) {
        int base = (int) (o * n * block);
        for (int j = 0; j < n; j++) {
          src.get(base + source[j] * b, row, 0, b);
          if (!unit) {
            double s = scale[j];
            for (int k = 0; k < b; k++) {
              row[k] *= s;
            }
          }
          dst.put(base + j * b, row, 0, b);
        }
      }
    }
    return out;
  }

  /** {@link #gather} for other dtypes: ND4J row gather on the tensor with the axis moved first. */
  private static INDArray gatherByRows(INDArray p, int axis, int[] source, double[] scale, boolean unit) {
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
    if (!unit) {
      out.muliColumnVector(Nd4j.createFromArray(scale).castTo(out.dataType()).reshape(n, 1));
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
