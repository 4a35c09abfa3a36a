package org.otfuse.core.ot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.otfuse.core.ot.OtTestSupport.DUAL_SLACK;
import static org.otfuse.core.ot.OtTestSupport.EXACT_COST;
import static org.otfuse.core.ot.OtTestSupport.EXACT_MARGINAL;
import static org.otfuse.core.ot.OtTestSupport.assertOptimalByDuality;
import static org.otfuse.core.ot.OtTestSupport.matrix;
import static org.otfuse.core.ot.OtTestSupport.uniform;
import static org.otfuse.core.ot.OtTestSupport.vector;

import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.otfuse.core.ot.OtTestSupport.CostKind;
import org.otfuse.core.ot.OtTestSupport.SharedCase;
import org.otfuse.core.testing.Tolerance;

/**
 * The contract every exact OT solver passes (after Hipparchus' shared optimizer tests): one
 * subclass per implementation. A solver that only handles square problems with uniform marginals
 * ({@link #general()} false) must reject the others with a clear message instead.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
abstract class ExactSolverContract {

  /** The solver under test. */
  abstract TransportSolver solver();

  /** Whether the solver handles {@code n != m} and non-uniform marginals. */
  abstract boolean general();

  /** An independent exact solver to compare with on random square uniform instances. */
  abstract TransportSolver reference();

  static List<SharedCase> sharedCases() {
    return OtTestSupport.sharedCases();
  }

  /** Solves, or, for a case the solver does not handle, checks that it says why. */
  private TransportPlan solveOrReject(INDArray a, INDArray b, INDArray c, boolean squareUniform) {
    if (!general() && !squareUniform) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> solver().solve(a, b, c));
      assertTrue(e.getMessage().contains("needs") && e.getMessage().contains("ExactOt"),
          e.getMessage());
      return null;
    }
    return solver().solve(a, b, c);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("sharedCases")
  void matchesPotEmdOnSharedCases(SharedCase sc) {
    INDArray a = sc.a();
    INDArray b = sc.b();
    INDArray c = sc.cost();
    TransportPlan p = solveOrReject(a, b, c, sc.squareUniform());
    if (p == null) {
      return;
    }
    EXACT_COST.assertClose(sc.emdCost(), p.cost(), sc.name() + " cost vs POT ot.emd");
    EXACT_MARGINAL.assertClose(0, p.rowError(), sc.name() + " row marginal error");
    EXACT_MARGINAL.assertClose(0, p.colError(), sc.name() + " column marginal error");
    assertEquals(DataType.DOUBLE, p.plan().dataType());
    assertOptimalByDuality(p, a, b, c, DUAL_SLACK);
    if (sc.squareUniform()) {
      // a vertex of the Birkhoff polytope: n entries of 1/n
      assertEquals(sc.n(), p.plan().gt(0).castTo(DataType.INT32).sumNumber().intValue(),
          "positive entries of the plan");
    }
  }

  @Test
  void acceptsFloat32InputsAndLeavesThemUnmodified() {
    SharedCase sc = sharedCases().get(0);
    INDArray c = sc.cost().castTo(DataType.FLOAT);
    INDArray a = sc.a().castTo(DataType.FLOAT);
    INDArray cCopy = c.dup();
    TransportPlan p = solver().solve(a, a, c);
    assertEquals(DataType.DOUBLE, p.plan().dataType());
    assertTrue(cCopy.equals(c), "cost was modified");
    double direct = p.plan().mul(c.castTo(DataType.DOUBLE)).sumNumber().doubleValue();
    Tolerance.relative(1e-12).assertClose(direct, p.cost(), "cost of a float32 problem");
  }

  /** Square uniform, n <= 7: every kind of degenerate cost against enumeration of permutations. */
  @ParameterizedTest(name = "{0}")
  @EnumSource(CostKind.class)
  void squareUniformMatchesBruteForce(CostKind kind) {
    Random rnd = new Random(11 + kind.ordinal());
    for (int n = 1; n <= 7; n++) {
      for (int rep = 0; rep < 3; rep++) {
        double[][] c = kind.make(n, n, rnd);
        double expected = OtTestSupport.bruteForceAssignment(c) / n;
        TransportPlan p = solver().solve(uniform(n), uniform(n), matrix(c));
        String what = kind + " n=" + n + " rep=" + rep;
        new Tolerance(1e-14, 1e-12).assertClose(expected, p.cost(), what + " cost");
        EXACT_MARGINAL.assertClose(0, p.marginalError(), what + " marginals");
        assertOptimalByDuality(p, uniform(n), uniform(n), matrix(c), DUAL_SLACK);
      }
    }
  }

  /** n != m and non-uniform rational masses, degenerate costs: the expanded assignment. */
  @ParameterizedTest(name = "{0}")
  @EnumSource(CostKind.class)
  void generalMatchesExpandedAssignment(CostKind kind) {
    Random rnd = new Random(101 + kind.ordinal());
    int[][] shapes = {{1, 4}, {4, 1}, {2, 3}, {3, 5}, {6, 4}, {5, 5}, {12, 7}, {9, 16}};
    for (int[] shape : shapes) {
      int n = shape[0];
      int m = shape[1];
      int total = rnd.nextBoolean() ? Math.max(n, m) + 3 : 2 * Math.max(n, m);
      int[] rows = OtTestSupport.counts(n, total, rnd);
      int[] cols = OtTestSupport.counts(m, total, rnd);
      double[][] c = kind.make(n, m, rnd);
      INDArray a = OtTestSupport.masses(rows);
      INDArray b = OtTestSupport.masses(cols);
      TransportPlan p = solveOrReject(a, b, matrix(c), false);
      if (p == null) {
        continue;
      }
      String what = kind + " " + n + "x" + m + " N=" + total;
      double expected = OtTestSupport.expandedAssignmentCost(c, rows, cols);
      new Tolerance(1e-13, 1e-11).assertClose(expected, p.cost(), what + " cost");
      EXACT_MARGINAL.assertClose(0, p.marginalError(), what + " marginals");
      assertOptimalByDuality(p, a, b, matrix(c), DUAL_SLACK);
    }
  }

  /** Random square uniform instances against the other exact solver. */
  @ParameterizedTest(name = "n={0}")
  @ValueSource(ints = {2, 10, 33, 100})
  void squareUniformMatchesOtherSolver(int n) {
    Random rnd = new Random(7 * n);
    for (CostKind kind : new CostKind[] {CostKind.RANDOM, CostKind.INTEGER_0_1_2,
        CostKind.RANK_ONE}) {
      double[][] c = kind.make(n, n, rnd);
      TransportPlan p = solver().solve(uniform(n), uniform(n), matrix(c));
      TransportPlan q = reference().solve(uniform(n), uniform(n), matrix(c));
      new Tolerance(1e-13, 1e-10).assertClose(q.cost(), p.cost(), kind + " n=" + n);
      assertOptimalByDuality(p, uniform(n), uniform(n), matrix(c), DUAL_SLACK);
    }
  }

  /** Larger problems full of ties terminate (anti-cycling) with a dual-certified optimum. */
  @Test
  void largeDegenerateProblemsTerminate() {
    Random rnd = new Random(5);
    int n = 80;
    for (CostKind kind : new CostKind[] {CostKind.ALL_ZERO, CostKind.INTEGER_0_1_2,
        CostKind.RANK_ONE, CostKind.PERMUTATION}) {
      double[][] c = kind.make(n, n, rnd);
      TransportPlan p = solver().solve(uniform(n), uniform(n), matrix(c));
      assertOptimalByDuality(p, uniform(n), uniform(n), matrix(c), DUAL_SLACK);
      if (kind == CostKind.ALL_ZERO || kind == CostKind.PERMUTATION) {
        Tolerance.absolute(1e-15).assertClose(0, p.cost(), kind + " optimum");
      }
      if (general()) {
        int m = 53;
        double[][] r = kind.make(n, m, rnd);
        INDArray a = OtTestSupport.masses(OtTestSupport.counts(n, 3 * n, rnd));
        TransportPlan q = solver().solve(a, uniform(m), matrix(r));
        assertOptimalByDuality(q, a, uniform(m), matrix(r), DUAL_SLACK);
      }
    }
  }

  @Test
  void oneByOne() {
    TransportPlan p = solver().solve(vector(2.0), vector(2.0), matrix(new double[][] {{3.5}}));
    assertEquals(2.0, p.plan().getDouble(0, 0), 0);
    assertEquals(7.0, p.cost(), 0);
    assertEquals(0.0, p.marginalError(), 0);
    assertOptimalByDuality(p, vector(2.0), vector(2.0), matrix(new double[][] {{3.5}}), 0);
  }

  @Test
  void oneByMAndMByOne() {
    INDArray b = vector(0.2, 0.3, 0.5);
    INDArray row = matrix(new double[][] {{4, -1, 2}});
    TransportPlan p = solveOrReject(vector(1.0), b, row, false);
    if (p == null) {
      return;
    }
    Tolerance.absolute(1e-15).assertClose(b.reshape(1, 3), p.plan(), "1 x 3 plan");
    Tolerance.absolute(1e-15).assertClose(0.8 - 0.3 + 1.0, p.cost(), "1 x 3 cost");
    INDArray col = row.transpose().dup();
    TransportPlan q = solver().solve(b, vector(1.0), col);
    Tolerance.absolute(1e-15).assertClose(b.reshape(3, 1), q.plan(), "3 x 1 plan");
    assertOptimalByDuality(q, b, vector(1.0), col, DUAL_SLACK);
  }

  @Test
  void nonUniformSquareAndSlightlyUnbalancedTotals() {
    // totals equal within 1e-9 relative are accepted; b is rescaled to sum(a)
    INDArray a = vector(0.1, 0.2, 0.7);
    INDArray b = vector(0.5, 0.25, 0.25 + 4e-10);
    INDArray c = matrix(new double[][] {{1, 2, 3}, {2, 0, 1}, {0, 3, 2}});
    TransportPlan p = solveOrReject(a, b, c, false);
    if (p == null) {
      return;
    }
    assertTrue(p.marginalError() <= 1e-9, "marginal error " + p.marginalError());
    // by hand: row 2 (0.7) takes column 0 (0.5) at 0 and 0.2 of column 2 at 2; row 1 takes
    // column 1 (0.2 of 0.25) at 0; row 0 takes 0.05 of column 1 at 2 and 0.05 of column 2 at 3
    Tolerance.absolute(1e-9).assertClose(0.4 + 0.1 + 0.15, p.cost(), "cost");
  }

  @Test
  void rejectsMismatchedShapes() {
    INDArray c = Nd4j.zeros(DataType.DOUBLE, 3, 4);
    assertMessage(() -> solver().solve(uniform(4), uniform(4), c),
        "a must be a vector of length 3", "[4]");
    assertMessage(() -> solver().solve(uniform(3), uniform(3), c),
        "b must be a vector of length 4", "[3]");
    assertMessage(() -> solver().solve(uniform(3), uniform(4), Nd4j.zeros(DataType.DOUBLE, 12)),
        "cost must be a 2-d matrix", "[12]");
    assertMessage(() -> solver().solve(Nd4j.zeros(DataType.DOUBLE, 3, 2), uniform(4), c),
        "a must be a vector", "[3, 2]");
  }

  @Test
  void rejectsMarginalsWithDifferentSums() {
    INDArray c = Nd4j.ones(DataType.DOUBLE, 2, 2);
    assertMessage(() -> solver().solve(vector(0.5, 0.5), vector(1.0, 1.0), c),
        "same total", "sum(a) = 1.0", "sum(b) = 2.0");
  }

  @Test
  void rejectsNegativeOrNonFiniteEntries() {
    INDArray c = Nd4j.ones(DataType.DOUBLE, 2, 2);
    assertMessage(() -> solver().solve(vector(1.5, -0.5), vector(0.5, 0.5), c),
        "a[1] = -0.5", ">= 0");
    INDArray nan = c.dup();
    nan.putScalar(1, 0, Double.NaN);
    assertMessage(() -> solver().solve(uniform(2), uniform(2), nan), "cost[1, 0] = NaN",
        "not finite");
    INDArray inf = c.dup();
    inf.putScalar(0, 1, Double.POSITIVE_INFINITY);
    assertMessage(() -> solver().solve(uniform(2), uniform(2), inf), "cost[0, 1] = Infinity");
    assertMessage(() -> solver().solve(vector(Double.NaN, 1), uniform(2), c), "a[0] = NaN");
  }

  static void assertMessage(org.junit.jupiter.api.function.Executable call, String... parts) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
    for (String part : parts) {
      assertTrue(e.getMessage().contains(part),
          "message '" + e.getMessage() + "' should contain '" + part + "'");
    }
  }

}
