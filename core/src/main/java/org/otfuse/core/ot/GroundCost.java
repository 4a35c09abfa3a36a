package org.otfuse.core.ot;

import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.otfuse.core.io.Tensors;

/**
 * Ground cost matrices between two sets of neurons (Singh and Jaggi 2020, Section 4: the cost
 * {@code C_ij = d(x_i, y_j)} between the incoming weight vectors, or activations, of neuron
 * {@code i} of one model and neuron {@code j} of the target model, the {@code C} of the OT
 * problem, eq. (1)). Mirrors the reference implementation's {@code ground_metric.py}.
 *
 * <p>All results are new float64 ({@code DOUBLE}) arrays; the inputs are never modified. The
 * only {@code O(n m d)} work is one BLAS GEMM {@code x y^T} per row block of {@code x}, in
 * float64 by default ({@link Precision#FLOAT64}: inputs of any floating dtype are read as float64)
 * or, with {@link Precision#INPUT}, in float32 when both {@code x} and {@code y} are float32
 * (weights and activations as PyTorch stores them, and the precision the reference
 * implementation computes its costs in; fusion uses this). Norms are always summed in float64 and
 * the elementwise finish runs in float64. Euclidean distances come from the expansion
 * {@code ||x||^2 + ||y||^2 - 2 x y^T}, clamped at 0 (so that rounding cannot make a squared
 * distance negative). With a float64 GEMM this is accurate to about {@code 1e-16 * (||x||^2 +
 * ||y||^2) / ||x - y||^2} relative; with a float32 GEMM the absolute error of an entry is about
 * {@code 1e-7 * sqrt(d) * ||x|| ||y||} (the float32 dot product), e.g. {@code 2e-6} relative for
 * random rows of {@code d = 4096}, and twice as fast. Pass float64 arrays when a cost between
 * nearly equal rows must be resolved below that. Norms and the finish run in plain loops (row
 * blocks on the common fork-join pool for large costs), not in many small ND4J ops.
 *
 * <p><b>Memory.</b> Besides the {@code n x m} result: {@code y} in the GEMM precision ({@code m
 * x d}) and one block of at most {@link #BLOCK_BYTES} of rows of {@code x} (plus, in float32,
 * their {@code rows x m} product) at a time, so {@code x} is never copied whole. These copies are
 * leased from {@link Scratch}, a small pool of reused off-heap buffers, because a cast into fresh
 * memory pays first-touch page faults (the JMH {@code CastBenchmark} of the benchmarks module).
 */
public final class GroundCost {

  /** The precision of the GEMM {@code x y^T}. */
  public enum Precision {
    /** float64 whatever the inputs: costs accurate to about 1e-16 relative (the default). */
    FLOAT64,
    /** float32 when both inputs are float32 (about twice as fast), else float64. */
    INPUT
  }

  private GroundCost() {}

  /**
   * The pairwise cost between the rows of {@code x} ({@code n x d}) and of {@code y}
   * ({@code m x d}).
   *
   * @param x the first point set, {@code n x d}, any floating dtype; not modified
   * @param y the second point set, {@code m x d}, any floating dtype; not modified
   * @param metric the ground metric
   * @return a new {@code n x m} float64 matrix, entries {@code >= 0}
   * @throws IllegalArgumentException when {@code x} or {@code y} is not a matrix, their
   *     dimensions {@code d} differ, an entry is NaN or infinite, or (cosine) a row has norm 0
   */
  public static INDArray pairwise(INDArray x, INDArray y, GroundMetric metric) {
    return pairwise(x, y, metric, Precision.FLOAT64, BLOCK_BYTES);
  }

  /** {@link #pairwise(INDArray, INDArray, GroundMetric)} with the GEMM in {@code precision}. */
  public static INDArray pairwise(INDArray x, INDArray y, GroundMetric metric, Precision precision) {
    return pairwise(x, y, metric, precision, BLOCK_BYTES);
  }

  /** Bytes of float64 rows of {@code x} cast and multiplied per block (32 MiB). */
  static final long BLOCK_BYTES = 32L << 20;

