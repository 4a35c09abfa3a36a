package org.otfuse.core.backend;

import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.RecursiveAction;
import java.util.function.IntConsumer;
import org.otfuse.core.ot.GroundMetric;

/**
 * A {@link TransportBackend} in plain Java, float64 arithmetic, multi-threaded on a {@link
 * ForkJoinPool}, with no native code and no ND4J. It runs exactly the algorithm of {@link
 * CudaBackend} (the row-shifted Sinkhorn described on {@link TransportBackend}, the same update
 * order, the same checks), so the two agree to rounding after any number of iterations; it is the
 * reference the GPU is checked against where ND4J cannot travel, and the "CPU path" timed on a GPU
 * machine by {@link GpuCheck}.
 *
 * <p>Ground costs use the expansion {@code ||x||^2 + ||y||^2 - 2 <x, y>} in float64 (as {@link
 * org.otfuse.core.ot.GroundCost}), rounded to float32 at the end. The kernel form stores {@code
 * exp(-C' / reg)} as float32, as the GPU does. {@link Precision} is ignored (always float64).
 */
public final class JavaBackend implements TransportBackend {

  private static final int ROW_BLOCK = 32;
  private static final int COL_BLOCK = 256;

  private final ForkJoinPool pool;
  private final boolean ownsPool;

  /** On the common {@link ForkJoinPool}. */
  public JavaBackend() {
    this.pool = ForkJoinPool.commonPool();
    this.ownsPool = false;
  }

  /**
   * On a pool of its own with {@code threads} workers (closed by {@link #close()}).
   *
   * @param threads {@code >= 1}
   */
  public JavaBackend(int threads) {
    if (threads < 1) {
      throw new IllegalArgumentException("threads is " + threads + " but must be >= 1");
    }
    this.pool = new ForkJoinPool(threads);
    this.ownsPool = true;
  }

  @Override
  public String name() {
    return "java";
  }

  @Override
  public boolean isGpu() {
    return false;
  }

  /** The worker threads this backend uses. */
  public int threads() {
    return pool.getParallelism();
  }

  @Override
  public void close() {
    if (ownsPool) {
      pool.shutdown();
    }
  }

  // ---------------------------------------------------------------- ground cost

  @Override
  public float[] groundCost(float[] x, int n, float[] y, int m, int d, GroundMetric metric) {
    BackendChecks.requirePoints(x, n, d, "x");
    BackendChecks.requirePoints(y, m, d, "y");
    BackendChecks.requireShape(n, m);
    if (metric == null) {
      throw new IllegalArgumentException("metric is null");
    }
    BackendChecks.requireFinitePoints(x, d, "x");
    BackendChecks.requireFinitePoints(y, d, "y");
    double[] nx = squaredNorms(x, n, d);
    double[] ny = squaredNorms(y, m, d);
    if (metric == GroundMetric.COSINE) {
      requireNonZero(nx, "x");
      requireNonZero(ny, "y");
    }
    float[] out = new float[n * m];
    int blocks = (n + ROW_BLOCK - 1) / ROW_BLOCK;
    parallelFor(blocks, blk -> {
      int i0 = blk * ROW_BLOCK;
      int i1 = Math.min(n, i0 + ROW_BLOCK);
      for (int j0 = 0; j0 < m; j0 += ROW_BLOCK) {
        int j1 = Math.min(m, j0 + ROW_BLOCK);
        for (int i = i0; i < i1; i += 2) {
          boolean two = i + 1 < i1;
          for (int j = j0; j < j1; j += 2) {
            boolean twoJ = j + 1 < j1;
            int xa = i * d;
            int xb = two ? xa + d : xa;
            int ya = j * d;
            int yb = twoJ ? ya + d : ya;
            double s00 = 0;
            double s01 = 0;
            double s10 = 0;
            double s11 = 0;
            for (int k = 0; k < d; k++) {
              double x0 = x[xa + k];
              double x1 = x[xb + k];
              double y0 = y[ya + k];
              double y1 = y[yb + k];
              s00 += x0 * y0;
              s01 += x0 * y1;
              s10 += x1 * y0;
              s11 += x1 * y1;
            }
            out[i * m + j] = epilogue(metric, nx[i], ny[j], s00);
            if (twoJ) {
              out[i * m + j + 1] = epilogue(metric, nx[i], ny[j + 1], s01);
            }
            if (two) {
              out[(i + 1) * m + j] = epilogue(metric, nx[i + 1], ny[j], s10);
              if (twoJ) {
                out[(i + 1) * m + j + 1] = epilogue(metric, nx[i + 1], ny[j + 1], s11);
              }
            }
          }
        }
      }
    });
    return out;
  }

