package org.otfuse.core.ot;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Ground cost matrices between two sets of neurons (Singh and Jaggi 2020, Section 4: the cost
 * {@code C_ij = d(x_i, y_j)} between the incoming weight vectors, or activations, of neuron
 * {@code i} of one model and neuron {@code j} of the target model, the {@code C} of the OT
 * problem, eq. (1)). Mirrors the reference implementation's {@code ground_metric.py}.
 *
 * <p>All results are new float64 ({@code DOUBLE}) arrays computed with vectorised ND4J ops; the
 * inputs, of any floating dtype, are cast to float64 first and never modified. Euclidean
 * distances come from the BLAS expansion {@code ||x||^2 + ||y||^2 - 2 x y^T}, clamped at 0 (so
 * that rounding cannot make a squared distance negative), which in float64 is accurate to about
 * {@code 1e-16 * (||x||^2 + ||y||^2) / ||x - y||^2} relative: far below {@code 1e-6} relative
 * for distinct float32 weight rows.
 */
public final class GroundCost {

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
    Checks.requireNonNull(metric, "metric");
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
    Checks.requireFinite(x, "x");
    Checks.requireFinite(y, "y");
    INDArray xd = x.castTo(DataType.DOUBLE);
    INDArray yd = y.castTo(DataType.DOUBLE);
    switch (metric) {
      case SQEUCLIDEAN:
        return squaredEuclidean(xd, yd);
      case EUCLIDEAN:
        return Transforms.sqrt(squaredEuclidean(xd, yd), false);
      case COSINE:
        return cosine(xd, yd);
      default:
        throw new AssertionError(metric);
    }
  }

  /**
   * {@code normalize(pairwise(x, y, metric), normalization)}.
   *
   * @see #pairwise(INDArray, INDArray, GroundMetric)
   * @see #normalize(INDArray, CostNormalization)
   */
  public static INDArray compute(INDArray x, INDArray y, GroundMetric metric,
      CostNormalization normalization) {
    Checks.requireNonNull(normalization, "normalization");
    return normalize(pairwise(x, y, metric), normalization);
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
    if (c == cost) {
      c = cost.dup();
    }
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

  /** {@code ||x_i||^2 + ||y_j||^2 - 2 <x_i, y_j>}, clamped at 0; inputs float64, not modified. */
  private static INDArray squaredEuclidean(INDArray x, INDArray y) {
    INDArray xx = x.mul(x).sum(1);
    INDArray yy = y.mul(y).sum(1);
    INDArray d = x.mmul(y.transpose()).muli(-2.0);
    d.addiColumnVector(xx.reshape(xx.length(), 1)).addiRowVector(yy.reshape(1, yy.length()));
    return Transforms.max(d, 0.0, false);
  }

  /** {@code 1 - <x_i, y_j> / (||x_i|| ||y_j||)}, clamped at 0; inputs float64, not modified. */
  private static INDArray cosine(INDArray x, INDArray y) {
    INDArray nx = x.norm2(1);
    INDArray ny = y.norm2(1);
    requireNonZeroRows(nx, "x");
    requireNonZeroRows(ny, "y");
    INDArray s = x.mmul(y.transpose());
    s.diviColumnVector(nx.reshape(nx.length(), 1)).diviRowVector(ny.reshape(1, ny.length()));
    return Transforms.max(s.rsubi(1.0), 0.0, false);
  }

  private static void requireNonZeroRows(INDArray norms, String name) {
    if (norms.length() > 0 && norms.minNumber().doubleValue() == 0) {
      long row = norms.neg().argMax().getLong(0);
      throw new IllegalArgumentException("row " + row + " of " + name
          + " has norm 0; the cosine distance to a zero vector is undefined");
    }
  }
}
