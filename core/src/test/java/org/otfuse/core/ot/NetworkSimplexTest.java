package org.otfuse.core.ot;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.otfuse.core.ot.OtTestSupport.CostKind;
import org.otfuse.core.ot.OtTestSupport.SharedCase;

/** The exact-solver contract for {@link NetworkSimplex}, plus what is specific to it. */
class NetworkSimplexTest extends ExactSolverContract {

  @Override
  TransportSolver solver() {
    return new NetworkSimplex();
  }

  @Override
  boolean general() {
    return true;
  }

  @Override
  TransportSolver reference() {
    return new AssignmentSolver();
  }

  /** A basic solution: at most n + m - 1 positive entries (POT reports 499 for 300 x 200). */
  @Test
  void planIsABasicSolution() {
    for (SharedCase sc : sharedCases()) {
      if (sc.n() > 300) {
        continue;
      }
      TransportPlan p = solver().solve(sc.a(), sc.b(), sc.cost());
      int positive = p.plan().gt(0).castTo(DataType.INT32).sumNumber().intValue();
      assertTrue(positive <= sc.n() + sc.m() - 1, sc.name() + ": " + positive + " positive entries");
    }
  }

  /**
   * The anti-cycling invariant, pivot by pivot, on tie-heavy problems: the basis stays strongly
   * feasible (Cunningham 1976), the objective never increases, and the run ends optimal.
   */
  @Test
  void everyBasisIsStronglyFeasible() {
    Random rnd = new Random(17);
    int[][] shapes = {{6, 6}, {7, 4}, {5, 9}, {30, 30}, {24, 17}};
    for (CostKind kind : CostKind.values()) {
      for (int[] shape : shapes) {
        int n = shape[0];
        int m = shape[1];
        double[][] c = kind.make(n, m, rnd);
        double[] flat = OtTestSupport.matrix(c).dup('c').data().asDouble();
        boolean uniform = rnd.nextBoolean();
        int[] rows = uniform ? null : OtTestSupport.counts(n, 2 * n + m, rnd);
        int[] cols = uniform ? null : OtTestSupport.counts(m, 2 * n + m, rnd);
        double[] supply = new double[n + m];
        for (int i = 0; i < n; i++) {
          supply[i] = uniform ? 1.0 / n : rows[i] / (double) (2 * n + m);
        }
        for (int j = 0; j < m; j++) {
          supply[n + j] = -(uniform ? 1.0 / m : cols[j] / (double) (2 * n + m));
        }
        NetworkSimplex.Network net = new NetworkSimplex.Network(n, m, flat, supply);
        String what = kind + " " + n + "x" + m;
        assertTrue(net.stronglyFeasible(), what + ": initial basis");
        double objective = net.objective();
        while (net.step()) {
          assertTrue(net.stronglyFeasible(), what + ": basis after pivot " + net.pivots);
          double next = net.objective();
          assertTrue(next <= objective + 1e-12 * Math.abs(objective) + 1e-15,
              what + ": objective rose from " + objective + " to " + next);
          objective = next;
          assertTrue(net.pivots < 100_000, what + ": too many pivots");
        }
        double[] a = java.util.Arrays.copyOf(supply, n);
        double[] b = negate(java.util.Arrays.copyOfRange(supply, n, n + m));
        double cost = net.result(a, b, 0, new double[n], new double[m]).cost();
        TransportPlan ref = new NetworkSimplex().solve(OtTestSupport.vector(a), OtTestSupport.vector(b),
            OtTestSupport.matrix(c));
        OtTestSupport.EXACT_COST.assertClose(ref.cost(), cost, what + " final cost");
        if (uniform && n == m) {
          new org.otfuse.core.testing.Tolerance(1e-14, 1e-12).assertClose(
              new AssignmentSolver().solve(OtTestSupport.uniform(n), OtTestSupport.uniform(n),
                  OtTestSupport.matrix(c)).cost(), cost, what + " vs assignment");
        }
      }
    }
  }

  private static double[] negate(double[] x) {
    for (int i = 0; i < x.length; i++) {
      x[i] = -x[i];
    }
    return x;
  }

  @Test
  void zeroMassesAreAllowed() {
    Random rnd = new Random(3);
    double[][] c = CostKind.RANDOM.make(5, 4, rnd);
    INDArray a = OtTestSupport.vector(0.5, 0, 0.25, 0, 0.25);
    INDArray b = OtTestSupport.vector(0, 0.5, 0.5, 0);
    TransportPlan p = solver().solve(a, b, OtTestSupport.matrix(c));
    assertTrue(p.marginalError() <= 1e-15, "marginal error " + p.marginalError());
    // the same problem without the empty rows and columns
    double[][] reduced = {{c[0][1], c[0][2]}, {c[2][1], c[2][2]}, {c[4][1], c[4][2]}};
    TransportPlan q = solver().solve(OtTestSupport.vector(0.5, 0.25, 0.25),
        OtTestSupport.vector(0.5, 0.5), OtTestSupport.matrix(reduced));
    OtTestSupport.EXACT_COST.assertClose(q.cost(), p.cost(), "cost with zero masses");
  }

  @Test
  void pivotLimitFailsLoudly() {
    SharedCase sc = sharedCases().get(1);
    IllegalStateException e = assertThrows(IllegalStateException.class,
        () -> new NetworkSimplex(5).solve(sc.a(), sc.b(), sc.cost()));
    assertTrue(e.getMessage().contains("limit of 5 pivots"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> new NetworkSimplex(0));
  }
}