  private static float epilogue(GroundMetric metric, double xx, double yy, double dot) {
    switch (metric) {
      case SQEUCLIDEAN:
        return (float) Math.max(xx + yy - 2 * dot, 0);
      case EUCLIDEAN:
        return (float) Math.sqrt(Math.max(xx + yy - 2 * dot, 0));
      case COSINE:
        return (float) Math.max(1 - dot / (Math.sqrt(xx) * Math.sqrt(yy)), 0);
      default:
        throw new AssertionError(metric);
    }
  }

  private static double[] squaredNorms(float[] x, int n, int d) {
    double[] out = new double[n];
    for (int i = 0; i < n; i++) {
      double s = 0;
      for (int k = i * d, e = k + d; k < e; k++) {
        s += (double) x[k] * x[k];
      }
      out[i] = s;
    }
    return out;
  }

  private static void requireNonZero(double[] norms, String name) {
    for (int i = 0; i < norms.length; i++) {
      if (norms[i] == 0) {
        throw new IllegalArgumentException("row " + i + " of " + name
            + " has norm 0; the cosine distance to a zero vector is undefined");
      }
    }
  }

  // ---------------------------------------------------------------- Sinkhorn

  @Override
  public SinkhornResult sinkhorn(float[] cost, int n, int m, double[] a, double[] b,
      SinkhornForm form, SinkhornSpec spec) {
    BackendChecks.requireCostShape(cost, n, m);
    BackendChecks.requireMasses(a, b, n, m);
    if (form == null || spec == null) {
      throw new IllegalArgumentException("form and spec must not be null");
    }
    BackendChecks.requireFiniteCost(cost, m);
    return new Solve(cost, n, m, a, b, form, spec.reg()).run(spec.tolerance(),
        spec.maxIterations(), spec.checkEvery(), false, spec.returnPlan());
  }

  @Override
  public SinkhornResult sinkhornFixed(float[] cost, int n, int m, double[] a, double[] b,
      SinkhornForm form, double reg, int iterations, Precision precision) {
    BackendChecks.requireCostShape(cost, n, m);
    BackendChecks.requireMasses(a, b, n, m);
    BackendChecks.requireReg(reg);
    BackendChecks.requireIterations(iterations);
    if (form == null) {
      throw new IllegalArgumentException("form must not be null");
    }
    BackendChecks.requireFiniteCost(cost, m);
    return new Solve(cost, n, m, a, b, form, reg).run(Double.NaN, iterations, iterations, true,
        false);
  }

  /** One Sinkhorn solve: the state of the row-shifted iteration. */
  private final class Solve {
    final float[] c;
    final int n;
    final int m;
    final double[] a;
    final double[] b;
    final SinkhornForm form;
    final double reg;
    final double ir;
    final float[] rmin;
    final double[] logA;
    final double[] logB;
    /** LOG: fs = f' / reg; KERNEL: u. */
    final double[] p;
    /** LOG: gs = g / reg; KERNEL: v. */
    final double[] q;
    final double[] rowErr;
    /** KERNEL: exp(-(C - r_i) / reg) as float32. */
    float[] kernel;

    Solve(float[] c, int n, int m, double[] a, double[] b, SinkhornForm form, double reg) {
      this.c = c;
      this.n = n;
      this.m = m;
      this.a = a;
      this.b = b;
      this.form = form;
      this.reg = reg;
      this.ir = 1 / reg;
      this.rmin = new float[n];
      this.logA = new double[n];
      this.logB = new double[m];
      for (int i = 0; i < n; i++) {
        logA[i] = Math.log(a[i]);
      }
      for (int j = 0; j < m; j++) {
        logB[j] = Math.log(b[j]);
      }
      this.p = new double[n];
      this.q = new double[m];
      this.rowErr = new double[n];
    }

