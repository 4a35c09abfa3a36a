package org.otfuse.core.ot;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.memory.conf.WorkspaceConfiguration;
import org.nd4j.linalg.api.memory.enums.AllocationPolicy;
import org.nd4j.linalg.api.memory.enums.LearningPolicy;
import org.nd4j.linalg.api.memory.enums.SpillPolicy;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.broadcast.BroadcastAddOp;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Entropy-regularised OT (Cuturi 2013), the smooth alternative to the exact OT problem of
 * Singh and Jaggi 2020, eq. (1):
 *
 * <pre>
 *   min_P  &lt;P, C&gt; - reg H(P),   H(P) = -sum_ij P_ij (log P_ij - 1),   P 1 = a,  P^T 1 = b
 * </pre>
 *
 * with POT's {@code ot.sinkhorn} convention (kernel {@code exp(-C / reg)}, the same {@code reg}
 * scale, no cost normalisation inside). Its solution is {@code P_ij = exp((f_i + g_j - C_ij) /
 * reg)} for dual potentials {@code f}, {@code g}, found by alternating exact maximisation of the
 * dual (Sinkhorn's iterations) in the <b>log domain</b>:
 *
 * <pre>
 *   g_j = reg (log b_j - LSE_i((f_i - C_ij) / reg)),   f_i = reg (log a_i - LSE_j((g_j - C_ij) / reg))
 * </pre>
 *
 * where {@code LSE} is a log-sum-exp stabilised by subtracting the maximum along the row or
 * column. Nothing is exponentiated unshifted, so costs for which {@code exp(-C / reg)} underflows
 * in float64 (say {@code C ~ 1e4}, {@code reg = 1}, where POT's kernel is all zeros) are solved
 * as accurately as small ones. All arithmetic is float64 and vectorised in ND4J
 * ({@code O(n m)} per iteration).
 *
 * <p><b>Stopping.</b> Each iteration updates {@code g} (columns then match {@code b} to
 * rounding) and measures the row error {@code max_i |sum_j P_ij - a_i|} of the resulting plan on
 * the way to the next {@code f} update, at no extra cost. Once that is within {@link
 * SinkhornOptions#tolerance()}, the plan is formed and both its row and column errors are
 * checked against the tolerance. If {@link SinkhornOptions#maxIterations()} is reached first, or a
 * NaN or infinity appears, an {@link OtConvergenceException} reports the regularisation, the
 * iterations and the marginal error reached. (POT instead stops on the column error, checked
 * every 10 iterations, and returns whatever it has at its limit.)
 *
 * <p>The result's {@link TransportPlan#rowPotential()} and {@link TransportPlan#colPotential()}
 * are {@code f} and {@code g} (cost units); passing them to {@link #solve(INDArray, INDArray,
 * INDArray, INDArray, INDArray)} warm-starts a related problem (e.g. a smaller {@code reg}, for
 * epsilon scaling by the caller). Thread-safe: each call allocates its own buffers.
 */
public final class Sinkhorn implements TransportSolver {

  private static final Logger LOG = LoggerFactory.getLogger(Sinkhorn.class);

  private static final String WORKSPACE_ID = "otfuse-sinkhorn-iteration";
  private static final WorkspaceConfiguration WORKSPACE = WorkspaceConfiguration.builder()
      .initialSize(0)
      .policyAllocation(AllocationPolicy.OVERALLOCATE)
      .policyLearning(LearningPolicy.FIRST_LOOP)
      .policySpill(SpillPolicy.REALLOCATE)
      .build();

  private final SinkhornOptions options;

  /** A solver with the given options. */
  public Sinkhorn(SinkhornOptions options) {
    Checks.requireNonNull(options, "options");
    this.options = options;
  }

  /** This solver's options. */
  public SinkhornOptions options() {
    return options;
  }

  /**
   * {@inheritDoc}
   *
   * <p>Starts from {@code f = g = 0}. Every mass must be {@code > 0}.
   *
   * @throws OtConvergenceException when the tolerance is not reached within the iteration limit,
   *     or a NaN or infinity appears
   */
  @Override
  public TransportPlan solve(INDArray a, INDArray b, INDArray cost) {
    return solve(a, b, cost, null, null);
  }

  /**
   * Like {@link #solve(INDArray, INDArray, INDArray)} but starts from the potentials {@code f0},
   * {@code g0} (cost units, as returned in {@link TransportPlan#rowPotential()} and {@link
   * TransportPlan#colPotential()}); {@code null} for both means zeros. The first iteration
   * recomputes {@code g} from {@code f0}, so {@code g0} only shapes the first error measured.
   *
   * @param f0 row potentials, length {@code n}, finite, or null; not modified
   * @param g0 column potentials, length {@code m}, finite, or null; not modified
   */
  @SuppressWarnings("try") // the workspace is used for its scope only
  public TransportPlan solve(INDArray a, INDArray b, INDArray cost, INDArray f0, INDArray g0) {
    OtProblem p = OtProblem.of(a, b, cost, true, "Sinkhorn");
    int n = p.n();
    int m = p.m();
    if ((f0 == null) != (g0 == null)) {
      throw new IllegalArgumentException(
          "give both warm-start potentials f0 and g0 or neither, but only one is null");
    }
    double reg = options.reg();
    INDArray fs; // f / reg
    INDArray gs; // g / reg
    if (f0 == null) {
      fs = Nd4j.zeros(DataType.DOUBLE, n);
      gs = Nd4j.zeros(DataType.DOUBLE, m);
    } else {
      fs = Checks.vector(f0, n, "f0", "rows of cost " + Checks.shape(p.cost())).div(reg);
      gs = Checks.vector(g0, m, "g0", "columns of cost " + Checks.shape(p.cost())).div(reg);
      Checks.requireFinite(fs, "f0 / reg");
      Checks.requireFinite(gs, "g0 / reg");
    }
    INDArray logA = Transforms.log(p.a(), true);
    INDArray logB = Transforms.log(p.b(), true);
    // log of the Gibbs kernel, -C / reg, and its transpose (both row-major, so that every
    // reduction and broadcast below runs along contiguous rows, the fast direction in ND4J)
    INDArray kernel = p.cost().div(-reg);
    INDArray kernelT = kernel.transpose().dup('c');
    INDArray buffer = Nd4j.createUninitialized(DataType.DOUBLE, (long) n * m);
    INDArray work = buffer.reshape(n, m);
    INDArray workT = buffer.reshape(m, n);
    INDArray onesN = Nd4j.ones(DataType.DOUBLE, 1, n);
    INDArray onesM = Nd4j.ones(DataType.DOUBLE, 1, m);
    double tol = options.tolerance();
    long start = System.nanoTime();
    double err = Double.NaN;
    int it = 0;
    while (it < options.maxIterations()) {
      boolean rowsConverged = false;
      // every temporary of an iteration lives in a workspace that is reset on the next one
      while (it < options.maxIterations() && !rowsConverged) {
        it++;
        try (MemoryWorkspace ws =
            Nd4j.getWorkspaceManager().getAndActivateWorkspace(WORKSPACE, WORKSPACE_ID)) {
          gs.assign(logB).subi(lse(kernelT, fs, workT, onesN));
          INDArray rowLse = lse(kernel, gs, work, onesM);
          err = maxAbsExpDiff(fs, rowLse, p.a());
          if (!Double.isFinite(err) || !finite(gs)) {
            throw new OtConvergenceException(String.format("Sinkhorn produced a NaN or infinity:"
                + " reg = %s, after %d iterations, marginal error %s (tolerance %s)",
                reg, it, err, tol), reg, it, err);
          }
          rowsConverged = err <= tol;
          if (!rowsConverged) {
            fs.assign(logA).subi(rowLse);
          }
        }
      }
      if (!rowsConverged) {
        break;
      }
      // columns match b to rounding after the g update and rows are within tol: check both
      INDArray plan = Transforms.exp(planLog(kernel, fs, gs, onesM), false);
      TransportPlan result = TransportPlan.measure(plan, p.a(), p.b(), p.cost(), it,
          fs.mul(reg), gs.mul(reg));
      if (result.marginalError() <= tol) {
        if (LOG.isDebugEnabled()) {
          LOG.debug("Sinkhorn {}x{} reg={}: {} iterations, marginal error {}, cost {} in {} ms",
              n, m, reg, it, result.marginalError(), result.cost(),
              (System.nanoTime() - start) / 1e6);
        }
        return result;
      }
      err = result.marginalError();
      fs.assign(logA).subi(lse(kernel, gs, work, onesM));
    }
    throw new OtConvergenceException(String.format(
        "Sinkhorn did not converge: reg = %s, %d iterations (maxIterations), marginal error %s"
            + " > tolerance %s; raise maxIterations or reg, or warm-start from a larger reg",
        reg, options.maxIterations(), err, tol), reg, options.maxIterations(), err);
  }

  /**
   * Stabilised log-sum-exp along the rows of {@code kernel + potential} (the potential added to
   * every row): {@code out_i = log sum_j exp(kernel_ij + potential_j)}, computed as {@code max_i +
   * log sum_j exp(kernel_ij + potential_j - max_i)} so that nothing overflows or underflows to
   * a zero sum.
   *
   * @param kernel {@code r x c}, row-major; not modified
   * @param potential length {@code c}; not modified
   * @param work modified: scratch of the kernel's shape, row-major
   * @param ones a {@code 1 x c} row of ones
   * @return a new vector of length {@code r}
   */
  static INDArray lse(INDArray kernel, INDArray potential, INDArray work, INDArray ones) {
    Nd4j.exec(new BroadcastAddOp(kernel, potential, work, 1));
    INDArray max = work.max(1);
    // work -= max 1^T as a BLAS rank-1 update (a column broadcast is slow in ND4J)
    Nd4j.gemm(max.reshape(max.length(), 1), ones, work, false, false, -1.0, 1.0);
    Transforms.exp(work, false);
    return Transforms.log(work.sum(1), false).addi(max);
  }

  /** A new {@code n x m} array {@code kernel + fs (down columns) + gs (along rows)}. */
  private static INDArray planLog(INDArray kernel, INDArray fs, INDArray gs, INDArray onesM) {
    INDArray out = Nd4j.createUninitialized(DataType.DOUBLE, kernel.shape());
    Nd4j.exec(new BroadcastAddOp(kernel, gs, out, 1));
    Nd4j.gemm(fs.reshape(fs.length(), 1), onesM, out, false, false, 1.0, 1.0);
    return out;
  }

  /** {@code max |exp(potential + lse) - mass|}: the marginal error of one side of the plan. */
  private static double maxAbsExpDiff(INDArray potential, INDArray lse, INDArray mass) {
    INDArray sums = Transforms.exp(potential.add(lse), false);
    return TransportPlan.maxAbsDiff(sums, mass);
  }

  private static boolean finite(INDArray x) {
    return Double.isFinite(x.sumNumber().doubleValue());
  }
}
