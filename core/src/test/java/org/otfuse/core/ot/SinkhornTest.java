package org.otfuse.core.ot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.otfuse.core.ot.ExactSolverContract.assertMessage;
import static org.otfuse.core.ot.OtTestSupport.uniform;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.otfuse.core.ot.OtTestSupport.CostKind;
import org.otfuse.core.ot.OtTestSupport.SharedCase;
import org.otfuse.core.testing.Tolerance;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SinkhornTest {

  /** Our converged cost vs POT's ot.sinkhorn cost (stopThr 1e-9 on the column error). */
  static final Tolerance POT_SINKHORN_COST = Tolerance.relative(1e-6);
  /** The tolerance we converge to for the POT comparison. */
  static final double TIGHT = 1e-11;

  static List<SharedCase> sharedCases() {
    return OtTestSupport.sharedCases();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("sharedCases")
  void matchesPotSinkhornOnSharedCases(SharedCase sc) {
    INDArray c = sc.cost();
    Sinkhorn solver = new Sinkhorn(new SinkhornOptions(sc.sinkhornReg(), TIGHT, 1000));
    TransportPlan p = solver.solve(sc.a(), sc.b(), c);
    POT_SINKHORN_COST.assertClose(sc.sinkhornCost(), p.cost(), sc.name() + " cost vs POT");
    assertTrue(p.rowError() <= TIGHT && p.colError() <= TIGHT,
        sc.name() + " marginal errors " + p.rowError() + ", " + p.colError());
    Tolerance.absolute(1e-15).assertClose(0,
        TransportPlan.maxAbsDiff(p.plan().sum(1), sc.a()) - p.rowError(), "reported row error");
    // the plan is exp((f_i + g_j - C_ij) / reg) for the returned potentials
    INDArray logPlan = c.neg().addiColumnVector(p.rowPotential().reshape(sc.n(), 1))
        .addiRowVector(p.colPotential().reshape(1, sc.m())).divi(sc.sinkhornReg());
    new Tolerance(1e-300, 1e-10).assertClose(Transforms.exp(logPlan, false), p.plan(),
        sc.name() + " plan vs potentials");
    // entropic plans are dense and cost more than the exact optimum
    assertTrue(p.cost() > sc.emdCost(), sc.name() + ": " + p.cost() + " <= " + sc.emdCost());
    assertTrue(p.plan().minNumber().doubleValue() > 0, "dense plan");
  }

  /** POT's own stopping rule (tolerance 1e-9) also lands within 1e-6 of POT's cost. */
  @Test
  void defaultToleranceIsCloseEnoughToo() {
    SharedCase sc = sharedCases().get(5);
    TransportPlan p = new Sinkhorn(SinkhornOptions.of(sc.sinkhornReg()))
        .solve(sc.a(), sc.b(), sc.cost());
    POT_SINKHORN_COST.assertClose(sc.sinkhornCost(), p.cost(), sc.name());
    assertTrue(p.marginalError() <= SinkhornOptions.DEFAULT_TOLERANCE);
  }

  /** The reference MLPNet fc1 Euclidean cost at reg = 0.05 max(C), vs POT's log-domain solver. */
  @Test
  void matchesPotOnReferenceFc1Weights() {
    JsonNode golden = OtTestSupport.json(OtTestSupport.resource("golden.json"));
    INDArray c = GroundCost.pairwise(
        OtTestSupport.npy("otfusion-mnist/checkpoints/model_0/fc1.weight.npy"),
        OtTestSupport.npy("otfusion-mnist/checkpoints/model_1/fc1.weight.npy"),
        GroundMetric.EUCLIDEAN);
    int n = golden.get("fc1_n").asInt();
    double reg = golden.get("fc1_sinkhorn_reg").asDouble();
    TransportPlan p = new Sinkhorn(new SinkhornOptions(reg, 1e-13, 1000))
        .solve(uniform(n), uniform(n), c);
    Tolerance.relative(1e-9).assertClose(golden.get("fc1_sinkhorn_cost").asDouble(), p.cost(),
        "fc1 Sinkhorn cost vs POT sinkhorn_log");
  }

  /**
   * Costs near 1e4 with reg = 1: exp(-C / reg) is exactly 0 in float64 (POT's kernel would be all
   * zeros and its plan NaN), but the log domain converges, close to the exact optimum.
   */
  @Test
  void largeCostsDoNotUnderflow() {
    Random rnd = new Random(2);
    int n = 30;
    int m = 20;
    double[][] c = CostKind.RANDOM.make(n, m, rnd);
    INDArray cost = OtTestSupport.matrix(c).muli(20).addi(1e4); // C in [1e4, 1e4 + 20]
    double reg = 1.0;
    assertEquals(0.0, Transforms.exp(cost.div(-reg), true).maxNumber().doubleValue(),
        "the Gibbs kernel underflows");
    TransportPlan p = new Sinkhorn(new SinkhornOptions(reg, 1e-10, 10_000))
        .solve(uniform(n), uniform(m), cost);
    assertTrue(p.marginalError() <= 1e-10, "marginal error " + p.marginalError());
    double exact = new ExactOt().solve(uniform(n), uniform(m), cost).cost();
    // <P, C> - OT <= reg (H(P) - H(P*)) <= reg log(n m)
    assertTrue(p.cost() >= exact - 1e-9 && p.cost() <= exact + reg * Math.log(n * m),
        "Sinkhorn " + p.cost() + " vs exact " + exact);
    // and the gap closes as reg shrinks (warm-started from the larger reg)
    TransportPlan q = new Sinkhorn(new SinkhornOptions(0.2, 1e-10, 20_000))
        .solve(uniform(n), uniform(m), cost, p.rowPotential(), p.colPotential());
    assertTrue(q.cost() - exact < (p.cost() - exact) / 4 && q.cost() >= exact - 1e-9,
        "reg 0.2: " + q.cost() + " vs exact " + exact + " (reg 1: " + p.cost() + ")");
  }

  @Test
  void tooFewIterationsThrowWithTheNumbers() {
    SharedCase sc = sharedCases().get(3);
    double reg = sc.sinkhornReg() / 20;
    OtConvergenceException e = assertThrows(OtConvergenceException.class,
        () -> new Sinkhorn(new SinkhornOptions(reg, 1e-12, 3)).solve(sc.a(), sc.b(), sc.cost()));
    assertEquals(reg, e.reg());
    assertEquals(3, e.iterations());
    assertTrue(e.marginalError() > 1e-12 && Double.isFinite(e.marginalError()));
    String msg = e.getMessage();
    assertTrue(msg.contains("reg = " + reg) && msg.contains("3 iterations")
        && msg.contains("marginal error " + e.marginalError()) && msg.contains("1.0E-12"), msg);
  }

  @Test
  void nanOrInfinityThrows() {
    // reg so small that C / reg overflows to infinity
    SharedCase sc = sharedCases().get(0);
    OtConvergenceException e = assertThrows(OtConvergenceException.class,
        () -> new Sinkhorn(new SinkhornOptions(1e-310, 1e-9, 100))
            .solve(sc.a(), sc.b(), sc.cost()));
    assertTrue(e.getMessage().contains("NaN or infinity") && e.getMessage().contains("1.0E-310"),
        e.getMessage());
  }

  @Test
  void warmStartFromTheSolutionConvergesAtOnce() {
    SharedCase sc = sharedCases().get(2);
    Sinkhorn solver = new Sinkhorn(new SinkhornOptions(sc.sinkhornReg(), 1e-11, 1000));
    TransportPlan cold = solver.solve(sc.a(), sc.b(), sc.cost());
    TransportPlan warm = solver.solve(sc.a(), sc.b(), sc.cost(), cold.rowPotential(),
        cold.colPotential());
    assertEquals(1, warm.iterations());
    assertTrue(cold.iterations() > 5, "cold start took " + cold.iterations());
    Tolerance.relative(1e-12).assertClose(cold.cost(), warm.cost(), "warm vs cold cost");
    // a warm start from another reg still ends at the solution for the requested reg
    TransportPlan coarse = new Sinkhorn(new SinkhornOptions(4 * sc.sinkhornReg(), 1e-11, 1000))
        .solve(sc.a(), sc.b(), sc.cost());
    TransportPlan fromCoarse = solver.solve(sc.a(), sc.b(), sc.cost(), coarse.rowPotential(),
        coarse.colPotential());
    Tolerance.relative(1e-9).assertClose(cold.cost(), fromCoarse.cost(), "from reg x 4");
    assertMessage(() -> solver.solve(sc.a(), sc.b(), sc.cost(), cold.rowPotential(), null),
        "both");
    assertMessage(() -> solver.solve(sc.a(), sc.b(), sc.cost(), cold.colPotential().get(
        org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 3)), cold.colPotential()),
        "f0 must be a vector of length 256");
  }

  @Test
  void optionsAreValidated() {
    assertMessage(() -> new SinkhornOptions(0, 1e-9, 10), "reg is 0.0", "> 0");
    assertMessage(() -> new SinkhornOptions(-1, 1e-9, 10), "reg is -1.0");
    assertMessage(() -> new SinkhornOptions(Double.NaN, 1e-9, 10), "reg is NaN");
    assertMessage(() -> new SinkhornOptions(1, 0, 10), "tolerance is 0.0");
    assertMessage(() -> new SinkhornOptions(1, 1e-9, 0), "maxIterations is 0", ">= 1");
    assertThrows(IllegalArgumentException.class, () -> new Sinkhorn(null));
  }

  @Test
  void rejectsZeroMassesAndBadShapes() {
    INDArray c = Nd4j.ones(DataType.DOUBLE, 2, 3);
    Sinkhorn s = new Sinkhorn(SinkhornOptions.of(1));
    assertMessage(() -> s.solve(OtTestSupport.vector(1, 0), uniform(3).mul(1), c),
        "a[1] = 0.0", "Sinkhorn needs every mass > 0");
    assertMessage(() -> s.solve(uniform(3), uniform(3), c), "a must be a vector of length 2");
    assertMessage(() -> s.solve(uniform(2), uniform(2).mul(1.5).get(
        org.nd4j.linalg.indexing.NDArrayIndex.all()), Nd4j.ones(DataType.DOUBLE, 2, 2)),
        "same total", "sum(a) = 1.0", "sum(b) = 1.5");
  }

  /** Squared distances on a line, scaled: a cost whose kernel and scalings need stabilising. */
  private static INDArray lineCost(int n, int m, double scale, Random rnd) {
    double[][] c = new double[n][m];
    double[] x = new double[n];
    double[] y = new double[m];
    for (int i = 0; i < n; i++) {
      x[i] = rnd.nextDouble();
    }
    for (int j = 0; j < m; j++) {
      y[j] = rnd.nextDouble();
    }
    // a column far from every row (its nearest row at 1): C >= 20 * 3.9^2 = 304 = 152 reg, so
    // its kernel column is below e^-152 and its scaling above 1e50 (absorbed)
    x[0] = 1;
    y[m - 1] = 4.9;
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < m; j++) {
        c[i][j] = scale * (x[i] - y[j]) * (x[i] - y[j]);
      }
    }
    return OtTestSupport.matrix(c);
  }

  /**
   * Epsilon scaling with absorptions in the kernel form, the same problem forced into the log
   * domain at the first absorption, and a warm-started run all reach the same plan, without NaN,
   * although the Gibbs kernel exp(-C / reg) spans more than 100 orders of magnitude.
   */
  @Test
  void kernelFormAbsorptionsAndLogDomainAgree() {
    Random rnd = new Random(8);
    int n = 40;
    int m = 30;
    INDArray c = lineCost(n, m, 20, rnd); // C up to 480
    INDArray a = OtTestSupport.masses(OtTestSupport.counts(n, 3 * n, rnd));
    double reg = 2.0;
    assertTrue(Transforms.exp(c.div(-reg), true).minNumber().doubleValue() < 1e-100,
        "the Gibbs kernel spans more than 100 orders of magnitude");
    SinkhornOptions opts = new SinkhornOptions(reg, 1e-11, 20_000);
    TransportPlan scaled = new Sinkhorn(opts).solve(a, uniform(m), c);
    Sinkhorn.Stats ss = Sinkhorn.LAST_STATS.get();
    assertTrue(ss.stages() > 1 && !ss.logDomain(), ss.toString());
    // from zero potentials (a "warm" start, so no epsilon scaling): the scalings drift out of
    // range and are absorbed
    TransportPlan kernel = new Sinkhorn(opts).solve(a, uniform(m), c,
        Nd4j.zeros(DataType.DOUBLE, n), Nd4j.zeros(DataType.DOUBLE, m));
    Sinkhorn.Stats ks = Sinkhorn.LAST_STATS.get();
    assertTrue(ks.stages() == 1 && ks.absorptions() > 0 && !ks.logDomain(), ks.toString());
    Tolerance.relative(1e-9).assertClose(scaled.cost(), kernel.cost(), "with vs without scaling");
    TransportPlan log = new Sinkhorn(opts, 0).solve(a, uniform(m), c,
        Nd4j.zeros(DataType.DOUBLE, n), Nd4j.zeros(DataType.DOUBLE, m));
    Sinkhorn.Stats ls = Sinkhorn.LAST_STATS.get();
    assertTrue(ls.logDomain(), ls.toString());
    Tolerance.relative(1e-9).assertClose(log.cost(), kernel.cost(), "kernel vs log domain");
    Tolerance.absolute(1e-10).assertClose(log.plan(), kernel.plan(), "plans");
    for (TransportPlan p : new TransportPlan[] {kernel, log}) {
      assertTrue(p.marginalError() <= 1e-11, "marginal error " + p.marginalError());
      assertTrue(!p.plan().isNaN().any(), "NaN in the plan");
      INDArray logPlan = c.neg().addiColumnVector(p.rowPotential().reshape(n, 1))
          .addiRowVector(p.colPotential().reshape(1, m)).divi(reg);
      new Tolerance(1e-300, 1e-9).assertClose(Transforms.exp(logPlan, false), p.plan(),
          "plan vs potentials");
    }
    // the next point of a sweep (costs perturbed by 1%) warm-started from this one
    INDArray c2 = c.mul(1.01);
    TransportPlan cold = new Sinkhorn(opts).solve(a, uniform(m), c2);
    TransportPlan warm = new Sinkhorn(opts).solve(a, uniform(m), c2, kernel.rowPotential(),
        kernel.colPotential());
    Tolerance.relative(1e-9).assertClose(cold.cost(), warm.cost(), "warm vs cold");
    assertTrue(warm.iterations() < cold.iterations(),
        "warm " + warm.iterations() + " vs cold " + cold.iterations() + " iterations");
  }

  /**
   * Over-relaxed updates kick in on a well-conditioned problem and converge to the same plan as
   * plain Sinkhorn (here: the log-domain solver, which never over-relaxes) at a tight tolerance.
   */
  @Test
  void overRelaxationReachesThePlainFixedPoint() {
    SharedCase sc = sharedCases().get(3);
    SinkhornOptions opts = new SinkhornOptions(sc.sinkhornReg(), 1e-13, 1000);
    TransportPlan fast = new Sinkhorn(opts).solve(sc.a(), sc.b(), sc.cost());
    Sinkhorn.Stats st = Sinkhorn.LAST_STATS.get();
    assertTrue(st.omega() > 1 && !st.logDomain(), st.toString());
    OtProblem p = OtProblem.of(sc.a(), sc.b(), sc.cost(), true, "test");
    TransportPlan plain = Sinkhorn.logDomain(p, sc.sinkhornReg(), 1e-13, 1000, 0,
        Nd4j.zeros(DataType.DOUBLE, sc.n()), Nd4j.zeros(DataType.DOUBLE, sc.m()), true).plan();
    Tolerance.relative(1e-10).assertClose(plain.cost(), fast.cost(), "cost");
    Tolerance.absolute(1e-13).assertClose(plain.plan(), fast.plan(), "plan");
    assertTrue(fast.marginalError() <= 1e-13, "marginal error " + fast.marginalError());
  }
}