    SinkhornResult run(double tol, int maxIter, int checkEvery, boolean fixed,
        boolean returnPlan) {
      setup();
      double lastErr = Double.NaN;
      for (int it = 1; it <= maxIter; it++) {
        columnUpdate();
        rowUpdate();
        boolean check = !fixed && (it % checkEvery == 0 || it == maxIter);
        if (!check) {
          continue;
        }
        double err = max(rowErr);
        if (!Double.isFinite(err) || !finite(p) || !finite(q)) {
          throw BackendChecks.nonFinite(name(), form, reg, it, err, tol);
        }
        lastErr = err;
        if (err <= tol) {
          SinkhornResult r = measure(it, returnPlan);
          if (Double.isNaN(r.rowError()) || Double.isNaN(r.colError())) {
            throw BackendChecks.nonFinite(name(), form, reg, it, Double.NaN, tol);
          }
          if (r.marginalError() <= tol) {
            return r;
          }
          lastErr = r.marginalError();
        }
      }
      if (fixed) {
        if (!finite(p) || !finite(q)) {
          throw BackendChecks.nonFinite(name(), form, reg, maxIter, max(rowErr), tol);
        }
        return measure(maxIter, returnPlan);
      }
      throw BackendChecks.notConverged(name(), reg, maxIter, lastErr, tol);
    }

    void setup() {
      for (int i = 0; i < n; i++) {
        float mn = Float.POSITIVE_INFINITY;
        for (int j = i * m, e = j + m; j < e; j++) {
          mn = Math.min(mn, c[j]);
        }
        rmin[i] = mn;
      }
      if (form == SinkhornForm.KERNEL) {
        java.util.Arrays.fill(p, 1.0);
        java.util.Arrays.fill(q, 1.0);
        kernel = new float[n * m];
        parallelFor(rowBlocks(), blk -> {
          for (int i = blk * ROW_BLOCK, e = Math.min(n, i + ROW_BLOCK); i < e; i++) {
            double ri = rmin[i];
            for (int j = i * m, f = j + m; j < f; j++) {
              kernel[j] = (float) Math.exp(-(c[j] - ri) * ir);
            }
          }
        });
      }
    }

    int rowBlocks() {
      return (n + ROW_BLOCK - 1) / ROW_BLOCK;
    }

    int colBlocks() {
      return (m + COL_BLOCK - 1) / COL_BLOCK;
    }

    /** LOG: gs_j = log b_j - LSE_i(fs_i - C'_ij / reg); KERNEL: v_j = b_j / sum_i K'_ij u_i. */
    void columnUpdate() {
      parallelFor(colBlocks(), blk -> {
        int j0 = blk * COL_BLOCK;
        int w = Math.min(m, j0 + COL_BLOCK) - j0;
        double[] mx = new double[w];
        double[] s = new double[w];
        if (form == SinkhornForm.LOG) {
          java.util.Arrays.fill(mx, Double.NEGATIVE_INFINITY);
          for (int i = 0; i < n; i++) {
            double fi = p[i];
            double ri = rmin[i];
            int row = i * m + j0;
            for (int t = 0; t < w; t++) {
              double v = fi - (c[row + t] - ri) * ir;
              if (v > mx[t]) {
                s[t] = s[t] * Math.exp(mx[t] - v) + 1;
                mx[t] = v;
              } else {
                s[t] += Math.exp(v - mx[t]);
              }
            }
          }
          for (int t = 0; t < w; t++) {
            q[j0 + t] = logB[j0 + t] - (mx[t] + Math.log(s[t]));
          }
        } else {
          for (int i = 0; i < n; i++) {
            double ui = p[i];
            int row = i * m + j0;
            for (int t = 0; t < w; t++) {
              s[t] += kernel[row + t] * ui;
            }
          }
          for (int t = 0; t < w; t++) {
            q[j0 + t] = b[j0 + t] / s[t];
          }
        }
      });
    }

    /** The row error of the current plan, then the row update. */
    void rowUpdate() {
      parallelFor(rowBlocks(), blk -> {
        for (int i = blk * ROW_BLOCK, e = Math.min(n, i + ROW_BLOCK); i < e; i++) {
          int row = i * m;
          if (form == SinkhornForm.LOG) {
            double ri = rmin[i];
            double mx = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < m; j++) {
              mx = Math.max(mx, q[j] - (c[row + j] - ri) * ir);
            }
            double s = 0;
            for (int j = 0; j < m; j++) {
              s += Math.exp(q[j] - (c[row + j] - ri) * ir - mx);
            }
            double lse = mx + Math.log(s);
            rowErr[i] = Math.abs(Math.exp(p[i] + lse) - a[i]);
            p[i] = logA[i] - lse;
          } else {
            double s = 0;
            for (int j = 0; j < m; j++) {
              s += kernel[row + j] * q[j];
            }
            rowErr[i] = Math.abs(p[i] * s - a[i]);
            p[i] = a[i] / s;
          }
        }
      });
    }

