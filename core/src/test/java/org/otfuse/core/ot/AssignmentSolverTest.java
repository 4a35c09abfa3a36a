package org.otfuse.core.ot;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.otfuse.core.ot.OtTestSupport.uniform;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.otfuse.core.testing.Tolerance;

/** The exact-solver contract for {@link AssignmentSolver}, plus a golden case on real weights. */
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
}
