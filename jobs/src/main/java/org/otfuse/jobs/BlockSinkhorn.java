package org.otfuse.jobs;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.ml.linalg.DenseMatrix;
import org.apache.spark.ml.linalg.DenseVector;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.otfuse.core.fusion.FusionOptions;
import org.otfuse.core.fusion.SolverKind;
import org.otfuse.core.ot.CostNormalization;
import org.otfuse.core.ot.GroundCost;
import org.otfuse.core.ot.GroundMetric;
import org.otfuse.core.ot.OtConvergenceException;
import org.otfuse.core.ot.TransportPlan;
import org.otfuse.core.sweep.ModelAdapter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Entropic OT for layers too large for one task (Cuturi 2013, as used by Singh and Jaggi 2020):
 * when a layer's cost matrix has more than {@code thresholdCells} entries, its rows are split into
 * blocks of {@code blockRows} source neurons; each executor computes its blocks of the ground cost
 * (core's {@link GroundCost} on ND4J) and keeps them, with their Gibbs kernel {@code K = exp(-C/reg)},
 * as MLlib {@link DenseMatrix} blocks. Sinkhorn's iterations are then distributed block products:
 *
 * <pre>
 *   v = b / (K^T u)   one broadcast of u, blocks' K_i^T u_i tree-aggregated into an m-vector
 *   u = a / (K v)     one broadcast of v, blocks' K_i v collected into an n-vector
 * </pre>
 *
 * The plan {@code diag(u) K diag(v)} is assembled on the driver at the end (O(n m) once; the
 * O(n m) work per iteration stays on the executors). Smaller layers, and exact OT, go to the local
 * solver.
 *
 * <p><b>Differences from core's {@code Sinkhorn}.</b> The iterations are the same fixed point (the
 * log-domain {@code f = reg log u}, {@code g = reg log v}) with the same stopping rule (row
 * marginal error after each {@code v} update at most the tolerance, then both errors checked), but
 * in the scaling domain: {@code exp(-C/reg)} must not underflow, so {@code max(C)/reg} must stay
 * under {@value #MAX_EXPONENT} (normalise the cost, e.g. {@code normalizations = [max]}); the
 * median normalisation needs a global sort and is not offered. Equivalence with the local solver is
 * tested ({@code DistributedFuserTest}: plans within 1e-9 absolute at tolerance 1e-12).
 */
public final class BlockSinkhorn implements ModelAdapter.LayerSolver {
  private static final Logger LOG = LoggerFactory.getLogger(BlockSinkhorn.class);
  /** Largest {@code max(C)/reg} accepted: {@code exp(-700)} is about 1e-304, still a normal double. */
  public static final double MAX_EXPONENT = 700;

  private final SparkSession spark;
  private final long thresholdCells;
  private final int blockRows;

  /**
   * @param thresholdCells solve distributed only when {@code n m} exceeds this (0: always)
   * @param blockRows source neurons per block
   */
  public BlockSinkhorn(SparkSession spark, long thresholdCells, int blockRows) {
    this.spark = spark;
    this.thresholdCells = thresholdCells;
    this.blockRows = blockRows;
  }

  @Override
  public TransportPlan solve(String layer, INDArray x, INDArray y, FusionOptions o) {
    long cells = x.rows() * y.rows();
    if (o.solver() != SolverKind.SINKHORN || cells <= thresholdCells) {
      return ModelAdapter.LOCAL_SOLVER.solve(layer, x, y, o);
    }
    LOG.info("layer {}: {}x{} cost ({} cells) in blocks of {} rows across executors", layer, x.rows(), y.rows(),
        cells, blockRows);
    return solveDistributed(x, y, o.metric(), o.normalization(), o.reg(), o.sinkhornTolerance(),
        o.sinkhornMaxIterations());
  }

  /** One block of source rows: its cost and kernel rows against every target neuron. */
  record Block(int start, DenseMatrix cost, DenseMatrix kernel) implements Serializable {
    private static final long serialVersionUID = 1L;
  }

  /** A block of source neuron rows to turn into cost rows. */
  record Rows(int start, int rows, int dim, float[] values) implements Serializable {
    private static final long serialVersionUID = 1L;
  }

  /** Distributed Sinkhorn with uniform marginals between the rows of {@code x} and of {@code y}. */
  public TransportPlan solveDistributed(INDArray x, INDArray y, GroundMetric metric, CostNormalization norm,
      double reg, double tol, int maxIterations) {
    if (norm == CostNormalization.MEDIAN) {
      throw new IllegalArgumentException("normalization 'median' needs a global sort of the cost; the"
          + " block-distributed Sinkhorn offers none, max, mean and log (set run.distribute.block-cost-cells = 0)");
    }
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    int n = (int) x.rows();
    int m = (int) y.rows();
    int d = (int) x.columns();
    float[] xf = x.castTo(DataType.FLOAT).dup('c').reshape(-1).toFloatVector();
    List<Rows> parts = new ArrayList<>();
    for (int s = 0; s < n; s += blockRows) {
      int r = Math.min(blockRows, n - s);
      parts.add(new Rows(s, r, d, Arrays.copyOfRange(xf, s * d, (s + r) * d)));
    }
    Broadcast<float[]> yb = jsc.broadcast(y.castTo(DataType.FLOAT).dup('c').reshape(-1).toFloatVector());
    List<Broadcast<?>> broadcasts = new ArrayList<>(List.of(yb));
    JavaRDD<Block> costs = jsc.parallelize(parts, parts.size()).map(p -> {
      INDArray xb = Nd4j.createFromArray(p.values()).reshape('c', p.rows(), p.dim());
      INDArray yy = Nd4j.createFromArray(yb.value()).reshape('c', m, p.dim());
      INDArray c = GroundCost.pairwise(xb, yy, metric);
      return new Block(p.start(), new DenseMatrix(p.rows(), m, c.dup('c').reshape(-1).toDoubleVector(), true), null);
    }).persist(StorageLevel.MEMORY_AND_DISK());
    JavaRDD<Block> blocks = null;
    try {
      double scale = 1.0;
      boolean log = false;
      if (norm == CostNormalization.MAX) {
        scale = costs.map(b -> max(b.cost().values())).reduce(Math::max);
      } else if (norm == CostNormalization.MEAN) {
        scale = costs.map(b -> sum(b.cost().values())).reduce(Double::sum) / ((double) n * m);
      } else if (norm == CostNormalization.LOG) {
        log = true;
      }
      if (!(scale > 0)) {
        throw new IllegalArgumentException("cannot normalise a cost of shape [" + n + ", " + m + "] by " + scale);
      }
      final double sc = scale;
      final boolean lg = log;
      double maxCost = costs.map(b -> max(b.cost().values())).reduce(Math::max);
      maxCost = lg ? Math.log1p(maxCost) : maxCost / sc;
      if (maxCost / reg > MAX_EXPONENT) {
        throw new IllegalArgumentException(String.format(java.util.Locale.ROOT, "block Sinkhorn works in the"
            + " scaling domain: max cost / reg = %.4g / %.4g = %.4g > %.0f underflows exp(-C/reg); normalise the"
            + " cost (normalizations = [max]) or raise reg", maxCost, reg, maxCost / reg, MAX_EXPONENT));
      }
      blocks = costs.map(b -> {
        double[] c = b.cost().values().clone();
        double[] k = new double[c.length];
        for (int i = 0; i < c.length; i++) {
          c[i] = lg ? Math.log1p(c[i]) : c[i] / sc;
          k[i] = Math.exp(-c[i] / reg);
        }
        int r = b.cost().numRows();
        return new Block(b.start(), new DenseMatrix(r, m, c, true), new DenseMatrix(r, m, k, true));
      }).persist(StorageLevel.MEMORY_AND_DISK());
      blocks.count();
      costs.unpersist(false);
      return iterate(jsc, blocks, n, m, reg, tol, maxIterations, broadcasts);
    } finally {
      costs.unpersist(false);
      if (blocks != null) {
        blocks.unpersist(false);
      }
      for (Broadcast<?> b : broadcasts) {
        b.destroy();
      }
    }
  }

  private static TransportPlan iterate(JavaSparkContext jsc, JavaRDD<Block> blocks, int n, int m, double reg,
      double tol, int maxIterations, List<Broadcast<?>> broadcasts) {
    double[] u = new double[n];
    double[] v = new double[m];
    Arrays.fill(u, 1.0);
    Arrays.fill(v, 1.0);
    double a = 1.0 / n;
    double b = 1.0 / m;
    double err = Double.NaN;
    for (int it = 1; it <= maxIterations; it++) {
      // v = b / (K^T u): broadcast u, tree-aggregate the blocks' K_i^T u_i.
      Broadcast<double[]> ub = jsc.broadcast(u);
      double[] ktu = blocks.treeAggregate(new double[m], (acc, blk) -> {
        DenseVector ui = new DenseVector(Arrays.copyOfRange(ub.value(), blk.start(), blk.start() + blk.kernel().numRows()));
        double[] part = blk.kernel().transpose().multiply(ui).values();
        for (int j = 0; j < m; j++) {
          acc[j] += part[j];
        }
        return acc;
      }, (p, q) -> {
        for (int j = 0; j < m; j++) {
          p[j] += q[j];
        }
        return p;
      });
      ub.destroy();
      for (int j = 0; j < m; j++) {
        v[j] = b / ktu[j];
      }
      // K v: broadcast v, collect the blocks' K_i v.
      Broadcast<double[]> vb = jsc.broadcast(v);
      List<scala.Tuple2<Integer, double[]>> kv = blocks.map(blk -> new scala.Tuple2<>(blk.start(),
          blk.kernel().multiply(new DenseVector(vb.value())).values())).collect();
      vb.destroy();
      double[] kvAll = new double[n];
      for (scala.Tuple2<Integer, double[]> t : kv) {
        System.arraycopy(t._2(), 0, kvAll, t._1(), t._2().length);
      }
      err = 0;
      boolean finite = true;
      for (int i = 0; i < n; i++) {
        double row = u[i] * kvAll[i];
        finite &= Double.isFinite(row) && kvAll[i] > 0;
        err = Math.max(err, Math.abs(row - a));
      }
      if (!finite) {
        throw new OtConvergenceException(String.format("block Sinkhorn produced a NaN, infinity or zero: reg = %s,"
            + " after %d iterations", reg, it), reg, it, err);
      }
      if (err <= tol) {
        TransportPlan p = plan(jsc, blocks, u, v, n, m, reg, it);
        if (p.marginalError() <= tol) {
          return p;
        }
        err = p.marginalError();
      }
      for (int i = 0; i < n; i++) {
        u[i] = a / kvAll[i];
      }
    }
    throw new OtConvergenceException(String.format("block Sinkhorn did not converge: reg = %s, %d iterations,"
        + " marginal error %s > tolerance %s", reg, maxIterations, err, tol), reg, maxIterations, err);
  }

  /** The plan diag(u) K diag(v) on the driver, with its cost and marginal errors. */
  private static TransportPlan plan(JavaSparkContext jsc, JavaRDD<Block> blocks, double[] u, double[] v, int n,
      int m, double reg, int iterations) {
    Broadcast<double[]> ub = jsc.broadcast(u);
    Broadcast<double[]> vb = jsc.broadcast(v);
    List<scala.Tuple2<Integer, double[]>> parts = blocks.map(blk -> {
      int r = blk.kernel().numRows();
      double[] k = blk.kernel().values();
      double[] c = blk.cost().values();
      double[] t = new double[r * m + 1];
      double cost = 0;
      for (int i = 0; i < r; i++) {
        double ui = ub.value()[blk.start() + i];
        for (int j = 0; j < m; j++) {
          double tij = ui * k[i * m + j] * vb.value()[j];
          t[i * m + j] = tij;
          cost += tij * c[i * m + j];
        }
      }
      t[r * m] = cost;
      return new scala.Tuple2<>(blk.start(), t);
    }).collect();
    ub.destroy();
    vb.destroy();
    double[] plan = new double[n * m];
    double cost = 0;
    for (scala.Tuple2<Integer, double[]> p : parts) {
      int len = p._2().length - 1;
      System.arraycopy(p._2(), 0, plan, p._1() * m, len);
      cost += p._2()[len];
    }
    INDArray t = Nd4j.createFromArray(plan).reshape('c', n, m);
    double rowErr = maxAbsDiff(t.sum(1), 1.0 / n);
    double colErr = maxAbsDiff(t.sum(0), 1.0 / m);
    INDArray f = Nd4j.createFromArray(Arrays.stream(u).map(x -> reg * Math.log(x)).toArray());
    INDArray g = Nd4j.createFromArray(Arrays.stream(v).map(x -> reg * Math.log(x)).toArray());
    return new TransportPlan(t, cost, rowErr, colErr, iterations, f, g);
  }

  private static double maxAbsDiff(INDArray sums, double mass) {
    double e = 0;
    for (double s : sums.toDoubleVector()) {
      e = Math.max(e, Math.abs(s - mass));
    }
    return e;
  }

  private static double max(double[] x) {
    double mx = Double.NEGATIVE_INFINITY;
    for (double v : x) {
      mx = Math.max(mx, v);
    }
    return mx;
  }

  private static double sum(double[] x) {
    double s = 0;
    for (double v : x) {
      s += v;
    }
    return s;
  }
}
