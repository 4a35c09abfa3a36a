package org.otfuse.core.ot;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.otfuse.core.ot.OtTestSupport.uniform;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.otfuse.core.testing.Tolerance;

/**
 * The exact-solver contract for {@link AssignmentSolver}, a golden case on real weights, and the
 * LAPJV phases against an independent shortest-augmenting-path oracle ({@link SapOracle}).
 */
class AssignmentSolverTest extends ExactSolverContract {

  @Override
  TransportSolver solver() {
    return new AssignmentSolver();
  }

  @Override
  boolean general() {
    return false;
  }

  @Override
  TransportSolver reference() {
    return new NetworkSimplex();
  }

  /**
   * The reference MLPNet's fc1 weights (model 0 vs model 1, 400 x 784 float32): Euclidean ground
   * cost and exact OT give POT's cost and permutation (src/test/resources/ot/make_golden.py).
   */
  @Test
  void matchesPotOnReferenceFc1Weights() {
    JsonNode golden = OtTestSupport.json(OtTestSupport.resource("golden.json"));
    INDArray w0 = OtTestSupport.npy("otfusion-mnist/checkpoints/model_0/fc1.weight.npy");
    INDArray w1 = OtTestSupport.npy("otfusion-mnist/checkpoints/model_1/fc1.weight.npy");
    INDArray c = GroundCost.pairwise(w0, w1, GroundMetric.EUCLIDEAN);
    int n = golden.get("fc1_n").asInt();
    TransportPlan p = solver().solve(uniform(n), uniform(n), c);
    Tolerance.relative(1e-12).assertClose(golden.get("fc1_emd_cost").asDouble(), p.cost(),
        "fc1 exact OT cost vs POT");
    int[] expected = new int[n];
    for (int i = 0; i < n; i++) {
      expected[i] = golden.get("fc1_emd_perm").get(i).asInt();
    }
    int[] perm = p.plan().argMax(1).toIntVector();
    assertArrayEquals(expected, perm, "fc1 permutation vs POT");
    assertTrue(golden.get("fc1_lsa_matches_emd").asBoolean());
    OtTestSupport.assertOptimalByDuality(p, uniform(n), uniform(n), c, OtTestSupport.DUAL_SLACK);
  }

  /**
   * LAPJV with augmenting row reduction off, bounded (default) and unbounded gives the oracle's
   * optimal cost with feasible, tight duals, on every cost kind (ties, degenerate, rank one) and
   * on squared Euclidean costs like the benchmark's.
   */
  @ParameterizedTest(name = "n={0}")
  @ValueSource(ints = {1, 2, 3, 5, 17, 64, 203})
  void lapjvPhasesMatchTheOracle(int n) {
    Random rnd = new Random(1000 + n);
    for (OtTestSupport.CostKind kind : OtTestSupport.CostKind.values()) {
      checkAgainstOracle(kind.make(n, n, rnd), kind + " n=" + n);
    }
    checkAgainstOracle(sqEuclidean(n, 8, rnd), "sqeuclidean n=" + n);
  }

