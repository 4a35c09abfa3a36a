package org.otfuse.core.ot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.otfuse.core.ot.ExactSolverContract.assertMessage;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.otfuse.core.testing.Tolerance;

class GroundCostTest {

  /** Expansion-based distances in float64 vs a direct double loop: rounding only. */
  static final Tolerance DISTANCE = new Tolerance(1e-12, 1e-12);

  private static double[][] random(int n, int d, Random rnd) {
    double[][] x = new double[n][d];
    for (double[] row : x) {
      for (int k = 0; k < d; k++) {
        row[k] = rnd.nextGaussian();
      }
    }
    return x;
  }

  /** Direct per-pair loops over the (float32-rounded, when asked) values. */
  private static double[][] direct(double[][] x, double[][] y, GroundMetric metric) {
    double[][] c = new double[x.length][y.length];
    for (int i = 0; i < x.length; i++) {
      for (int j = 0; j < y.length; j++) {
        double sq = 0;
        double dot = 0;
        double nx = 0;
        double ny = 0;
        for (int k = 0; k < x[i].length; k++) {
          double diff = x[i][k] - y[j][k];
          sq += diff * diff;
          dot += x[i][k] * y[j][k];
          nx += x[i][k] * x[i][k];
          ny += y[j][k] * y[j][k];
        }
        c[i][j] = switch (metric) {
          case EUCLIDEAN -> Math.sqrt(sq);
          case SQEUCLIDEAN -> sq;
          case COSINE -> Math.max(0, 1 - dot / (Math.sqrt(nx) * Math.sqrt(ny)));
        };
      }
    }
    return c;
  }

  private static double[][] toFloat(double[][] x) {
    double[][] r = new double[x.length][];
    for (int i = 0; i < x.length; i++) {
      r[i] = new double[x[i].length];
      for (int k = 0; k < x[i].length; k++) {
        r[i][k] = (float) x[i][k];
      }
    }
    return r;
  }

  @Test
  void everyMetricMatchesDirectLoopsInDoubleAndFloat() {
    Random rnd = new Random(42);
    double[][] x = random(7, 13, rnd);
    double[][] y = random(5, 13, rnd);
    for (GroundMetric metric : GroundMetric.values()) {
      INDArray c = GroundCost.pairwise(Nd4j.createFromArray(x), Nd4j.createFromArray(y), metric);
      assertEquals(DataType.DOUBLE, c.dataType());
      DISTANCE.assertClose(Nd4j.createFromArray(direct(x, y, metric)), c, metric + " float64");
      // float32 inputs: computed in float64 from the float32 values
      INDArray xf = Nd4j.createFromArray(x).castTo(DataType.FLOAT);
      INDArray yf = Nd4j.createFromArray(y).castTo(DataType.FLOAT);
      INDArray xfCopy = xf.dup();
      INDArray cf = GroundCost.pairwise(xf, yf, metric);
      assertEquals(DataType.DOUBLE, cf.dataType());
      DISTANCE.assertClose(Nd4j.createFromArray(direct(toFloat(x), toFloat(y), metric)), cf,
          metric + " float32");
      assertTrue(xf.equals(xfCopy), "x modified");
    }
  }

