package org.otfuse.core.backend;

import java.util.ArrayList;
import java.util.List;
import org.otfuse.core.ot.CostNormalization;
import org.otfuse.core.ot.GroundMetric;

/**
 * The dense steps of OT fusion (Singh and Jaggi, "Model Fusion via Optimal Transport", NeurIPS
 * 2020) on plain Java arrays, so that an implementation needs neither ND4J nor Spark: the ground
 * cost {@code C_ij = d(x_i, y_j)} between the neurons of two layers (Section 4), the entropic
 * transport plan that replaces the exact solution of the paper's eq. (1)
 *
 * <pre>
 *   min_P  &lt;P, C&gt; - reg H(P)   subject to   P 1_m = a,  P^T 1_n = b,  P &gt;= 0
 * </pre>
 *
 * solved by Sinkhorn's iterations (Cuturi 2013) in the log or the kernel form, and the application
 * of the plan to the weights that eq. (2) averages, {@code T^T W}.
 *
 * <p><b>Arrays.</b> Matrices are row-major: {@code x} is {@code n x d} ({@code x[i * d + k]}), the
 * cost and the plan are {@code n x m}. Inputs are never modified; outputs are new arrays. The
 * cost is float32 (what a GPU streams fastest, and exactly representable in float64 on the CPU);
 * masses, potentials, plans and weights are float64.
 *
 * <p><b>The Sinkhorn contract</b> (every implementation): masses finite and {@code > 0}, totals
 * equal within {@code 1e-9} relative, the cost finite, else {@link IllegalArgumentException}. A
 * returned result's plan has {@code max(rowError, colError) <= tolerance}, measured on that plan
 * with float64 sums; when that is not reached within {@code maxIterations}, or a NaN or infinity
 * appears (a kernel that underflowed to zero included), an {@link
 * org.otfuse.core.ot.OtConvergenceException} says so with the regularisation, the iterations and
 * the error reached: converge or fail loudly, never a silently wrong plan.
 *
 * <p><b>Algorithm</b> of {@link JavaBackend} and {@link CudaBackend} (the ND4J {@link CpuBackend}
 * runs {@link org.otfuse.core.ot.Sinkhorn} for the log form instead, which starts from {@code f =
 * 0} without the shift). The cost is shifted by its row minima, {@code C'_ij = C_ij - r_i}, which
 * leaves the plan unchanged ({@code f_i = f'_i + r_i}) and keeps potentials and the kernel {@code
 * exp(-C' / reg)} (whose rows then peak at 1) within float range. Each iteration updates the
 * columns ({@code g}, or {@code v}) exactly, then the rows, measuring on the way, at no extra
 * cost, the row error of the plan before the row update. Every {@link
 * SinkhornSpec#checkEvery()} iterations that error is read; when it is within the tolerance, the
 * plan of the current potentials is measured in full (rows and columns) and returned if within
 * the tolerance.
 *
 * <p><b>Threads.</b> An instance is not thread-safe (a {@link CudaBackend} owns a CUDA stream and
 * device buffers): use one per thread or task, and {@link #close()} it.
 */
public interface TransportBackend extends AutoCloseable {

  /** A short name for logs and result rows: {@code java}, {@code cpu-nd4j}, {@code cuda:0 (...)}. */
  String name();

  /** Whether the dense math runs on a GPU. */
  boolean isGpu();

  /**
   * The ground cost between the rows of {@code x} and {@code y}.
   *
   * @param x {@code n x d}, row-major, finite; not modified
   * @param y {@code m x d}, row-major, finite; not modified
   * @param metric the ground metric ({@link GroundMetric#COSINE} needs non-zero rows)
   * @return a new row-major {@code n x m} float32 matrix, entries {@code >= 0}
   */
  float[] groundCost(float[] x, int n, float[] y, int m, int d, GroundMetric metric);

  /**
   * Entropic OT by Sinkhorn's iterations to the tolerance of {@code spec}.
   *
   * @param cost row-major {@code n x m}, finite; not modified
   * @param a row masses, length {@code n}; not modified
   * @param b column masses, length {@code m}; not modified
   * @throws org.otfuse.core.ot.OtConvergenceException when the tolerance is not reached, or a NaN
   *     or infinity appears
   */
  SinkhornResult sinkhorn(float[] cost, int n, int m, double[] a, double[] b, SinkhornForm form,
      SinkhornSpec spec);

  /** {@link #sinkhorn} in the log domain. */
  default SinkhornResult sinkhornLog(float[] cost, int n, int m, double[] a, double[] b,
      SinkhornSpec spec) {
    return sinkhorn(cost, n, m, a, b, SinkhornForm.LOG, spec);
  }

  /** {@link #sinkhorn} in the kernel (scaling) form. */
  default SinkhornResult sinkhornKernel(float[] cost, int n, int m, double[] a, double[] b,
      SinkhornSpec spec) {
    return sinkhorn(cost, n, m, a, b, SinkhornForm.KERNEL, spec);
  }

  /**
   * Exactly {@code iterations} Sinkhorn iterations without looking at the error (for benchmarks
   * and warm starts), then the plan's marginal errors measured; no plan returned.
   *
   * @throws org.otfuse.core.ot.OtConvergenceException when a NaN or infinity appeared
   */
  SinkhornResult sinkhornFixed(float[] cost, int n, int m, double[] a, double[] b,
      SinkhornForm form, double reg, int iterations, Precision precision);

  /**
   * The ground cost of {@code x} and {@code y}, rescaled, then Sinkhorn on it: the per-group step
   * of fusion. A GPU backend keeps the cost on the device. Potentials and the transport cost are
   * in units of the rescaled cost.
   *
   * @param normalization {@link CostNormalization#NONE}, {@link CostNormalization#MAX} or {@link
   *     CostNormalization#MEAN} (the others need a sort or a log; compute the cost with
   *     {@link org.otfuse.core.ot.GroundCost} then)
   */
  default SinkhornResult solveFromPoints(float[] x, int n, float[] y, int m, int d,
      GroundMetric metric, CostNormalization normalization, double[] a, double[] b,
      SinkhornForm form, SinkhornSpec spec) {
    BackendChecks.requireSupported(normalization);
    float[] cost = groundCost(x, n, y, m, d, metric);
    BackendChecks.normalizeInPlace(cost, normalization);
    return sinkhorn(cost, n, m, a, b, form, spec);
  }

  /**
   * {@code T^T W}: the plan applied to the rows of {@code W} (Singh and Jaggi 2020, eq. (2) uses
   * it with {@code T} rescaled by {@code 1 / b}, which the caller folds into {@code plan}).
   *
   * @param plan row-major {@code n x m}; not modified
   * @param w row-major {@code n x k}; not modified
   * @return a new row-major {@code m x k} array
   */
  double[] applyPlan(double[] plan, int n, int m, double[] w, int k);

  /**
   * Sinkhorn for several independent problems (the groups of a fusion in activations mode), in
   * order. The default solves them one after the other on this backend.
   */
  default List<SinkhornResult> sinkhornBatch(List<OtInstance> instances, SinkhornForm form,
      SinkhornSpec spec) {
    List<SinkhornResult> out = new ArrayList<>(instances.size());
    for (OtInstance p : instances) {
      out.add(sinkhorn(p.cost(), p.n(), p.m(), p.a(), p.b(), form, spec));
    }
    return out;
  }

  /** Frees native resources; idempotent. */
  @Override
  void close();
}
