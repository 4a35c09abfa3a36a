package org.otfuse.core.fusion;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.otfuse.core.model.DenseLayer;
import org.otfuse.core.model.MlpNet;
import org.otfuse.core.ot.GroundCost;
import org.otfuse.core.ot.GroundMetric;
import org.otfuse.core.ot.CostNormalization;
import org.otfuse.core.ot.TransportPlan;
import org.otfuse.core.ot.TransportSolver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Compression of one model into a narrower one by optimal transport (paper, Section 5: fusion
 * into a smaller target), and the magnitude-pruning baseline it is compared with.
 *
 * <p>Per hidden layer, in order, with the input axis already mapped onto the previous layer's
 * kept neurons: the {@code n} neurons {@code x_i = [w_i | b_i]} (uniform mass {@code 1/n}) are
 * summarised by {@code m = round(n f)} neurons {@code y_j} (mass {@code 1/m}) that form a
 * free-support Wasserstein barycenter: starting from {@code m} source neurons picked by farthest-point
 * traversal (first the largest norm, then each time the neuron farthest from those picked), alternate
 * {@code T = argmin <T, M(X, Y)>} (exact OT, squared euclidean cost) and the barycentric update
 * {@code Y = diag(1/b) T^T X} until {@code Y} moves by less than 1e-6 relative (at most 30 rounds).
 * This is the OT analogue of k-means with balanced clusters: each kept neuron is the mean of the
 * source neurons it replaces. The next layer's input axis is mapped with {@code diag(1/a) T}: a
 * merged neuron's outgoing weights are the <em>sum</em> of those it replaces, since it stands in
 * for all of their activations. With factor 1 the plan is the identity and the function is kept.
 *
 * <p>Chosen over the paper's "fuse with a smaller, separately trained target" because it needs no
 * second model; the OT step and the averaging are those of {@link OtFusion}.
 */
public final class Compression {
  private static final Logger LOG = LoggerFactory.getLogger(Compression.class);
  private static final int MAX_ROUNDS = 30;
  private static final double MOVE_TOL = 1e-6;

  private Compression() {}

  /** The compressed model and one report per hidden layer. */
  public record Result(MlpNet compressed, List<LayerReport> reports) {}

  /** Width of a layer of {@code n} neurons after compression by {@code factor}: at least 1. */
  public static int targetWidth(int n, double factor) {
    if (!(factor > 0 && factor <= 1)) {
      throw new IllegalArgumentException("width factor is " + factor + " but must be in (0, 1]");
    }
    return Math.max(1, (int) Math.round(n * factor));
  }

  /** Compresses every hidden layer of {@code big} by {@code widthFactor} (see class comment). */
  public static Result compress(MlpNet big, double widthFactor, FusionOptions options) {
    TransportSolver solver = OtFusion.solver(options);
    List<DenseLayer> out = new ArrayList<>();
    List<LayerReport> reports = new ArrayList<>();
    INDArray map = null; // n_prev x m_prev, float32
    for (int l = 0; l < big.depth(); l++) {
      DenseLayer layer = big.layer(l);
      INDArray w = map == null ? layer.weight() : layer.weight().mmul(map);
      if (l == big.depth() - 1) {
        out.add(new DenseLayer(layer.name(), w, layer.bias()));
        break;
      }
      long t0 = System.nanoTime();
      int n = layer.outputs();
      int m = targetWidth(n, widthFactor);
      INDArray x = (layer.hasBias() ? Nd4j.hstack(w, layer.bias().reshape(n, 1)) : w).castTo(DataType.DOUBLE);
      INDArray a = Nd4j.valueArrayOf(new long[] {n}, 1.0 / n, DataType.DOUBLE);
      INDArray b = Nd4j.valueArrayOf(new long[] {m}, 1.0 / m, DataType.DOUBLE);
      INDArray y = x.getRows(farthestPoints(x, m));
      TransportPlan plan = null;
      int rounds = 0;
      while (rounds < MAX_ROUNDS) {
        rounds++;
        plan = solver.solve(a, b, GroundCost.compute(x, y, GroundMetric.SQEUCLIDEAN, CostNormalization.NONE));
        INDArray next = plan.plan().transpose().mmul(x).muliColumnVector(b.rdiv(1.0).reshape(m, 1));
        double move = next.sub(y).norm2Number().doubleValue() / Math.max(1e-300, y.norm2Number().doubleValue());
        y = next;
        if (move < MOVE_TOL) {
          break;
        }
      }
      INDArray yf = y.castTo(DataType.FLOAT);
      INDArray newW = layer.hasBias() ? yf.get(NDArrayIndex.all(), NDArrayIndex.interval(0, w.columns())).dup() : yf;
      INDArray newB = layer.hasBias() ? yf.getColumn(w.columns()).dup() : null;
      out.add(new DenseLayer(layer.name(), newW, newB));
      map = plan.plan().mulColumnVector(a.rdiv(1.0).reshape(n, 1)).castTo(DataType.FLOAT);
      double seconds = (System.nanoTime() - t0) / 1e9;
      reports.add(new LayerReport(layer.name(), n, m, true, plan.cost(), OtFusion.entropy(plan.plan()),
          OtFusion.density(plan.plan()), rounds, seconds));
      LOG.info("compress layer {} ({}): {} -> {} neurons, {} barycenter rounds, {} s", l + 1, layer.name(), n, m,
          rounds, String.format("%.3f", seconds));
    }
    return new Result(big.withLayers(out), reports);
  }

