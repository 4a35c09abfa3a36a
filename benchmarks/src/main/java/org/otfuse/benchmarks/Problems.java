package org.otfuse.benchmarks;

import java.util.Random;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.otfuse.core.ot.GroundCost;
import org.otfuse.core.ot.GroundMetric;

/**
 * The benchmark inputs, drawn from fixed seeds: the shape of the shared anchor problems
 * (squared Euclidean cost between {@code randn(n, 64)} and {@code randn(m, 64)}), but from
 * {@link java.util.Random}, so not the same numbers as numpy's (the side-by-side command reads
 * numpy's).
 */
final class Problems {
  private Problems() {}

  /** {@code n x d} standard normal entries from {@code seed}, float64. */
  static INDArray randn(int n, int d, long seed, DataType type) {
    Random rnd = new Random(seed);
    double[] x = new double[n * d];
    for (int k = 0; k < x.length; k++) {
      x[k] = rnd.nextGaussian();
    }
    return Nd4j.create(x, new long[] {n, d}, DataType.DOUBLE).castTo(type);
  }

  /** The squared Euclidean cost between {@code randn(n, 64)} (seed 1) and {@code randn(m, 64)}. */
  static INDArray cost(int n, int m) {
    return GroundCost.pairwise(randn(n, 64, 1, DataType.DOUBLE), randn(m, 64, 2,
        DataType.DOUBLE), GroundMetric.SQEUCLIDEAN);
  }

  /** Uniform masses {@code 1/n}. */
  static INDArray uniform(int n) {
    return Nd4j.valueArrayOf(new long[] {n}, 1.0 / n, DataType.DOUBLE);
  }

  /** Masses from {@code Dirichlet(1, ..., 1)} (normalised exponentials), fixed seed. */
  static INDArray dirichlet(int n, long seed) {
    Random rnd = new Random(seed);
    double[] x = new double[n];
    double s = 0;
    for (int i = 0; i < n; i++) {
      x[i] = -Math.log(1 - rnd.nextDouble());
      s += x[i];
    }
    for (int i = 0; i < n; i++) {
      x[i] /= s;
    }
    return Nd4j.createFromArray(x);
  }
}