  /** Golden block of scipy's cdist on the reference MLPNet fc1 weights (float32). */
  @Test
  void euclideanMatchesScipyOnReferenceWeights() {
    INDArray w0 = OtTestSupport.npy("otfusion-mnist/checkpoints/model_0/fc1.weight.npy");
    INDArray w1 = OtTestSupport.npy("otfusion-mnist/checkpoints/model_1/fc1.weight.npy");
    assertEquals(DataType.FLOAT, w0.dataType());
    INDArray golden;
    try {
      golden = org.otfuse.core.io.Npy.read(OtTestSupport.resource("fc1_euclid_block.npy"));
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    INDArray c = GroundCost.pairwise(w0, w1, GroundMetric.EUCLIDEAN);
    INDArray block = c.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 24),
        org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 24));
    // the project's golden fusion test needs 1e-6 relative; float64 gives far better
    Tolerance.relative(1e-12).assertClose(golden, block, "fc1 Euclidean vs scipy cdist");
    var json = OtTestSupport.json(OtTestSupport.resource("golden.json"));
    Tolerance.relative(1e-12).assertClose(json.get("fc1_C_sum").asDouble(),
        c.sumNumber().doubleValue(), "sum of the full 400 x 400 cost");
    Tolerance.relative(1e-12).assertClose(json.get("fc1_C_min").asDouble(),
        c.minNumber().doubleValue(), "min of the full cost");
  }

  @Test
  void identicalRowsGiveZeroNotNegativeOrNaN() {
    Random rnd = new Random(1);
    double[][] x = random(6, 50, rnd);
    for (int i = 0; i < 6; i++) {
      for (int k = 0; k < 50; k++) {
        x[i][k] = x[i][k] * 1e3 + 1e4; // large norms: worst cancellation
      }
    }
    INDArray xa = Nd4j.createFromArray(x);
    for (GroundMetric metric : GroundMetric.values()) {
      INDArray c = GroundCost.pairwise(xa, xa, metric);
      assertTrue(c.minNumber().doubleValue() >= 0, metric + " has a negative entry");
      assertTrue(!c.isNaN().any(), metric + " has NaN");
      double normSq = xa.getRow(0).mul(xa.getRow(0)).sumNumber().doubleValue();
      double bound = metric == GroundMetric.EUCLIDEAN ? 1e-7 * Math.sqrt(normSq)
          : metric == GroundMetric.SQEUCLIDEAN ? 1e-14 * normSq : 1e-15;
      for (int i = 0; i < 6; i++) {
        assertTrue(c.getDouble(i, i) <= bound, metric + " diagonal " + c.getDouble(i, i));
      }
    }
  }

  @Test
  void cosineOfKnownVectors() {
    INDArray x = Nd4j.createFromArray(new double[][] {{1, 0}, {1, 1}, {3, 3}});
    INDArray y = Nd4j.createFromArray(new double[][] {{0, 2}, {-1, 0}, {2, 2}});
    INDArray c = GroundCost.pairwise(x, y, GroundMetric.COSINE);
    double r = 1 - Math.sqrt(0.5);
    DISTANCE.assertClose(Nd4j.createFromArray(new double[][] {
        {1, 2, r}, {r, 1 + Math.sqrt(0.5), 0}, {r, 1 + Math.sqrt(0.5), 0}}), c, "cosine");
    assertEquals(0.0, c.getDouble(2, 2), 0, "parallel vectors clamp to exactly 0");
  }

  @Test
  void normalisations() {
    INDArray c = Nd4j.createFromArray(new double[][] {{4, 1, 8}, {2, 6, 3}}); // sorted 1 2 3 4 6 8
    INDArray original = c.dup();
    DISTANCE.assertClose(c, GroundCost.normalize(c, CostNormalization.NONE), "NONE");
    assertNotSame(c, GroundCost.normalize(c, CostNormalization.NONE));
    DISTANCE.assertClose(c.div(8), GroundCost.normalize(c, CostNormalization.MAX), "MAX");
    DISTANCE.assertClose(c.div(4), GroundCost.normalize(c, CostNormalization.MEAN), "MEAN");
    // even count: torch.median returns the lower middle value 3, not np.median's 3.5
    assertEquals(3.0, GroundCost.lowerMedian(c));
    DISTANCE.assertClose(c.div(3), GroundCost.normalize(c, CostNormalization.MEDIAN), "MEDIAN");
    assertEquals(4.0, GroundCost.lowerMedian(Nd4j.createFromArray(5.0, 4, 1, 9, 2)), "odd count");
    assertEquals(7.0, GroundCost.lowerMedian(Nd4j.createFromArray(7.0, 7, 7, 7)), "ties");
    DISTANCE.assertClose(Nd4j.createFromArray(new double[][] {
        {Math.log1p(4), Math.log1p(1), Math.log1p(8)},
        {Math.log1p(2), Math.log1p(6), Math.log1p(3)}}),
        GroundCost.normalize(c, CostNormalization.LOG), "LOG");
    assertTrue(original.equals(c), "normalize modified its input");
    INDArray f = GroundCost.normalize(c.castTo(DataType.FLOAT), CostNormalization.MAX);
    assertEquals(DataType.DOUBLE, f.dataType());
    INDArray x = Nd4j.createFromArray(new double[][] {{0, 0}, {1, 1}});
    DISTANCE.assertClose(GroundCost.pairwise(x, x, GroundMetric.SQEUCLIDEAN).div(2),
        GroundCost.compute(x, x, GroundMetric.SQEUCLIDEAN, CostNormalization.MAX), "compute");
  }

  @Test
  void failsClearly() {
    INDArray x = Nd4j.zeros(DataType.DOUBLE, 3, 4);
    INDArray y = Nd4j.ones(DataType.DOUBLE, 2, 5);
    assertMessage(() -> GroundCost.pairwise(x, y, GroundMetric.EUCLIDEAN),
        "x has shape [3, 4] but y has shape [2, 5]", "same dimension d");
    INDArray nan = Nd4j.ones(DataType.FLOAT, 3, 4);
    nan.putScalar(1, 2, Float.NaN);
    assertMessage(() -> GroundCost.pairwise(Nd4j.ones(DataType.DOUBLE, 2, 4), nan,
        GroundMetric.SQEUCLIDEAN), "y[1, 2] = NaN", "not finite");
    assertMessage(() -> GroundCost.pairwise(x, x, GroundMetric.COSINE), "row 0 of x has norm 0");
    assertMessage(() -> GroundCost.pairwise(Nd4j.ones(DataType.DOUBLE, 4), x,
        GroundMetric.EUCLIDEAN), "x must be a 2-d matrix", "[4]");
    assertMessage(() -> GroundCost.normalize(Nd4j.zeros(DataType.DOUBLE, 2, 2),
        CostNormalization.MAX), "max = 0.0", "NONE");
    assertMessage(() -> GroundCost.normalize(Nd4j.createFromArray(new double[][] {{-2, 1}}),
        CostNormalization.LOG), "minimum -2.0", "> -1");
    assertMessage(() -> GroundCost.pairwise(x, y, null), "metric must not be null");
  }

  /**
   * Row blocks of x (forced down to 1 and 3 rows here) give the same cost as one block, for
   * every metric, with float32 and float64 inputs and non-contiguous views.
   */
  @Test
  void rowBlocksMatchOneBlock() {
    Random rnd = new Random(9);
    double[][] x = random(10, 7, rnd);
    double[][] y = random(6, 7, rnd);
    INDArray xa = Nd4j.createFromArray(x);
    INDArray ya = Nd4j.createFromArray(y);
    for (GroundMetric metric : GroundMetric.values()) {
      INDArray whole = GroundCost.pairwise(xa, ya, metric);
      DISTANCE.assertClose(Nd4j.createFromArray(direct(x, y, metric)), whole, metric + " whole");
      for (long blockBytes : new long[] {1, 3 * 8 * 7}) {
        DISTANCE.assertClose(whole, GroundCost.pairwise(xa, ya, metric, GroundCost.Precision.FLOAT64, blockBytes),
            metric + " blocks of " + blockBytes + " bytes");
        INDArray xf = xa.castTo(DataType.FLOAT);
        INDArray yf = ya.castTo(DataType.FLOAT);
        DISTANCE.assertClose(GroundCost.pairwise(xf, yf, metric),
            GroundCost.pairwise(xf, yf, metric, GroundCost.Precision.FLOAT64, blockBytes), metric + " float32");
      }
      // a transposed (column-major) view and a row slice as inputs
      INDArray xt = xa.transpose().dup('c').transpose();
      DISTANCE.assertClose(whole, GroundCost.pairwise(xt, ya, metric, GroundCost.Precision.FLOAT64, 8 * 7 * 4),
          metric + " f-order input");
      INDArray slice = xa.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(2, 7),
          org.nd4j.linalg.indexing.NDArrayIndex.all());
      DISTANCE.assertClose(whole.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(2, 7),
          org.nd4j.linalg.indexing.NDArrayIndex.all()), GroundCost.pairwise(slice, ya, metric, GroundCost.Precision.FLOAT64, 16),
          metric + " row slice");
    }
  }

  /**
   * {@link GroundCost.Precision#INPUT} on float32 inputs: a float32 GEMM, so entries agree with
   * the float64 cost to float32 rounding of the dot products (about {@code 1e-7 sqrt(d) |x||y|}),
   * not to 1e-12; identical rows still get the smallest cost of their row; blocks change nothing
   * but rounding; float64 inputs still get the float64 GEMM.
   */
  @Test
  void inputPrecisionRunsTheGemmInFloat32() {
    Random rnd = new Random(7);
    double[][] x = random(37, 300, rnd);
    double[][] y = random(29, 300, rnd);
    y[3] = x[11].clone(); // an exact copy: its cost must stay the row minimum
    INDArray xf = Nd4j.createFromArray(toFloat(x)).castTo(DataType.FLOAT);
    INDArray yf = Nd4j.createFromArray(toFloat(y)).castTo(DataType.FLOAT);
    for (GroundMetric metric : GroundMetric.values()) {
      INDArray exact = Nd4j.createFromArray(direct(toFloat(x), toFloat(y), metric));
      INDArray fast = GroundCost.pairwise(xf, yf, metric, GroundCost.Precision.INPUT);
      assertEquals(DataType.DOUBLE, fast.dataType());
      // Euclidean: compare squares (the square root of a tiny distance amplifies the rounding)
      boolean root = metric == GroundMetric.EUCLIDEAN;
      double scale = metric == GroundMetric.COSINE ? 1.0 : 600;
      double worst = (root ? exact.mul(exact).sub(fast.mul(fast)) : exact.sub(fast)).amaxNumber().doubleValue()
          / scale;
      assertTrue(worst < 1e-5, metric + ": float32 GEMM off by " + worst + " of the cost scale");
      assertTrue(worst > 0 || metric == GroundMetric.COSINE,
          metric + ": identical to float64, so the float32 GEMM did not run");
      assertEquals(3, Nd4j.argMin(fast.getRow(11)).getInt(0), metric + ": the copy is the nearest");
      INDArray blocked = GroundCost.pairwise(xf, yf, metric, GroundCost.Precision.INPUT, 300 * 8 * 5);
      new Tolerance(1e-5 * scale, 1e-5).assertClose(root ? fast.mul(fast) : fast,
          root ? blocked.mul(blocked) : blocked, metric + " blocks of 5 rows");
      DISTANCE.assertClose(exact, GroundCost.pairwise(Nd4j.createFromArray(toFloat(x)),
          Nd4j.createFromArray(toFloat(y)), metric, GroundCost.Precision.INPUT), metric + " float64 inputs");
    }
  }
}