  /**
   * {@link #pairwise(INDArray, INDArray, GroundMetric)} with row blocks of {@code x} of at most
   * {@code blockBytes} bytes in float64 (at least one row per block).
   */
  static INDArray pairwise(INDArray x, INDArray y, GroundMetric metric, Precision precision,
      long blockBytes) {
    Checks.requireNonNull(metric, "metric");
    Checks.requireNonNull(precision, "precision");
    Checks.requireMatrix(x, "x");
    Checks.requireMatrix(y, "y");
    if (x.size(1) != y.size(1)) {
      throw new IllegalArgumentException("x has shape " + Checks.shape(x) + " but y has shape "
          + Checks.shape(y) + "; the rows must have the same dimension d (x.size(1) == y.size(1))");
    }
    if (x.size(0) == 0 || y.size(0) == 0 || x.size(1) == 0) {
      throw new IllegalArgumentException("x has shape " + Checks.shape(x) + " and y has shape "
          + Checks.shape(y) + "; both need at least one row and one column");
    }
    if (x.size(0) * y.size(0) > Integer.MAX_VALUE - 16) {
      throw new IllegalArgumentException("x has shape " + Checks.shape(x) + " and y has shape "
          + Checks.shape(y) + ": a cost of more than 2^31 entries is not supported");
    }
    int n = (int) x.size(0);
    int m = (int) y.size(0);
    int d = (int) x.size(1);
    DataType gemmType = precision == Precision.INPUT && x.dataType() == DataType.FLOAT
        && y.dataType() == DataType.FLOAT ? DataType.FLOAT : DataType.DOUBLE;
    try (Scratch yCopy = needsCopy(y, gemmType) ? Scratch.matrix(gemmType, m, d) : null) {
      INDArray yd = yCopy == null ? y : yCopy.get().assign(y);
      double[] ny = rowNorms(yd, m, d, metric, y, "y", 0, false);
      INDArray out = Nd4j.createUninitialized(DataType.DOUBLE, n, m);
      DoubleBuffer ob = out.data().asNioDouble();
      int rowsPerBlock = (int) Math.max(1, Math.min(n, blockBytes / (8L * d)));
      boolean copyX = rowsPerBlock < n || needsCopy(x, gemmType);
      try (Scratch xCopy = copyX ? Scratch.matrix(gemmType, rowsPerBlock, d) : null;
          Scratch product = gemmType == DataType.DOUBLE ? null
              : Scratch.matrix(DataType.FLOAT, rowsPerBlock, m)) {
        double alpha = metric == GroundMetric.COSINE ? 1.0 : -2.0;
        // row blocks of a view are taken from a dense copy (ND4J's get() on some views of views
        // returns arrays without a buffer)
        INDArray xs = rowsPerBlock < n && (x.isView() || !Tensors.isDense(x)) ? x.dup('c') : x;
        for (int r0 = 0; r0 < n; r0 += rowsPerBlock) {
          int r1 = Math.min(n, r0 + rowsPerBlock);
          INDArray rows = r0 == 0 && r1 == n ? x : xs.get(NDArrayIndex.interval(r0, r1), NDArrayIndex.all());
          INDArray xb = !copyX ? rows : r1 - r0 == rowsPerBlock ? xCopy.get().assign(rows)
              : xCopy.get().get(NDArrayIndex.interval(0, r1 - r0), NDArrayIndex.all()).assign(rows);
          double[] nx = rowNorms(xb, r1 - r0, d, metric, x, "x", r0, true);
          if (r0 == 0) {
            requireNonZero(ny, metric, "y", 0); // after x's first rows, so x is named first
          }
          // alpha x_b y^T: the only O(n m d) work, in BLAS
          if (product == null) {
            INDArray block = r0 == 0 && r1 == n ? out
                : out.get(NDArrayIndex.interval(r0, r1), NDArrayIndex.all());
            Nd4j.gemm(xb, yd, block, false, true, alpha, 0.0);
            finish(ob, null, r0, r1, m, nx, ny, metric);
          } else {
            INDArray prod = r1 - r0 == rowsPerBlock ? product.get()
                : product.get().get(NDArrayIndex.interval(0, r1 - r0), NDArrayIndex.all());
            Nd4j.gemm(xb, yd, prod, false, true, alpha, 0.0);
            finish(ob, product.get().data().asNioFloat(), r0, r1, m, nx, ny, metric);
          }
        }
      }
      return out;
    }
  }

