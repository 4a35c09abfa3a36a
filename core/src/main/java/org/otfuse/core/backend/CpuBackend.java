package org.otfuse.core.backend;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.otfuse.core.ot.GroundCost;
import org.otfuse.core.ot.GroundMetric;
import org.otfuse.core.ot.Sinkhorn;
import org.otfuse.core.ot.SinkhornOptions;
import org.otfuse.core.ot.TransportPlan;

/**
 * The CPU {@link TransportBackend}: the existing ND4J code of {@link org.otfuse.core.ot}, with
 * arrays converted to and from {@link INDArray} here. Everything is float64.
 *
 * <ul>
 *   <li>{@link #groundCost}: {@link GroundCost#pairwise} (float64), rounded to float32.
 *   <li>{@link SinkhornForm#LOG}: {@link Sinkhorn} (which checks the error every iteration and
 *       starts from {@code f = 0} without the row shift, so its iteration counts differ from the
 *       other backends'; {@link SinkhornSpec#checkEvery()} and {@link Precision} are ignored).
 *   <li>{@link SinkhornForm#KERNEL} and {@link #sinkhornFixed}: {@link org.otfuse.core.ot} has
 *       no kernel form or fixed-iteration mode, so these run {@link JavaBackend}'s float64 code on
 *       the common fork-join pool.
 *   <li>{@link #applyPlan}: ND4J's GEMM.
 * </ul>
 */
public final class CpuBackend implements TransportBackend {

  private static final String NAME = "cpu-nd4j";

  private final JavaBackend java = new JavaBackend();

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public boolean isGpu() {
    return false;
  }

  @Override
  public float[] groundCost(float[] x, int n, float[] y, int m, int d, GroundMetric metric) {
    BackendChecks.requirePoints(x, n, d, "x");
    BackendChecks.requirePoints(y, m, d, "y");
    BackendChecks.requireShape(n, m);
    if (metric == null) {
      throw new IllegalArgumentException("metric is null");
    }
    INDArray xs = Nd4j.createFromArray(x).reshape((long) n, d);
    INDArray ys = Nd4j.createFromArray(y).reshape((long) m, d);
    INDArray c = GroundCost.pairwise(xs, ys, metric);
    return c.castTo(DataType.FLOAT).dup('c').reshape((long) n * m).toFloatVector();
  }

  @Override
  public SinkhornResult sinkhorn(float[] cost, int n, int m, double[] a, double[] b,
      SinkhornForm form, SinkhornSpec spec) {
    BackendChecks.requireCostShape(cost, n, m);
    BackendChecks.requireMasses(a, b, n, m);
    if (form == null || spec == null) {
      throw new IllegalArgumentException("form and spec must not be null");
    }
    if (form == SinkhornForm.KERNEL) {
      return rename(java.sinkhorn(cost, n, m, a, b, form, spec));
    }
    BackendChecks.requireFiniteCost(cost, m);
    INDArray c = Nd4j.createFromArray(cost).reshape((long) n, m);
    TransportPlan p = new Sinkhorn(new SinkhornOptions(spec.reg(), spec.tolerance(),
        spec.maxIterations())).solve(Nd4j.createFromArray(a), Nd4j.createFromArray(b), c);
    double[] plan = spec.returnPlan()
        ? p.plan().dup('c').reshape((long) n * m).toDoubleVector() : null;
    return new SinkhornResult(n, m, plan, p.rowPotential().toDoubleVector(),
        p.colPotential().toDoubleVector(), p.iterations(), p.rowError(), p.colError(), p.cost(),
        Double.NaN, NAME);
  }

  @Override
  public SinkhornResult sinkhornFixed(float[] cost, int n, int m, double[] a, double[] b,
      SinkhornForm form, double reg, int iterations, Precision precision) {
    return rename(java.sinkhornFixed(cost, n, m, a, b, form, reg, iterations, precision));
  }

  @Override
  public double[] applyPlan(double[] plan, int n, int m, double[] w, int k) {
    BackendChecks.requireShape(n, m);
    BackendChecks.requireLength(plan, n * m, "plan");
    if (k < 1) {
      throw new IllegalArgumentException("k is " + k + " but must be >= 1");
    }
    BackendChecks.requireLength(w, n * k, "w");
    INDArray t = Nd4j.createFromArray(plan).reshape((long) n, m);
    INDArray ws = Nd4j.createFromArray(w).reshape((long) n, k);
    return t.transpose().mmul(ws).dup('c').reshape((long) m * k).toDoubleVector();
  }

  @Override
  public void close() {
    java.close();
  }

  private static SinkhornResult rename(SinkhornResult r) {
    return new SinkhornResult(r.rows(), r.cols(), r.hasPlan() ? r.planArray() : null,
        r.rowPotential(), r.colPotential(), r.iterations(), r.rowError(), r.colError(), r.cost(),
        r.deviceMillis(), NAME + " (java kernel form)");
  }
}
