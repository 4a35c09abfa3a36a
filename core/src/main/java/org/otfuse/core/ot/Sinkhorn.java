package org.otfuse.core.ot;

import java.nio.DoubleBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
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
 * reg)} for dual potentials {@code f}, {@code g}, found by Sinkhorn's alternating updates.
 *
 * <p><b>Kernel form, stabilised</b> (Schmitzer 2016, "Stabilized sparse scaling algorithms for
 * entropy regularized transport problems", Alg. 2, "absorption"). The potentials are split into
 * absorbed parts {@code (f~, g~)} and scalings {@code (u, v)}: {@code P = diag(u) K diag(v)}
 * with {@code K_ij = exp((f~_i + g~_j - C_ij) / reg)}, and each iteration is two dense
 * matrix-vector products, {@code v = b / (K^T u)} and {@code u = a / (K v)}, in tight float64
 * loops over the row-major kernel (row blocks on the common fork-join pool for large problems).
 * The kernel is never formed where it would underflow: when it is built, any row or column whose
 * largest exponent lies outside {@code [-}{@value #EXPONENT_RANGE}{@code , }{@value
 * #EXPONENT_RANGE}{@code ]} is shifted into range through its absorbed potential; whenever a
 * scaling leaves {@code [1e-}{@value #SCALING_EXPONENT}{@code , 1e}{@value
 * #SCALING_EXPONENT}{@code ]} or a product underflows to zero, the scalings are absorbed
 * ({@code f~ += reg log u}, {@code g~ += reg log v}, {@code u = v = 1}) and the kernel rebuilt.
 * Entries of {@code K} that still underflow carry less than {@code 1e-150} of mass. So costs for
 * which {@code exp(-C / reg)} is all zeros in float64 (say {@code C ~ 1e4}, {@code reg = 1},
 * where POT's kernel form returns NaN) are solved as accurately as small ones.
 *
 * <p><b>Over-relaxation</b> (Thibault et al. 2017, "Overrelaxed Sinkhorn-Knopp algorithm";
 * Lehmann et al. 2021). After three plain iterations with a steadily falling error, with
 * {@code rho} the last error ratio, the updates become {@code u <- u (a / (u K v))^omega}, {@code
 * v <- v (b / (v K^T u))^omega} with {@code omega = 2 / (1 + sqrt(1 - rho))} (at most 1.8): the
 * same fixed point, the same stopping rule (the column error is then measured too), in fewer
 * iterations (13 instead of 21 on the n = 2048 benchmark). Plain updates again for the rest of
 * the stage as soon as the error rises.
 *
 * <p><b>Log domain.</b> If absorption does not cure a non-finite value (more than {@value
 * #MAX_ABSORPTIONS} absorptions in one stage), the stage continues with log-sum-exp updates
 * {@code g_j = reg (log b_j - LSE_i((f_i - C_ij) / reg))}, {@code f_i = reg (log a_i -
 * LSE_j((g_j - C_ij) / reg))} (vectorised in ND4J), which cannot underflow.
 *
 * <p><b>Epsilon scaling</b> (Schmitzer 2016, Section 3.2). Without a warm start, when {@code
 * (max C - min C) / reg} exceeds {@value #SCALING_THRESHOLD} (a small {@code reg}: plain
 * Sinkhorn then needs many iterations), the problem is first solved loosely (marginal error
 * {@code max(tolerance, 1e-5 sum(a))}) for {@code reg_k = reg 4^k} from {@code (max C - min C)
 * / 16} down, each stage warm-started from the previous one's potentials. The final stage always
 * runs at the requested {@code reg} and tolerance, so the result is the same plan.
 *
 * <p><b>Stopping.</b> Each iteration updates {@code v} (columns then match {@code b} to rounding,
 * or, over-relaxed, with an error measured on the way) and measures the row error {@code max_i
 * |sum_j P_ij - a_i|} of the resulting plan on the way to the next {@code u} update, at no extra
 * cost. Once that is within {@link
 * SinkhornOptions#tolerance()}, the plan is formed and both its row and column errors are
 * checked against the tolerance. If {@link SinkhornOptions#maxIterations()} (counted over all
 * stages) is reached first, or a NaN or infinity appears, an {@link OtConvergenceException}
 * reports the regularisation, the iterations and the marginal error reached. (POT instead stops
 * on the L2 norm of the column error, checked every 10 iterations, and returns whatever it has
 * at its limit.)
 *
 * <p>The result's {@link TransportPlan#rowPotential()} and {@link TransportPlan#colPotential()}
 * are {@code f = f~ + reg log u} and {@code g = g~ + reg log v} (cost units); passing them to
 * {@link #solve(INDArray, INDArray, INDArray, INDArray, INDArray)} warm-starts a related problem
 * (e.g. the next point of a sweep, or a smaller {@code reg}). Memory: the kernel as {@code
 * double[n m]} and the returned plan; costs of {@value #IN_PLACE_MIN_ENTRIES} entries or more
 * (float64, row-major) are read in place, smaller ones copied. Thread-safe: each call allocates
 * its own buffers.
 */
public final class Sinkhorn implements TransportSolver {

  private static final Logger LOG = LoggerFactory.getLogger(Sinkhorn.class);

  /** Largest |exponent| of a row's or column's biggest kernel entry when the kernel is built. */
  static final double EXPONENT_RANGE = 200;
  /** Scalings outside {@code [1e-S, 1e S]} are absorbed into the potentials. */
  static final int SCALING_EXPONENT = 50;
  /** Absorptions in one stage after which it continues in the log domain. */
  static final int MAX_ABSORPTIONS = 64;
  /** Costs with at least this many entries are read in place, without a float64 copy. */
  static final long IN_PLACE_MIN_ENTRIES = 1L << 20;
  /** {@code (max C - min C) / reg} above which a cold start uses epsilon scaling. */
  static final double SCALING_THRESHOLD = 100;

  private static final double SCALING_MAX = Math.pow(10, SCALING_EXPONENT);
  private static final double SCALING_MIN = 1 / SCALING_MAX;

  private static final String WORKSPACE_ID = "otfuse-sinkhorn-iteration";
  private static final WorkspaceConfiguration WORKSPACE = WorkspaceConfiguration.builder()
      .initialSize(0)
      .policyAllocation(AllocationPolicy.OVERALLOCATE)
      .policyLearning(LearningPolicy.FIRST_LOOP)
      .policySpill(SpillPolicy.REALLOCATE)
      .build();

  private final SinkhornOptions options;
  private final int maxAbsorptions;

  /** What the last solve on this thread did (for tests and logs). */
  record Stats(int stages, int iterations, int absorptions, boolean logDomain, double omega) {}

  static final ThreadLocal<Stats> LAST_STATS = new ThreadLocal<>();

  /** A solver with the given options. */
  public Sinkhorn(SinkhornOptions options) {
    this(options, MAX_ABSORPTIONS);
  }

  /** A solver that switches a stage to the log domain after {@code maxAbsorptions}. */
  Sinkhorn(SinkhornOptions options, int maxAbsorptions) {
    Checks.requireNonNull(options, "options");
    this.options = options;
    this.maxAbsorptions = maxAbsorptions;
  }

  /** This solver's options. */
  public SinkhornOptions options() {
    return options;
  }

  /**
   * {@inheritDoc}
   *
   * <p>Starts cold (epsilon scaling when {@code reg} is small). Every mass must be {@code > 0}.
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
   * TransportPlan#colPotential()}, e.g. of the previous point of a sweep); {@code null} for both
   * means a cold start. The first iteration recomputes {@code g} from {@code f0}, so {@code g0}
   * only shapes the first error measured. No epsilon scaling with a warm start.
   *
   * @param f0 row potentials, length {@code n}, finite, or null; not modified
   * @param g0 column potentials, length {@code m}, finite, or null; not modified
   */
  public TransportPlan solve(INDArray a, INDArray b, INDArray cost, INDArray f0, INDArray g0) {
    // large costs are read in place (no n x m copy); minMax below checks the cost's finiteness
    boolean inPlace = (long) cost.length() >= IN_PLACE_MIN_ENTRIES;
    OtProblem p = OtProblem.of(a, b, cost, true, "Sinkhorn", true);
    int n = p.n();
    int m = p.m();
    if ((f0 == null) != (g0 == null)) {
      throw new IllegalArgumentException(
          "give both warm-start potentials f0 and g0 or neither, but only one is null");
    }
    double reg = options.reg();
    double tol = options.tolerance();
    double[] f;
    double[] g;
    if (f0 == null) {
      f = new double[n];
      g = new double[m];
    } else {
      f = Checks.vector(f0, n, "f0", "rows of cost " + Checks.shape(p.cost())).toDoubleVector();
      g = Checks.vector(g0, m, "g0", "columns of cost " + Checks.shape(p.cost()))
          .toDoubleVector();
      requireFiniteOver(f, reg, "f0 / reg");
      requireFiniteOver(g, reg, "g0 / reg");
    }
    DoubleBuffer costData = inPlace ? p.costBuffer() : DoubleBuffer.wrap(p.costArray());
    double[] minMax = minMax(costData, n, m); // min, max, and 0 unless a NaN or infinity
    if (minMax[2] != 0) {
      Checks.requireFinite(p.cost(), "cost"); // names the entry
    }
    double range = minMax[1] - minMax[0];
    if (!Double.isFinite(Math.max(Math.abs(minMax[0]), Math.abs(minMax[1])) / reg)) {
      throw nanOrInfinity(reg, 0, Double.NaN, tol, "; C / reg overflows float64");
    }
    long start = System.nanoTime();
    List<double[]> stages = new ArrayList<>(); // {reg, tolerance}
    if (f0 == null && range / reg > SCALING_THRESHOLD) {
      double looseTol = Math.max(tol, 1e-5 * p.sumA());
      for (double r = range / 16; r > reg; r /= 4) {
        stages.add(new double[] {r, looseTol});
      }
    }
    stages.add(new double[] {reg, tol});
    Solve s = new Solve(p, costData, f, g);
    for (int k = 0; k < stages.size() - 1; k++) {
      s.stage(stages.get(k)[0], stages.get(k)[1], false);
    }
    TransportPlan result = s.stage(reg, tol, true);
    LAST_STATS.set(new Stats(stages.size(), result.iterations(), s.absorptions,
        s.usedLogDomain, s.largestOmega));
    if (LOG.isDebugEnabled()) {
      LOG.debug("Sinkhorn {}x{} reg={}: {} stages, {} iterations, {} absorptions, log domain"
          + " {}, marginal error {}, cost {} in {} ms", n, m, reg, stages.size(),
          result.iterations(), s.absorptions, s.usedLogDomain, result.marginalError(),
          result.cost(), (System.nanoTime() - start) / 1e6);
    }
    return result;
  }

  private static void requireFiniteOver(double[] x, double reg, String name) {
    for (int k = 0; k < x.length; k++) {
      if (!Double.isFinite(x[k] / reg)) {
        throw new IllegalArgumentException(name + "[" + k + "] = " + (x[k] / reg)
            + " is not finite; " + name + " has shape [" + x.length + "]");
      }
    }
  }

  /** Per thread, the last large kernel array, reused by the next solve of this thread. */
  private static final ThreadLocal<java.lang.ref.SoftReference<double[]>> KERNELS = new ThreadLocal<>();

  /**
   * A kernel array of at least {@code size} entries. Arrays of {@code 2^20} entries or more are
   * kept per thread (softly, so the GC may take them) and reused: allocating and zeroing 32 MB
   * for n = 2048 costs as much as several Sinkhorn iterations. Solves on one thread run one at a
   * time, so the array is never shared between two of them.
   */
  static double[] kernelBuffer(int size) {
    if (size < IN_PLACE_MIN_ENTRIES) {
      return new double[size];
    }
    java.lang.ref.SoftReference<double[]> ref = KERNELS.get();
    double[] k = ref == null ? null : ref.get();
    if (k == null || k.length < size || k.length > 2L * size) {
      k = new double[size];
      KERNELS.set(new java.lang.ref.SoftReference<>(k));
    }
    return k;
  }

  /** {min, max, sum of x * 0 (NaN iff some entry is not finite)} in one pass over rows. */
  private static double[] minMax(DoubleBuffer c, int n, int m) {
    int blocks = RowBlocks.blocks(n, m);
    double[][] r = new double[blocks][];
    RowBlocks.run(n, blocks, (blk, from, to) -> {
      if (Simd.AVAILABLE) {
        double[] acc = {Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, 0};
        double[] row = new double[m];
        for (int i = from; i < to; i++) {
          c.get(i * m, row);
          SinkhornSimd.minMax(row, m, acc);
        }
        r[blk] = acc;
        return;
      }
      double min = Double.POSITIVE_INFINITY;
      double max = Double.NEGATIVE_INFINITY;
      double bad = 0;
      for (int k = from * m, end = to * m; k < end; k++) {
        double x = c.get(k);
        min = Math.min(min, x);
        max = Math.max(max, x);
        bad += x * 0.0;
      }
      r[blk] = new double[] {min, max, bad};
    });
    double[] out = r[0];
    for (int blk = 1; blk < blocks; blk++) {
      out[0] = Math.min(out[0], r[blk][0]);
      out[1] = Math.max(out[1], r[blk][1]);
      out[2] += r[blk][2];
    }
    return out;
  }

  /** The state of one solve: potentials, scalings and the kernel, reused across stages. */
  private final class Solve {
    final OtProblem p;
    final int n;
    final int m;
    /** The cost, row-major: ND4J's memory (kept alive by p) or the problem's copy. */
    final DoubleBuffer c;
    final double[] a;
    final double[] b;
    /** Absorbed potentials (cost units). */
    final double[] f;
    final double[] g;
    /** Scalings; {@code uNext} receives the next u during a fused pass. */
    double[] u;
    double[] uNext;
    final double[] v;
    final double[] w;
    final double[][] partial;
    final double[] blockErr;
    final int blocks;
    double[] kernel;
    int iterations;
    int absorptions;
    boolean usedLogDomain;
    double err = Double.NaN;
    /** Column error of the plan the next pass measures (0 up to rounding when omega = 1). */
    double colErr;
    /** Over-relaxation of the scaling updates (1: plain Sinkhorn). */
    double omega = 1;
    double largestOmega = 1;
    boolean relaxOff;
    int plainSteps;
    double prevRowErr = Double.NaN;

    Solve(OtProblem p, DoubleBuffer c, double[] f, double[] g) {
      this.p = p;
      this.n = p.n();
      this.m = p.m();
      this.c = c;
      this.a = p.aArray();
      this.b = p.bArray();
      this.f = f;
      this.g = g;
      this.u = new double[n];
      this.uNext = new double[n];
      this.v = new double[m];
      this.w = new double[m];
      this.blocks = RowBlocks.blocks(n, m);
      this.partial = new double[blocks][];
      this.blockErr = new double[blocks];
      partial[0] = w;
      for (int k = 1; k < blocks; k++) {
        partial[k] = new double[m];
      }
    }

    /**
     * Runs Sinkhorn at {@code reg} until the marginal error is within {@code tol}; returns the
     * plan for the last stage, else null (the potentials then hold the stage's solution).
     *
     * <p>One iteration is one fused pass over the kernel: for each row {@code i}, {@code s_i =
     * (K v)_i}, the row error {@code |u_i s_i - a_i|} of the current plan, the new {@code u_i =
     * a_i / s_i}, and its contribution {@code u_i K_i.} to {@code K^T u}, while the row is in
     * cache; then {@code v = b / K^T u}. Half the memory traffic of two matrix-vector products.
     */
    TransportPlan stage(double reg, double tol, boolean last) {
      int maxIt = options.maxIterations();
      int stageAbsorptions = 0;
      omega = 1; // the convergence rate depends on reg: estimated afresh per stage
      relaxOff = false;
      buildKernel(reg);
      boolean needV = true;
      while (iterations < maxIt) {
        if (needV) {
          // v = b / K^T u for u = 1, the kernel's column sums, summed while it was built
          sumPartials();
          if (!updateV()) {
            if (++stageAbsorptions > maxAbsorptions) {
              return logDomain(reg, tol, last);
            }
            absorb(reg, true);
            continue;
          }
          needV = false;
        }
        iterations++;
        fusedPass();
        double rowErr = err;
        err = Math.max(err, colErr); // NaN stays NaN
        if (!Double.isFinite(err)) {
          if (++stageAbsorptions > maxAbsorptions) {
            return logDomain(reg, tol, last);
          }
          absorb(reg, false);
          needV = true;
          continue;
        }
        if (err <= tol) {
          if (!last) {
            fold(reg);
            return null;
          }
          TransportPlan result = plan(reg);
          if (result.marginalError() <= tol) {
            return result;
          }
          err = result.marginalError();
        }
        adaptOmega(rowErr);
        double[] t = u;
        u = uNext;
        uNext = t;
        if (!inRange(u)) {
          if (++stageAbsorptions > maxAbsorptions) {
            return logDomain(reg, tol, last);
          }
          absorb(reg, false);
          needV = true;
          continue;
        }
        sumPartials();
        if (!updateV()) {
          if (++stageAbsorptions > maxAbsorptions) {
            return logDomain(reg, tol, last);
          }
          absorb(reg, true);
          needV = true;
        }
      }
      throw notConverged();
    }

    /**
     * Over-relaxation (Thibault et al. 2017; Lehmann et al. 2021): after three plain iterations
     * with a steadily falling row error, with {@code rho} the last error ratio, the scalings are
     * updated as {@code u <- u (a / (u K v))^omega} with {@code omega = 2 / (1 + sqrt(1 - rho))}
     * (at most 1.8), the same fixed point reached in fewer iterations. Back to plain Sinkhorn for
     * the rest of the stage as soon as the error rises.
     */
    private void adaptOmega(double rowErr) {
      if (relaxOff) {
        return;
      }
      if (omega > 1) {
        if (!(rowErr < prevRowErr)) {
          omega = 1;
          relaxOff = true;
        }
      } else if (prevRowErr > 0 && rowErr < prevRowErr) {
        if (++plainSteps >= 3) {
          double rho = rowErr / prevRowErr;
          omega = Math.min(1.8, 2 / (1 + Math.sqrt(1 - rho)));
          largestOmega = Math.max(largestOmega, omega);
        }
      } else {
        plainSteps = 0;
      }
      prevRowErr = rowErr;
    }

    private boolean inRange(double[] x) {
      boolean ok = true;
      for (double y : x) {
        ok &= y <= SCALING_MAX && y >= SCALING_MIN;
      }
      return ok;
    }

    /**
     * {@code v = b / w} (over-relaxed: {@code v (b / (v w))^omega}); records the column error
     * {@code max |v_j w_j - b_j|} of the next plan; false when a scaling leaves the allowed
     * range (v is then invalid).
     */
    private boolean updateV() {
      boolean ok = true;
      double ce = 0;
      double om = omega;
      for (int j = 0; j < m; j++) {
        double x = om == 1 ? b[j] / w[j] : v[j] * Math.pow(b[j] / (v[j] * w[j]), om);
        ok &= x <= SCALING_MAX && x >= SCALING_MIN;
        v[j] = x;
        double d = Math.abs(x * w[j] - b[j]);
        ce = d > ce || d != d ? d : ce;
      }
      colErr = ce;
      return ok;
    }

    OtConvergenceException notConverged() {
      return Sinkhorn.notConverged(options.reg(), options.maxIterations(), err, options.tolerance());
    }

    /**
     * Folds the scalings into the potentials ({@code f += reg log u}, {@code g += reg log v};
     * with {@code vInvalid}, {@code g} is instead recomputed from {@code f} by an exact
     * log-domain half step) and rebuilds the kernel. A {@code u} that is zero or infinite is
     * replaced the same way.
     */
    void absorb(double reg, boolean vInvalid) {
      absorptions++;
      boolean finite = true;
      for (int i = 0; i < n; i++) {
        f[i] += reg * Math.log(u[i]);
        finite &= Double.isFinite(f[i]);
      }
      if (!finite) {
        logRowUpdate(reg); // from g, which is still valid
      }
      if (vInvalid) {
        logColumnUpdate(reg);
      } else {
        for (int j = 0; j < m; j++) {
          g[j] += reg * Math.log(v[j]);
        }
      }
      buildKernel(reg);
    }

    /** {@code f += reg log u}, {@code g += reg log v}, {@code u = v = 1}; no kernel rebuild. */
    void fold(double reg) {
      for (int i = 0; i < n; i++) {
        f[i] += reg * Math.log(u[i]);
        u[i] = 1;
      }
      for (int j = 0; j < m; j++) {
        g[j] += reg * Math.log(v[j]);
        v[j] = 1;
      }
    }

    /** {@code g_j = reg (log b_j - LSE_i((f_i - C_ij) / reg))}, exactly. */
    void logColumnUpdate(double reg) {
      double[] mx = new double[m];
      Arrays.fill(mx, Double.NEGATIVE_INFINITY);
      for (int i = 0; i < n; i++) {
        int base = i * m;
        double fi = f[i];
        for (int j = 0; j < m; j++) {
          double x = fi - c.get(base + j);
          mx[j] = x > mx[j] ? x : mx[j];
        }
      }
      double[] sum = new double[m];
      for (int i = 0; i < n; i++) {
        int base = i * m;
        double fi = f[i];
        for (int j = 0; j < m; j++) {
          sum[j] += Math.exp((fi - c.get(base + j) - mx[j]) / reg);
        }
      }
      for (int j = 0; j < m; j++) {
        g[j] = reg * Math.log(b[j]) - mx[j] - reg * Math.log(sum[j]);
      }
    }

    /** {@code f_i = reg (log a_i - LSE_j((g_j - C_ij) / reg))}, exactly. */
    void logRowUpdate(double reg) {
      for (int i = 0; i < n; i++) {
        int base = i * m;
        double mx = Double.NEGATIVE_INFINITY;
        for (int j = 0; j < m; j++) {
          double x = g[j] - c.get(base + j);
          mx = x > mx ? x : mx;
        }
        double s = 0;
        for (int j = 0; j < m; j++) {
          s += Math.exp((g[j] - c.get(base + j) - mx) / reg);
        }
        f[i] = reg * Math.log(a[i]) - mx - reg * Math.log(s);
      }
    }

    /**
     * {@code K_ij = exp((f_i + g_j - C_ij) / reg)}, after shifting every row and column whose
     * largest exponent is out of {@code [-EXPONENT_RANGE, EXPONENT_RANGE]} into range; sets
     * {@code u = v = 1}.
     */
    void buildKernel(double reg) {
      if (kernel == null) {
        kernel = kernelBuffer(n * m);
      }
      // one pass computes the kernel and the largest exponent of every row and column; only
      // if one is out of range are the potentials shifted and the kernel computed again
      for (int attempt = 0; ; attempt++) {
        double[] rowMax = new double[n];
        double[][] colMax = exponentials(reg, rowMax);
        if (attempt == 2) {
          break; // rows, then columns shifted: what is left out of range is absorbed later
        }
        boolean shifted = false;
        for (int i = 0; i < n; i++) {
          if (rowMax[i] > EXPONENT_RANGE || rowMax[i] < -EXPONENT_RANGE) {
            f[i] -= rowMax[i] * reg;
            shifted = true;
          }
        }
        if (!shifted) {
          for (int j = 0; j < m; j++) {
            double mx = Double.NEGATIVE_INFINITY;
            for (double[] cm : colMax) {
              mx = Math.max(mx, cm[j]);
            }
            if (mx > EXPONENT_RANGE || mx < -EXPONENT_RANGE) {
              g[j] -= mx * reg;
              shifted = true;
            }
          }
        }
        if (!shifted) {
          break;
        }
      }
      Arrays.fill(u, 1.0);
      Arrays.fill(v, 1.0);
      prevRowErr = Double.NaN; // errors restart from the new scalings
      plainSteps = 0;
    }

    /**
     * {@code K_ij = exp(e_ij)}, {@code e_ij = (f_i + g_j - C_ij) / reg}; fills {@code rowMax}
     * with each row's largest exponent, leaves the blocks' partial column sums of {@code K} in
     * {@code partial} (block 0's in {@code w}) and returns each block's column maxima.
     */
    private double[][] exponentials(double reg, double[] rowMax) {
      final double[] k = kernel;
      final double inv = 1 / reg;
      double[][] colMax = new double[blocks][m];
      RowBlocks.run(n, blocks, (blk, from, to) -> {
        double[] cm = colMax[blk];
        double[] acc = partial[blk];
        Arrays.fill(cm, Double.NEGATIVE_INFINITY);
        Arrays.fill(acc, 0);
        if (Simd.AVAILABLE) {
          double[] row = new double[m];
          for (int i = from; i < to; i++) {
            c.get(i * m, row);
            rowMax[i] = SinkhornSimd.kernelRow(row, f[i], g, inv, k, i * m, acc, cm, m);
          }
          return;
        }
        for (int i = from; i < to; i++) {
          int base = i * m;
          double fi = f[i];
          double mx = Double.NEGATIVE_INFINITY;
          for (int j = 0; j < m; j++) {
            double e = (fi + g[j] - c.get(base + j)) * inv;
            double x = Math.exp(e);
            k[base + j] = x;
            acc[j] += x; // K^T 1, for the first v update
            mx = Math.max(mx, e);
            cm[j] = Math.max(cm[j], e);
          }
          rowMax[i] = mx;
        }
      });
      return colMax;
    }

    private void sumPartials() {
      for (int blk = 1; blk < blocks; blk++) {
        double[] pb = partial[blk];
        for (int j = 0; j < m; j++) {
          w[j] += pb[j];
        }
      }
    }

    /**
     * One pass over the kernel: {@code err = max_i |u_i (K v)_i - a_i|}, {@code uNext = a / K v}
     * and the blocks' partial sums of {@code K^T uNext} (summed by {@link #sumPartials()}).
     */
    void fusedPass() {
      final double[] k = kernel;
      final double[] uu = u;
      final double[] un = uNext;
      final double om = omega;
      RowBlocks.run(n, blocks, (blk, from, to) -> {
        double[] acc = partial[blk];
        Arrays.fill(acc, 0);
        if (Simd.AVAILABLE) {
          blockErr[blk] = SinkhornSimd.pass(k, v, uu, un, a, om, acc, from, to, m);
          return;
        }
        double e = 0;
        int i = from;
        // two rows at a time: v and acc are loaded once for both
        for (; i + 1 < to; i += 2) {
          int b0 = i * m;
          int b1 = b0 + m;
          double s0 = 0;
          double s1 = 0;
          double t0 = 0;
          double t1 = 0;
          int j = 0;
          for (; j + 1 < m; j += 2) {
            double v0 = v[j];
            double v1 = v[j + 1];
            s0 += k[b0 + j] * v0;
            s1 += k[b0 + j + 1] * v1;
            t0 += k[b1 + j] * v0;
            t1 += k[b1 + j + 1] * v1;
          }
          if (j < m) {
            s0 += k[b0 + j] * v[j];
            t0 += k[b1 + j] * v[j];
          }
          double sa = s0 + s1;
          double sb = t0 + t1;
          double da = Math.abs(uu[i] * sa - a[i]);
          double db = Math.abs(uu[i + 1] * sb - a[i + 1]);
          e = da > e || da != da ? da : e; // keeps a NaN
          e = db > e || db != db ? db : e;
          double xa = om == 1 ? a[i] / sa : uu[i] * Math.pow(a[i] / (uu[i] * sa), om);
          double xb = om == 1 ? a[i + 1] / sb
              : uu[i + 1] * Math.pow(a[i + 1] / (uu[i + 1] * sb), om);
          un[i] = xa;
          un[i + 1] = xb;
          for (int q = 0; q < m; q++) {
            acc[q] += xa * k[b0 + q] + xb * k[b1 + q];
          }
        }
        for (; i < to; i++) {
          int base = i * m;
          double s0 = 0;
          double s1 = 0;
          int j = 0;
          for (; j + 1 < m; j += 2) {
            s0 += k[base + j] * v[j];
            s1 += k[base + j + 1] * v[j + 1];
          }
          if (j < m) {
            s0 += k[base + j] * v[j];
          }
          double s = s0 + s1;
          double d = Math.abs(uu[i] * s - a[i]);
          e = d > e || d != d ? d : e;
          double x = om == 1 ? a[i] / s : uu[i] * Math.pow(a[i] / (uu[i] * s), om);
          un[i] = x;
          for (int q = 0; q < m; q++) {
            acc[q] += x * k[base + q];
          }
        }
        blockErr[blk] = e;
      });
      double e = 0;
      for (int blk = 0; blk < blocks; blk++) {
        double d = blockErr[blk];
        e = d > e || d != d ? d : e;
      }
      err = e;
    }

    /** The plan {@code diag(u) K diag(v)} with its cost, marginal errors and potentials. */
    TransportPlan plan(double reg) {
      final double[] k = kernel;
      INDArray planArr = OffHeap.zeros(n, m); // pages are touched once, by the writes below
      final DoubleBuffer pl = planArr.data().asNioDouble();
      double[] rowSums = new double[n];
      double[] costs = new double[blocks];
      double[][] colSums = new double[blocks][m];
      RowBlocks.run(n, blocks, (blk, from, to) -> {
        double[] cs = colSums[blk];
        double[] row = new double[m];
        double cost = 0;
        for (int i = from; i < to; i++) {
          int base = i * m;
          double ui = u[i];
          double rs = 0;
          for (int j = 0; j < m; j++) {
            double x = ui * k[base + j] * v[j];
            row[j] = x;
            rs += x;
            cs[j] += x;
            cost += x * c.get(base + j);
          }
          pl.put(base, row);
          rowSums[i] = rs;
        }
        costs[blk] = cost;
      });
      double cost = 0;
      double rowError = 0;
      double colError = 0;
      for (int blk = 0; blk < blocks; blk++) {
        cost += costs[blk];
      }
      for (int i = 0; i < n; i++) {
        rowError = Math.max(rowError, Math.abs(rowSums[i] - a[i]));
      }
      for (int j = 0; j < m; j++) {
        double s = 0;
        for (int blk = 0; blk < blocks; blk++) {
          s += colSums[blk][j];
        }
        colError = Math.max(colError, Math.abs(s - b[j]));
      }
      if (!Double.isFinite(cost) || !Double.isFinite(rowError) || !Double.isFinite(colError)) {
        throw nanOrInfinity(reg, iterations, Math.max(rowError, colError), options.tolerance(), "");
      }
      double[] fr = new double[n];
      double[] gr = new double[m];
      for (int i = 0; i < n; i++) {
        fr[i] = f[i] + reg * Math.log(u[i]);
      }
      for (int j = 0; j < m; j++) {
        gr[j] = g[j] + reg * Math.log(v[j]);
      }
      return new TransportPlan(planArr, cost, rowError, colError, iterations,
          Nd4j.createFromArray(fr), Nd4j.createFromArray(gr));
    }

    /**
     * Continues the stage in the log domain from the potentials {@code f + reg log u}, {@code g}
     * (ND4J, log-sum-exp updates); on return the potentials hold its result and the scalings
     * are 1.
     */
    TransportPlan logDomain(double reg, double tol, boolean last) {
      usedLogDomain = true;
      for (int i = 0; i < n; i++) {
        double x = f[i] + reg * Math.log(u[i]);
        f[i] = Double.isFinite(x) ? x : f[i];
      }
      Arrays.fill(u, 1.0);
      Arrays.fill(v, 1.0);
      LogResult r = Sinkhorn.logDomain(p, reg, tol, options.maxIterations(), iterations,
          Nd4j.createFromArray(f).divi(reg), Nd4j.createFromArray(g).divi(reg), last);
      iterations = r.iterations;
      double[] fs = r.fs.toDoubleVector();
      double[] gs = r.gs.toDoubleVector();
      for (int i = 0; i < n; i++) {
        f[i] = fs[i] * reg;
      }
      for (int j = 0; j < m; j++) {
        g[j] = gs[j] * reg;
      }
      if (r.plan == null && last) {
        throw new AssertionError("log domain returned no plan for the last stage");
      }
      return r.plan;
    }
  }

  /** What {@link #logDomain} leaves: its potentials over reg, iterations, the plan (last stage). */
  record LogResult(INDArray fs, INDArray gs, int iterations, TransportPlan plan) {}

  /**
   * Sinkhorn's updates in the log domain (ND4J, stabilised log-sum-exp), from {@code fs = f /
   * reg}, {@code gs = g / reg}, counting iterations from {@code it0} up to {@code maxIterations}.
   * For the last stage the plan is formed and checked; otherwise the potentials are returned once
   * the row error is within {@code tol}.
   */
  @SuppressWarnings("try") // the workspace is used for its scope only
  static LogResult logDomain(OtProblem p, double reg, double tol, int maxIterations, int it0,
      INDArray fs, INDArray gs, boolean last) {
    int n = p.n();
    int m = p.m();
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
    double err = Double.NaN;
    int it = it0;
    while (it < maxIterations) {
      boolean rowsConverged = false;
      // every temporary of an iteration lives in a workspace that is reset on the next one
      while (it < maxIterations && !rowsConverged) {
        it++;
        try (MemoryWorkspace ws =
            Nd4j.getWorkspaceManager().getAndActivateWorkspace(WORKSPACE, WORKSPACE_ID)) {
          gs.assign(logB).subi(lse(kernelT, fs, workT, onesN));
          INDArray rowLse = lse(kernel, gs, work, onesM);
          err = maxAbsExpDiff(fs, rowLse, p.a());
          if (!Double.isFinite(err) || !finite(gs)) {
            throw nanOrInfinity(reg, it, err, tol, "");
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
      if (!last) {
        return new LogResult(fs, gs, it, null);
      }
      // columns match b to rounding after the g update and rows are within tol: check both
      INDArray plan = Transforms.exp(planLog(kernel, fs, gs, onesM), false);
      TransportPlan result = TransportPlan.measure(plan, p.a(), p.b(), p.cost(), it,
          fs.mul(reg), gs.mul(reg));
      if (result.marginalError() <= tol) {
        return new LogResult(fs, gs, it, result);
      }
      err = result.marginalError();
      fs.assign(logA).subi(lse(kernel, gs, work, onesM));
    }
    throw notConverged(reg, maxIterations, err, tol);
  }

  /** The iteration limit was reached with the marginal error {@code err} above {@code tol}. */
  static OtConvergenceException notConverged(double reg, int maxIterations, double err, double tol) {
    return new OtConvergenceException(String.format(
        "Sinkhorn did not converge: reg = %s, %d iterations (maxIterations), marginal error %s"
            + " > tolerance %s; raise maxIterations or reg, or warm-start from a larger reg",
        reg, maxIterations, err, tol), reg, maxIterations, err);
  }

  /** A NaN or infinity appeared after {@code iterations}; {@code detail} is appended to the message. */
  static OtConvergenceException nanOrInfinity(double reg, int iterations, double err, double tol,
      String detail) {
    return new OtConvergenceException(String.format("Sinkhorn produced a NaN or infinity:"
        + " reg = %s, after %d iterations, marginal error %s (tolerance %s)%s", reg, iterations, err, tol,
        detail), reg, iterations, err);
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