  /** Whether {@code x} must be copied to be a contiguous row-major array of {@code type}. */
  private static boolean needsCopy(INDArray x, DataType type) {
    return x.dataType() != type || !Tensors.isDense(x);
  }


  /**
   * Per row: {@code ||x_i||^2} (Euclidean metrics) or {@code ||x_i||} (cosine), in plain loops
   * over the row-major data. A non-finite result means a non-finite entry (or an overflowing
   * norm): the original is then checked entry by entry, which names the culprit.
   */
  private static double[] rowNorms(INDArray xd, int rows, int d, GroundMetric metric,
      INDArray original, String name, int firstRow, boolean checkZero) {
    if (xd.offset() != 0 || xd.ordering() != 'c' || (rows > 1 && xd.stride(0) != d) || (d > 1 && xd.stride(1) != 1)) {
      throw new AssertionError("rowNorms reads a row-major matrix from offset 0, got " + xd.shapeInfoToString());
    }
    DoubleBuffer data = xd.dataType() == DataType.DOUBLE ? xd.data().asNioDouble() : null;
    FloatBuffer single = data == null ? xd.data().asNioFloat() : null;
    double[] out = new double[rows];
    double[] row = new double[d];
    float[] floats = single == null ? null : new float[d];
    boolean finite = true;
    for (int i = 0; i < rows; i++) {
      int base = i * d;
      if (data != null) {
        data.get(base, row);
      } else {
        single.get(base, floats);
        for (int k = 0; k < d; k++) {
          row[k] = floats[k];
        }
      }
      double s0 = 0;
      double s1 = 0;
      int k = 0;
      for (; k + 1 < d; k += 2) {
        s0 += row[k] * row[k];
        s1 += row[k + 1] * row[k + 1];
      }
      if (k < d) {
        s0 += row[k] * row[k];
      }
      double sq = s0 + s1;
      finite &= Double.isFinite(sq);
      out[i] = metric == GroundMetric.COSINE ? Math.sqrt(sq) : sq;
    }
    if (!finite) {
      Checks.requireFinite(original, name);
    }
    if (checkZero) {
      requireNonZero(out, metric, name, firstRow);
    }
    return out;
  }

  private static void requireNonZero(double[] norms, GroundMetric metric, String name,
      int firstRow) {
    if (metric != GroundMetric.COSINE) {
      return;
    }
    for (int i = 0; i < norms.length; i++) {
      if (norms[i] == 0) {
        throw new IllegalArgumentException("row " + (firstRow + i) + " of " + name
            + " has norm 0; the cosine distance to a zero vector is undefined");
      }
    }
  }

  /**
   * Rows {@code [r0, r1)} of the cost from the GEMM result ({@code ob} itself, or the float32
   * {@code product} of those rows): {@code max(0, ||x||^2 +
   * ||y||^2 - 2 x.y)}, its square root, or {@code max(0, 1 - x.y / (||x|| ||y||))}.
   */
  private static void finish(DoubleBuffer ob, FloatBuffer product, int r0, int r1, int m,
      double[] nx, double[] ny, GroundMetric metric) {
    RowBlocks.run(r1 - r0, RowBlocks.blocks(r1 - r0, m), (blk, from, to) -> {
      double[] row = new double[m];
      float[] part = product == null ? null : new float[m];
      for (int i = from; i < to; i++) {
        int base = (r0 + i) * m;
        if (product == null) {
          ob.get(base, row);
        } else {
          product.get(i * m, part);
          for (int j = 0; j < m; j++) {
            row[j] = part[j];
          }
        }
        double xi = nx[i];
        switch (metric) {
          case SQEUCLIDEAN:
            for (int j = 0; j < m; j++) {
              row[j] = Math.max(0.0, row[j] + xi + ny[j]);
            }
            break;
          case EUCLIDEAN:
            for (int j = 0; j < m; j++) {
              row[j] = Math.sqrt(Math.max(0.0, row[j] + xi + ny[j]));
            }
            break;
          case COSINE:
            for (int j = 0; j < m; j++) {
              row[j] = Math.max(0.0, 1.0 - row[j] / (xi * ny[j]));
            }
            break;
          default:
            throw new AssertionError(metric);
        }
        ob.put(base, row);
      }
    });
  }