  /**
   * Baseline: keep, per hidden layer, the {@code round(n f)} neurons whose incoming weights (and
   * bias) have the largest L2 norm, in their original order; drop the rest and the matching input
   * columns of the next layer.
   */
  public static MlpNet pruneByMagnitude(MlpNet big, double widthFactor) {
    List<DenseLayer> out = new ArrayList<>();
    int[] keptPrev = null;
    for (int l = 0; l < big.depth(); l++) {
      DenseLayer layer = big.layer(l);
      INDArray w = keptPrev == null ? layer.weight() : layer.weight().getColumns(keptPrev);
      if (l == big.depth() - 1) {
        out.add(new DenseLayer(layer.name(), w.dup(), layer.bias()));
        break;
      }
      int n = layer.outputs();
      INDArray x = layer.hasBias() ? Nd4j.hstack(layer.weight(), layer.bias().reshape(n, 1)) : layer.weight();
      int[] kept = largestNorms(x, targetWidth(n, widthFactor));
      Arrays.sort(kept);
      out.add(new DenseLayer(layer.name(), w.getRows(kept),
          layer.hasBias() ? layer.bias().get(Nd4j.createFromArray(kept)).dup() : null));
      keptPrev = kept;
    }
    return big.withLayers(out);
  }

  /**
   * Deterministic farthest-point traversal: the row of largest norm, then repeatedly the row
   * whose distance to the rows picked so far is largest (ties: lower index). Identical rows are
   * picked only once every distinct row has been.
   */
  static int[] farthestPoints(INDArray x, int k) {
    int n = (int) x.rows();
    int[] picked = new int[k];
    picked[0] = largestNorms(x, 1)[0];
    INDArray minDist = distancesTo(x, picked[0]);
    for (int i = 1; i < k; i++) {
      picked[i] = Nd4j.argMax(minDist).getInt(0);
      minDist = Nd4j.math().min(minDist, distancesTo(x, picked[i]));
      minDist.putScalar(picked[i], -1.0);
    }
    for (int p : picked) {
      if (p < 0 || p >= n) {
        throw new IllegalStateException("farthest-point traversal picked row " + p + " of " + n);
      }
    }
    return picked;
  }

  private static INDArray distancesTo(INDArray x, int row) {
    return x.subRowVector(x.getRow(row)).norm2(1);
  }

  /** Indices of the {@code k} rows of largest L2 norm, largest first (ties: lower index first). */
  static int[] largestNorms(INDArray x, int k) {
    double[] norms = x.norm2(1).castTo(DataType.DOUBLE).toDoubleVector();
    Integer[] idx = new Integer[norms.length];
    for (int i = 0; i < idx.length; i++) {
      idx[i] = i;
    }
    Arrays.sort(idx, (p, q) -> norms[q] != norms[p] ? Double.compare(norms[q], norms[p]) : Integer.compare(p, q));
    int[] out = new int[k];
    for (int i = 0; i < k; i++) {
      out[i] = idx[i];
    }
    return out;
  }
}
