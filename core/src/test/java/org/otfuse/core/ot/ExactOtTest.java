package org.otfuse.core.ot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The exact-solver contract for {@link ExactOt}, plus its dispatch rule. */
class ExactOtTest extends ExactSolverContract {

  @Override
  TransportSolver solver() {
    return new ExactOt();
  }

  @Override
  boolean general() {
    return true;
  }

  @Override
  TransportSolver reference() {
    return new NetworkSimplex();
  }

  @Test
  void uniformMeansWithin1e12Relative() {
    assertTrue(ExactOt.isUniform(new double[] {0.25, 0.25, 0.25, 0.25}));
    assertTrue(ExactOt.isUniform(new double[] {1.0 / 3, 1.0 / 3, 1.0 / 3}));
    assertTrue(ExactOt.isUniform(new double[] {0.5, 0.5 + 1e-13}));
    assertFalse(ExactOt.isUniform(new double[] {0.5, 0.5 + 1e-11}));
    assertEquals(1e-12, ExactOt.UNIFORM_TOLERANCE);
  }

  @Test
  void squareUniformGoesToTheAssignmentSolver() {
    // the assignment solver reports n augmentations as its iterations
    int n = 17;
    var c = OtTestSupport.matrix(OtTestSupport.CostKind.RANDOM.make(n, n, new java.util.Random(1)));
    TransportPlan p = solver().solve(OtTestSupport.uniform(n), OtTestSupport.uniform(n), c);
    TransportPlan q = new AssignmentSolver().solve(OtTestSupport.uniform(n),
        OtTestSupport.uniform(n), c);
    assertEquals(q.iterations(), p.iterations());
    assertTrue(p.plan().equals(q.plan()));
  }
}