  /**
   * {@code normalize(pairwise(x, y, metric), normalization)}.
   *
   * @see #pairwise(INDArray, INDArray, GroundMetric)
   * @see #normalize(INDArray, CostNormalization)
   */
  public static INDArray compute(INDArray x, INDArray y, GroundMetric metric,
      CostNormalization normalization) {
    return compute(x, y, metric, normalization, Precision.FLOAT64);
  }

  /** {@link #compute(INDArray, INDArray, GroundMetric, CostNormalization)} with the GEMM in {@code precision}. */
  public static INDArray compute(INDArray x, INDArray y, GroundMetric metric,
      CostNormalization normalization, Precision precision) {
    Checks.requireNonNull(normalization, "normalization");
    // pairwise returns a new float64 matrix of finite entries: normalised in place, unchecked
    return normalizeInPlace(pairwise(x, y, metric, precision), normalization);
  }

  /**
   * Rescales a cost matrix as the reference implementation does before solving OT.
   *
   * @param cost the cost matrix, any floating dtype; not modified
   * @param normalization {@link CostNormalization#MEDIAN} divides by the lower median (the
   *     {@code torch.median} convention)
   * @return a new float64 matrix of the same shape (also for {@link CostNormalization#NONE})
   * @throws IllegalArgumentException when the cost is not a finite matrix, when the statistic to
   *     divide by is not positive, or (for {@link CostNormalization#LOG}) an entry is {@code <= -1}
   */
  public static INDArray normalize(INDArray cost, CostNormalization normalization) {
    Checks.requireNonNull(normalization, "normalization");
    Checks.requireMatrix(cost, "cost");
    Checks.requireFinite(cost, "cost");
    INDArray c = cost.castTo(DataType.DOUBLE);
    return normalizeInPlace(c == cost ? cost.dup() : c, normalization);
  }

  /** {@link #normalize} of a finite float64 matrix the caller owns, rescaled in place. */
  private static INDArray normalizeInPlace(INDArray c, CostNormalization normalization) {
    switch (normalization) {
      case NONE:
        return c;
      case MAX:
        return c.divi(positive(c.maxNumber().doubleValue(), "max", c));
      case MEDIAN:
        return c.divi(positive(lowerMedian(c), "median", c));
      case MEAN:
        return c.divi(positive(c.meanNumber().doubleValue(), "mean", c));
      case LOG:
        double min = c.length() == 0 ? 0 : c.minNumber().doubleValue();
        if (min <= -1) {
          throw new IllegalArgumentException(
              "cost has minimum " + min + " but log normalisation (log1p) needs every entry > -1");
        }
        return Transforms.log1p(c, false);
      default:
        throw new AssertionError(normalization);
    }
  }

  /**
   * The lower median of all entries of {@code x}: the element of rank {@code (N - 1) / 2}
   * (0-based, integer division) in sorted order, which is what {@code torch.median} returns; for
   * an even count {@code N} it is the smaller of the two middle values.
   *
   * @param x any non-empty floating array; not modified
   */
  public static double lowerMedian(INDArray x) {
    if (x.length() == 0) {
      throw new IllegalArgumentException("the median of an empty array is undefined");
    }
    INDArray sorted = Nd4j.sort(x.castTo(DataType.DOUBLE).dup('c').reshape(x.length()), true);
    return sorted.getDouble((x.length() - 1) / 2);
  }

  private static double positive(double stat, String what, INDArray c) {
    if (!(stat > 0)) {
      throw new IllegalArgumentException("cannot normalise a cost of shape " + Checks.shape(c)
          + " by its " + what + " = " + stat + "; it must be > 0 (use CostNormalization.NONE)");
    }
    return stat;
  }

}