  private static double[][] sqEuclidean(int n, int d, Random rnd) {
    double[][] x = new double[n][d];
    double[][] y = new double[n][d];
    for (int i = 0; i < n; i++) {
      for (int k = 0; k < d; k++) {
        x[i][k] = rnd.nextGaussian();
        y[i][k] = rnd.nextGaussian();
      }
    }
    double[][] c = new double[n][n];
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < n; j++) {
        double s = 0;
        for (int k = 0; k < d; k++) {
          s += (x[i][k] - y[j][k]) * (x[i][k] - y[j][k]);
        }
        c[i][j] = s;
      }
    }
    return c;
  }

  private static void checkAgainstOracle(double[][] cm, String what) {
    int n = cm.length;
    double[] c = new double[n * n];
    double scale = 0;
    for (int i = 0; i < n; i++) {
      System.arraycopy(cm[i], 0, c, i * n, n);
      for (double x : cm[i]) {
        scale = Math.max(scale, Math.abs(x));
      }
    }
    int[] ref = new int[n];
    SapOracle.assign(c, n, new double[n], new double[n], ref);
    double expected = permutationCost(c, n, ref);
    // dense and sparse variants (the sparse one forced on small n: candidate graphs without a
    // perfect matching on tie-heavy costs exercise its repair rounds and dense fallback)
    for (int[] variant : new int[][] {{0, Integer.MAX_VALUE}, {-1, Integer.MAX_VALUE},
        {1_000_000, Integer.MAX_VALUE}, {0, 1}, {-1, 1}, {1_000_000, 1}}) {
      int factor = variant[0];
      double[] u = new double[n];
      double[] v = new double[n];
      int[] colOf = new int[n];
      Lapjv.solve(c, n, u, v, colOf, factor, variant[1]);
      String w = what + " arrStepFactor=" + factor + (variant[1] == 1 ? " sparse" : " dense");
      boolean[] used = new boolean[n];
      for (int i = 0; i < n; i++) {
        assertTrue(colOf[i] >= 0 && colOf[i] < n && !used[colOf[i]], w + ": not a permutation");
        used[colOf[i]] = true;
      }
      new Tolerance(1e-12 * Math.max(1, scale) * n, 1e-12).assertClose(expected,
          permutationCost(c, n, colOf), w + " cost");
      double slack = 1e-12 * Math.max(1, scale);
      for (int i = 0; i < n; i++) {
        for (int j = 0; j < n; j++) {
          double gap = c[i * n + j] - u[i] - v[j];
          assertTrue(gap >= -slack, w + ": dual infeasible at " + i + "," + j + ": " + gap);
        }
        Tolerance.absolute(slack).assertClose(0, c[i * n + colOf[i]] - u[i] - v[colOf[i]],
            w + ": slack on the assignment, row " + i);
      }
    }
  }

  private static double permutationCost(double[] c, int n, int[] colOf) {
    double s = 0;
    for (int i = 0; i < n; i++) {
      s += c[i * n + colOf[i]];
    }
    return s;
  }

  /**
   * The sparse variant's two escape hatches are taken and still give the optimum: an all-zero
   * cost makes every row pick the same candidates (no perfect matching in the candidate graph:
   * dense fallback); among twelve random 2-D squared-Euclidean costs some have optimal arcs
   * outside the first candidates, so the dense check frees rows (repair rounds).
   */
  @Test
  void sparseVariantFallsBackAndRepairs() {
    int n = 150;
    double[] zeros = new double[n * n];
    int[] free = new int[n];
    double[] v = new double[n];
    int[] colOf = new int[n];
    int[] rowOf = new int[n];
    int numFree = Lapjv.columnReduction(zeros, n, v, colOf, rowOf, free);
    SparseLapjv s = SparseLapjv.complete(zeros, n, v, colOf, rowOf, free, numFree, 0);
    assertTrue(s.denseFallback, "all-zero cost should need the dense fallback");
    assertTrue(isPermutation(colOf), "a permutation");
    // random squared-Euclidean costs in 2 dimensions: some of them need repair rounds
    int repaired = 0;
    for (int seed = 0; seed < 12; seed++) {
      double[][] c = sqEuclidean(n, 2, new Random(seed));
      double[] flat = new double[n * n];
      for (int i = 0; i < n; i++) {
        System.arraycopy(c[i], 0, flat, i * n, n);
      }
      int[] ref = new int[n];
      SapOracle.assign(flat, n, new double[n], new double[n], ref);
      v = new double[n];
      numFree = Lapjv.columnReduction(flat, n, v, colOf, rowOf, free);
      s = SparseLapjv.complete(flat, n, v, colOf, rowOf, free, numFree, 0);
      assertTrue(isPermutation(colOf), "a permutation");
      repaired += s.rounds > 0 && !s.denseFallback ? 1 : 0;
      Tolerance.relative(1e-12).assertClose(permutationCost(flat, n, ref),
          permutationCost(flat, n, colOf), "sparse vs oracle, seed " + seed + ", " + s.rounds + " repair rounds");
    }
    assertTrue(repaired > 0, "no cost took the repair rounds");
  }

  private static boolean isPermutation(int[] colOf) {
    boolean[] seen = new boolean[colOf.length];
    for (int j : colOf) {
      if (j < 0 || j >= colOf.length || seen[j]) {
        return false;
      }
      seen[j] = true;
    }
    return true;
  }
}