    double entry(int i, int j) {
      if (form == SinkhornForm.LOG) {
        return Math.exp(p[i] + q[j] - (c[i * m + j] - (double) rmin[i]) * ir);
      }
      return p[i] * kernel[i * m + j] * q[j];
    }

    SinkhornResult measure(int iterations, boolean returnPlan) {
      double[] plan = returnPlan ? new double[n * m] : null;
      double[] rowSum = new double[n];
      double[] rowCost = new double[n];
      int blocks = rowBlocks();
      double[][] colPart = new double[blocks][];
      parallelFor(blocks, blk -> {
        double[] cs = new double[m];
        for (int i = blk * ROW_BLOCK, e = Math.min(n, i + ROW_BLOCK); i < e; i++) {
          double rs = 0;
          double rc = 0;
          for (int j = 0; j < m; j++) {
            double pij = entry(i, j);
            if (plan != null) {
              plan[i * m + j] = pij;
            }
            rs += pij;
            rc += pij * c[i * m + j];
            cs[j] += pij;
          }
          rowSum[i] = rs;
          rowCost[i] = rc;
        }
        colPart[blk] = cs;
      });
      double rowE = 0;
      double total = 0;
      for (int i = 0; i < n; i++) {
        rowE = maxNan(rowE, Math.abs(rowSum[i] - a[i]));
        total += rowCost[i];
      }
      double colE = 0;
      for (int j = 0; j < m; j++) {
        double s = 0;
        for (double[] part : colPart) {
          s += part[j];
        }
        colE = maxNan(colE, Math.abs(s - b[j]));
      }
      double[] f = new double[n];
      double[] g = new double[m];
      for (int i = 0; i < n; i++) {
        f[i] = (form == SinkhornForm.LOG ? reg * p[i] : reg * Math.log(p[i])) + rmin[i];
      }
      for (int j = 0; j < m; j++) {
        g[j] = form == SinkhornForm.LOG ? reg * q[j] : reg * Math.log(q[j]);
      }
      return new SinkhornResult(n, m, plan, f, g, iterations, rowE, colE, total, Double.NaN,
          name());
    }
  }

  private static double max(double[] v) {
    double mx = 0;
    for (double x : v) {
      mx = maxNan(mx, x);
    }
    return mx;
  }

  /** {@code max} that keeps a NaN. */
  private static double maxNan(double acc, double x) {
    return (x > acc || Double.isNaN(x)) ? x : acc;
  }

  private static boolean finite(double[] v) {
    for (double x : v) {
      if (!Double.isFinite(x)) {
        return false;
      }
    }
    return true;
  }

  // ---------------------------------------------------------------- plan application

  @Override
  public double[] applyPlan(double[] plan, int n, int m, double[] w, int k) {
    BackendChecks.requireShape(n, m);
    BackendChecks.requireLength(plan, n * m, "plan");
    if (k < 1) {
      throw new IllegalArgumentException("k is " + k + " but must be >= 1");
    }
    BackendChecks.requireLength(w, n * k, "w");
    double[] out = new double[m * k];
    int blocks = (m + ROW_BLOCK - 1) / ROW_BLOCK;
    parallelFor(blocks, blk -> {
      int j0 = blk * ROW_BLOCK;
      int j1 = Math.min(m, j0 + ROW_BLOCK);
      for (int i = 0; i < n; i++) {
        int wi = i * k;
        for (int j = j0; j < j1; j++) {
          double pij = plan[i * m + j];
          if (pij == 0) {
            continue;
          }
          int oj = j * k;
          for (int t = 0; t < k; t++) {
            out[oj + t] += pij * w[wi + t];
          }
        }
      }
    });
    return out;
  }

  // ---------------------------------------------------------------- threads

  private void parallelFor(int tasks, IntConsumer body) {
    if (tasks <= 1 || pool.getParallelism() <= 1) {
      for (int t = 0; t < tasks; t++) {
        body.accept(t);
      }
      return;
    }
    pool.invoke(new Range(0, tasks, body));
  }

  private static final class Range extends RecursiveAction {
    private static final long serialVersionUID = 1L;
    private final int lo;
    private final int hi;
    private final transient IntConsumer body;

    Range(int lo, int hi, IntConsumer body) {
      this.lo = lo;
      this.hi = hi;
      this.body = body;
    }

    @Override
    protected void compute() {
      if (hi - lo == 1) {
        body.accept(lo);
        return;
      }
      int mid = (lo + hi) >>> 1;
      invokeAll(new Range(lo, mid, body), new Range(mid, hi, body));
    }
  }
}
