package org.otfuse.core.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static org.otfuse.core.backend.BackendFixtures.uniform;

import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.otfuse.core.backend.BackendFixtures.PotCase;
import org.otfuse.core.ot.CostNormalization;
import org.otfuse.core.ot.GroundMetric;
import org.otfuse.core.ot.OtConvergenceException;

/**
 * The contract every {@link TransportBackend} must meet (one test class per implementation, after
 * Hipparchus' {@code GaussNewtonOptimizerWith*Test}). ND4J-free, so that it also runs on the GPU
 * machine. The documented tolerances:
 *
 * <ul>
 *   <li>{@link #COST_EXPANSION}: ground costs against a float64 evaluation of the definition;
 *   <li>{@link #POT_COST}: converged float64 Sinkhorn costs against POT's {@code ot.sinkhorn} on
 *       the shared fixtures ({@link #TIGHT} marginal tolerance); {@link #POT_COST_F32} with
 *       {@link Precision#FLOAT32} ({@link #F32_TOLERANCE} of the largest mass);
 *   <li>{@link #SAME_ALGORITHM_F64}, {@link #SAME_ALGORITHM_F32}: potentials after a fixed number
 *       of iterations against {@link JavaBackend}, which runs the same algorithm in float64.
 * </ul>
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
abstract class TransportBackendContract {

  /**
   * Squared distances within {@code 4e-7 sqrt(d) (||x_i||^2 + ||y_j||^2)} absolute of float64:
   * the float32 expansion {@code ||x||^2 + ||y||^2 - 2 <x, y>} of a GPU SGEMM (about ten times its
   * typical error); float64 CPU backends are far inside it.
   */
  static final double COST_EXPANSION = 4e-7;
  /** Sinkhorn costs vs POT (float64 C, here rounded to float32 first): 1e-6 relative. */
  static final Closeness POT_COST = Closeness.relative(1e-6);
  /** The marginal tolerance of the float64 comparisons with POT. */
  static final double TIGHT = 1e-10;
  /**
   * float32 Sinkhorn converges to {@code 1e-4 max(a)}: about twenty times its rounding floor for
   * the fixtures ({@code C'/reg} up to about 35, so potentials carry about {@code 35 * 6e-8}).
   */
  static final double F32_TOLERANCE = 1e-4;
  /** float32 Sinkhorn costs vs POT: 1e-3 relative. */
  static final Closeness POT_COST_F32 = Closeness.relative(1e-3);
  /** float64 potentials after fixed iterations vs JavaBackend: {@code 1e-9 (reg + |f|)}. */
  static final double SAME_ALGORITHM_F64 = 1e-9;
  /** float32 potentials after fixed iterations vs JavaBackend: {@code 3e-4 (reg + 1e-2 |f|)}. */
  static final double SAME_ALGORITHM_F32 = 3e-4;

  TransportBackend backend;
  JavaBackend reference;
  /** Why every test of the class is skipped, when {@link #open()} returned null. */
  String skipReason = "the backend did not open";

  /** Opens the backend under test, or returns null after setting {@link #skipReason}. */
  abstract TransportBackend open();

  /**
   * Whether the backend looks at the error only every {@link SinkhornSpec#checkEvery()}
   * iterations (the ND4J log form checks every iteration).
   */
  boolean honoursCheckEvery() {
    return true;
  }

  @BeforeAll
  void openBackend() {
    backend = open();
    reference = new JavaBackend();
  }

  @BeforeEach
  void requireBackend() {
    assumeTrue(backend != null, skipReason);
  }

  @AfterAll
  void closeBackend() {
    if (backend != null) {
      backend.close();
    }
    if (reference != null) {
      reference.close();
    }
  }

  static List<PotCase> potCases() {
    return BackendFixtures.potCases();
  }

  static Stream<Arguments> costShapes() {
    return Stream.of(GroundMetric.values()).flatMap(metric -> Stream.of(
        Arguments.of(metric, 37, 53, 29), Arguments.of(metric, 64, 48, 130),
        Arguments.of(metric, 200, 300, 64)));
  }

  // ---------------------------------------------------------------- ground cost

  @ParameterizedTest(name = "{0} {1}x{2} d={3}")
  @MethodSource("costShapes")
  void groundCostMatchesTheDefinitionInFloat64(GroundMetric metric, int n, int m, int d) {
    Random rnd = new Random(n * 31L + m);
    float[] x = BackendFixtures.gaussian(n, d, rnd);
    float[] y = BackendFixtures.gaussian(m, d, rnd);
    float[] c = backend.groundCost(x, n, y, m, d, metric);
    assertEquals(n * m, c.length);
    double bound = COST_EXPANSION * Math.sqrt(d);
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < m; j++) {
        double xx = 0;
        double yy = 0;
        double dot = 0;
        double sq = 0;
        for (int k = 0; k < d; k++) {
          double xi = x[i * d + k];
          double yj = y[j * d + k];
          xx += xi * xi;
          yy += yj * yj;
          dot += xi * yj;
          sq += (xi - yj) * (xi - yj);
        }
        double got = c[i * m + j];
        String at = metric + " cost[" + i + ", " + j + "]";
        assertTrue(got >= 0, at + " = " + got + " < 0");
        double sqTol = bound * (xx + yy) + 1e-7 * sq;
        switch (metric) {
          case SQEUCLIDEAN -> Closeness.absolute(sqTol).assertClose(sq, got, at);
          case EUCLIDEAN -> Closeness.absolute(Math.min(Math.sqrt(sqTol),
              sqTol / Math.max(Math.sqrt(sq), 1e-300))).assertClose(Math.sqrt(sq), got, at);
          case COSINE -> Closeness.absolute(2 * bound + 1e-6)
              .assertClose(Math.max(1 - dot / Math.sqrt(xx * yy), 0), got, at);
          default -> throw new AssertionError(metric);
        }
      }
    }
  }

  @Test
  void groundCostRejectsBadPoints() {
    float[] x = {1, 2, 3, 4};
    float[] y = {1, 0, 0, 1, 5, 5};
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> backend.groundCost(x, 2, y, 2, 2, GroundMetric.EUCLIDEAN));
    assertTrue(e.getMessage().contains("y has 6 entries"), e.getMessage());
    float[] bad = {1, Float.NaN, 3, 4};
    e = assertThrows(IllegalArgumentException.class,
        () -> backend.groundCost(bad, 2, x, 2, 2, GroundMetric.SQEUCLIDEAN));
    assertTrue(e.getMessage().contains("NaN"), e.getMessage());
    float[] zero = {1, 2, 0, 0};
    e = assertThrows(IllegalArgumentException.class,
        () -> backend.groundCost(x, 2, zero, 2, 2, GroundMetric.COSINE));
    assertTrue(e.getMessage().contains("row 1 of y has norm 0"), e.getMessage());
  }

  // ---------------------------------------------------------------- Sinkhorn vs POT

  @ParameterizedTest(name = "{0}")
  @MethodSource("potCases")
  void logFormMatchesPot(PotCase pc) {
    float[] c = pc.cost();
    SinkhornSpec spec = new SinkhornSpec(pc.sinkhornReg(), TIGHT, 2000, 1, Precision.FLOAT64,
        true);
    SinkhornResult r = backend.sinkhornLog(c, pc.n(), pc.m(), pc.a(), pc.b(), spec);
    assertConverged(r, c, pc, spec, false);
    POT_COST.assertClose(pc.sinkhornCost(), r.cost(), pc + " cost vs POT");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("potCases")
  void kernelFormMatchesPot(PotCase pc) {
    float[] c = pc.cost();
    SinkhornSpec spec = new SinkhornSpec(pc.sinkhornReg(), TIGHT, 2000, 10, Precision.FLOAT64,
        true);
    SinkhornResult r = backend.sinkhornKernel(c, pc.n(), pc.m(), pc.a(), pc.b(), spec);
    assertConverged(r, c, pc, spec, true);
    POT_COST.assertClose(pc.sinkhornCost(), r.cost(), pc + " cost vs POT");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("potCases")
  void float32ConvergesToItsToleranceInBothForms(PotCase pc) {
    float[] c = pc.cost();
    double[] a = pc.a();
    double tol = F32_TOLERANCE * Arrays.stream(a).max().orElseThrow();
    SinkhornSpec spec = new SinkhornSpec(pc.sinkhornReg(), tol, 5000, 10, Precision.FLOAT32,
        true);
    for (SinkhornForm form : SinkhornForm.values()) {
      SinkhornResult r = backend.sinkhorn(c, pc.n(), pc.m(), a, pc.b(), form, spec);
      assertConverged(r, c, pc, spec, form == SinkhornForm.KERNEL);
      POT_COST_F32.assertClose(pc.sinkhornCost(), r.cost(), pc + " " + form + " cost vs POT");
    }
  }

  /** The returned numbers describe the returned plan, and the plan those potentials. */
  private void assertConverged(SinkhornResult r, float[] c, PotCase pc, SinkhornSpec spec,
      boolean kernel) {
    int n = pc.n();
    int m = pc.m();
    assertTrue(r.marginalError() <= spec.tolerance(),
        pc + " marginal error " + r.marginalError() + " > " + spec.tolerance());
    assertTrue(r.iterations() >= 1 && r.iterations() <= spec.maxIterations());
    assertTrue(!honoursCheckEvery() || r.iterations() % spec.checkEvery() == 0
        || r.iterations() == spec.maxIterations(), "iterations " + r.iterations());
    double[] plan = r.planArray();
    double[] f = r.rowPotential();
    double[] g = r.colPotential();
    double[] a = pc.a();
    double[] b = pc.b();
    double cost = 0;
    double rowErr = 0;
    double[] cols = new double[m];
    // the kernel form's plan is u exp(-C'/reg) v with the kernel rounded to float32
    double relPlan = spec.precision() == Precision.FLOAT32 ? 1e-4 : kernel ? 2e-7 : 1e-9;
    for (int i = 0; i < n; i++) {
      double rs = 0;
      for (int j = 0; j < m; j++) {
        double p = plan[i * m + j];
        assertTrue(p > 0, "dense plan: P[" + i + ", " + j + "] = " + p);
        rs += p;
        cols[j] += p;
        cost += p * c[i * m + j];
        double fromPotentials = Math.exp((f[i] + g[j] - c[i * m + j]) / spec.reg());
        new Closeness(1e-300, relPlan).assertClose(fromPotentials, p,
            pc + " P[" + i + ", " + j + "] vs exp((f + g - C) / reg)");
      }
      rowErr = Math.max(rowErr, Math.abs(rs - a[i]));
    }
    double colErr = 0;
    for (int j = 0; j < m; j++) {
      colErr = Math.max(colErr, Math.abs(cols[j] - b[j]));
    }
    Closeness.absolute(1e-13).assertClose(rowErr, r.rowError(), pc + " reported row error");
    Closeness.absolute(1e-13).assertClose(colErr, r.colError(), pc + " reported column error");
    Closeness.relative(1e-12).assertClose(cost, r.cost(), pc + " reported cost");
    assertTrue(r.cost() > pc.emdCost(), "an entropic plan costs more than the exact optimum");
  }

  // ---------------------------------------------------------------- same algorithm as Java

  @ParameterizedTest(name = "{0}")
  @EnumSource(Precision.class)
  void fixedIterationsFollowTheFloat64Reference(Precision precision) {
    Random rnd = new Random(5);
    int n = 150;
    int m = 130; // m % 4 != 0: the scalar paths of the GPU kernels
    for (int[] shape : new int[][] {{n, m}, {96, 128}}) {
      float[] c = BackendFixtures.sqEuclideanCost(shape[0], shape[1], 16, rnd);
      double reg = 0.05 * BackendFixtures.median(c);
      double[] a = BackendFixtures.dirichlet(shape[0], rnd);
      double[] b = BackendFixtures.dirichlet(shape[1], rnd);
      for (SinkhornForm form : SinkhornForm.values()) {
        SinkhornResult ref = reference.sinkhornFixed(c, shape[0], shape[1], a, b, form, reg, 15,
            Precision.FLOAT64);
        SinkhornResult got = backend.sinkhornFixed(c, shape[0], shape[1], a, b, form, reg, 15,
            precision);
        assertEquals(15, got.iterations());
        assertFalse(got.hasPlan());
        String what = form + " " + precision + " " + shape[0] + "x" + shape[1];
        assertPotentials(ref.rowPotential(), got.rowPotential(), reg, precision, what + " f");
        assertPotentials(ref.colPotential(), got.colPotential(), reg, precision, what + " g");
        double errTol = precision == Precision.FLOAT64 ? 1e-12 : 1e-6;
        Closeness.absolute(errTol).assertClose(ref.rowError(), got.rowError(), what + " row err");
        Closeness.absolute(errTol).assertClose(ref.colError(), got.colError(), what + " col err");
        assertTrue(ref.colError() > 1e-9, "15 iterations are not converged: " + ref);
      }
    }
  }

  private static void assertPotentials(double[] expected, double[] actual, double reg,
      Precision precision, String what) {
    double t = precision == Precision.FLOAT64 ? SAME_ALGORITHM_F64 : SAME_ALGORITHM_F32;
    double relF = precision == Precision.FLOAT64 ? t : t * 1e-2;
    new Closeness(t * reg, relF).assertClose(expected, actual, what);
  }

  // ---------------------------------------------------------------- underflow and failures

  /**
   * Costs near 1e4 with reg = 1: exp(-C / reg) is 0 in float64, but the log domain converges, and
   * so does the kernel form of the row-shifted cost (its rows peak at exp(0) = 1).
   */
  @ParameterizedTest(name = "{0}")
  @EnumSource(SinkhornForm.class)
  void largeCostsDoNotUnderflow(SinkhornForm form) {
    Random rnd = new Random(2);
    int n = 30;
    int m = 20;
    float[] c = new float[n * m];
    for (int k = 0; k < c.length; k++) {
      c[k] = (float) (1e4 + 20 * rnd.nextDouble());
    }
    assertEquals(0.0, Math.exp(-1e4), "the Gibbs kernel underflows");
    SinkhornSpec spec = new SinkhornSpec(1.0, 1e-10, 10_000, 10, Precision.FLOAT64, true);
    SinkhornResult r = backend.sinkhorn(c, n, m, uniform(n), uniform(m), form, spec);
    assertTrue(r.marginalError() <= 1e-10, "marginal error " + r.marginalError());
    // the same form: the kernel form solves with exp(-C'/reg) rounded to float32
    SinkhornResult ref = reference.sinkhorn(c, n, m, uniform(n), uniform(m), form, spec);
    Closeness.relative(1e-9).assertClose(ref.cost(), r.cost(), form + " cost vs java");
  }

  /**
   * A column whose costs are all 1e4 more than the others: even the row-shifted kernel is 0 down
   * that column, so the kernel form must fail loudly, and the log form converges.
   */
  @Test
  void anUnderflowingKernelFailsLoudlyAndTheLogFormDoesNot() {
    int n = 12;
    int m = 9;
    Random rnd = new Random(3);
    float[] c = new float[n * m];
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < m; j++) {
        c[i * m + j] = j == 0 ? 1e4f : (float) rnd.nextDouble();
      }
    }
    for (Precision p : Precision.values()) {
      SinkhornSpec spec = new SinkhornSpec(1.0, 1e-9, 1000, 10, p, true);
      OtConvergenceException e = assertThrows(OtConvergenceException.class,
          () -> backend.sinkhornKernel(c, n, m, uniform(n), uniform(m), spec));
      assertTrue(e.getMessage().contains("NaN or infinity"), e.getMessage());
    }
    SinkhornSpec spec = new SinkhornSpec(1.0, 1e-9, 1000, 10, Precision.FLOAT64, true);
    SinkhornResult r = backend.sinkhornLog(c, n, m, uniform(n), uniform(m), spec);
    assertTrue(r.marginalError() <= 1e-9, r.toString());
  }

  @Test
  void tooFewIterationsThrowWithTheNumbers() {
    PotCase pc = potCases().get(3);
    for (SinkhornForm form : SinkhornForm.values()) {
      // reg / 20 would underflow the kernel: that is the next test's failure, not this one's
      double reg = form == SinkhornForm.LOG ? pc.sinkhornReg() / 20 : pc.sinkhornReg();
      SinkhornSpec spec = new SinkhornSpec(reg, 1e-12, 3, 10, Precision.FLOAT64, false);
      OtConvergenceException e = assertThrows(OtConvergenceException.class,
          () -> backend.sinkhorn(pc.cost(), pc.n(), pc.m(), pc.a(), pc.b(), form, spec));
      assertEquals(reg, e.reg());
      assertEquals(3, e.iterations());
      assertTrue(e.marginalError() > 1e-12 && Double.isFinite(e.marginalError()),
          "error " + e.marginalError());
      assertTrue(e.getMessage().contains("reg = " + reg) && e.getMessage().contains("3 iterations")
          && e.getMessage().contains("1.0E-12"), e.getMessage());
    }
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(Precision.class)
  void nanOrInfinityThrows(Precision precision) {
    PotCase pc = potCases().get(0);
    SinkhornSpec spec = new SinkhornSpec(1e-310, 1e-9, 100, 10, precision, true);
    OtConvergenceException e = assertThrows(OtConvergenceException.class,
        () -> backend.sinkhornLog(pc.cost(), pc.n(), pc.m(), pc.a(), pc.b(), spec));
    assertTrue(e.getMessage().contains("NaN or infinity") && e.getMessage().contains("1.0E-310"),
        e.getMessage());
  }

  @Test
  void invalidInputsAreRejectedWithTheirNames() {
    float[] c = {1, 2, 3, Float.NaN, 5, 6};
    double[] a = uniform(2);
    double[] b = uniform(3);
    SinkhornSpec spec = SinkhornSpec.of(0.1);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> backend.sinkhornLog(c, 2, 3, a, b, spec));
    assertTrue(e.getMessage().contains("cost[1, 0] = NaN"), e.getMessage());
    float[] ok = {1, 2, 3, 4, 5, 6};
    e = assertThrows(IllegalArgumentException.class,
        () -> backend.sinkhornLog(ok, 2, 3, new double[] {0.5, -0.5}, b, spec));
    assertTrue(e.getMessage().contains("a[1] = -0.5"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> backend.sinkhornLog(ok, 2, 3, new double[] {0.5, 0.6}, b, spec));
    assertTrue(e.getMessage().contains("same total"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> backend.sinkhornLog(ok, 3, 3, uniform(3), b, spec));
    assertTrue(e.getMessage().contains("cost has 6 entries"), e.getMessage());
  }

  // ---------------------------------------------------------------- the rest of the API

  @Test
  void applyPlanIsTransposedProduct() {
    Random rnd = new Random(7);
    int n = 33;
    int m = 21;
    int k = 17;
    double[] t = new double[n * m];
    double[] w = new double[n * k];
    for (int i = 0; i < t.length; i++) {
      t[i] = rnd.nextDouble();
    }
    for (int i = 0; i < w.length; i++) {
      w[i] = rnd.nextGaussian();
    }
    double[] expected = new double[m * k];
    for (int j = 0; j < m; j++) {
      for (int c = 0; c < k; c++) {
        double s = 0;
        for (int i = 0; i < n; i++) {
          s += t[i * m + j] * w[i * k + c];
        }
        expected[j * k + c] = s;
      }
    }
    new Closeness(1e-12, 1e-12).assertClose(expected, backend.applyPlan(t, n, m, w, k), "T^T W");
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(value = CostNormalization.class, names = {"NONE", "MAX", "MEAN"})
  void solveFromPointsIsCostThenSinkhorn(CostNormalization normalization) {
    Random rnd = new Random(11);
    int n = 70;
    int m = 50;
    int d = 24;
    float[] x = BackendFixtures.gaussian(n, d, rnd);
    float[] y = BackendFixtures.gaussian(m, d, rnd);
    double reg = normalization == CostNormalization.NONE ? 0.3 : 0.05;
    SinkhornSpec spec = new SinkhornSpec(reg, 1e-9, 5000, 10, Precision.FLOAT64, false);
    SinkhornResult got = backend.solveFromPoints(x, n, y, m, d, GroundMetric.EUCLIDEAN,
        normalization, uniform(n), uniform(m), SinkhornForm.LOG, spec);
    float[] c = reference.groundCost(x, n, y, m, d, GroundMetric.EUCLIDEAN);
    BackendChecks.normalizeInPlace(c, normalization);
    SinkhornResult ref = reference.sinkhornLog(c, n, m, uniform(n), uniform(m), spec);
    assertTrue(got.marginalError() <= 1e-9);
    Closeness.relative(1e-5).assertClose(ref.cost(), got.cost(), normalization + " cost");
    assertThrows(IllegalArgumentException.class, () -> backend.solveFromPoints(x, n, y, m, d,
        GroundMetric.EUCLIDEAN, CostNormalization.MEDIAN, uniform(n), uniform(m),
        SinkhornForm.LOG, spec));
  }

  @Test
  void batchSolvesEachProblemInOrder() {
    Random rnd = new Random(13);
    List<OtInstance> problems = List.of(
        new OtInstance(BackendFixtures.sqEuclideanCost(20, 30, 8, rnd), 20, 30, uniform(20),
            uniform(30)),
        new OtInstance(BackendFixtures.sqEuclideanCost(40, 10, 8, rnd), 40, 10, uniform(40),
            uniform(10)));
    SinkhornSpec spec = new SinkhornSpec(2.0, 1e-9, 5000, 10, Precision.FLOAT64, false);
    List<SinkhornResult> out = backend.sinkhornBatch(problems, SinkhornForm.LOG, spec);
    assertEquals(2, out.size());
    for (int k = 0; k < 2; k++) {
      OtInstance p = problems.get(k);
      assertEquals(p.n(), out.get(k).rows());
      assertEquals(p.m(), out.get(k).cols());
      assertTrue(out.get(k).marginalError() <= 1e-9);
      assertFalse(out.get(k).hasPlan());
    }
  }
}
