package org.otfuse.core.backend;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.function.Supplier;
import org.otfuse.core.backend.CudaBackend.KernelProducts;
import org.otfuse.core.ot.CostNormalization;
import org.otfuse.core.ot.GroundMetric;
import org.otfuse.core.ot.OtConvergenceException;

/**
 * The one program run on a GPU machine ({@code submit/gpu/device-check.sh}); it needs only this
 * package, {@code GroundMetric}, {@code CostNormalization}, {@code SinkhornOptions}, {@code
 * OtConvergenceException} and SLF4J (no ND4J, no Spark), so that it travels with a small runtime.
 *
 * <ol>
 *   <li>Reference checks, always: {@link JavaBackend} against the definitions and a textbook
 *       float64 Sinkhorn written out below (independent of the backends' code).
 *   <li>GPU checks, when {@link CudaBackend} is available: every dense step against {@link
 *       JavaBackend} within the tolerances of {@code TransportBackendContract}.
 *   <li>GPU benchmarks: the ground cost ({@code n = m}, {@code d = 4096}) and Sinkhorn (100 fixed
 *       iterations and to tolerance, both forms, float32 and float64, both kernel-form products)
 *       on the Euclidean cost of Gaussian points in {@code R^64}, normalised by its mean, {@code
 *       reg = 0.02} (about 60 iterations to tolerance), uniform masses, tolerance {@code 1e-4 / n}; device time by CUDA events
 *       (median of repeats after a warm-up) and wall time of the JNI call.
 *   <li>CPU benchmarks: {@link JavaBackend} on all cores, on the same problems, fewer sizes.
 * </ol>
 *
 * <p>It writes {@code gpu-check.json} to {@code --out}, and the points and {@code
 * bench-config.json} to {@code --data} for {@code submit/gpu/torch_anchor.py}, which times PyTorch
 * on the same problems. Without a GPU it says why ("no GPU: CUDA backend unavailable (...)") and
 * still runs the reference checks and the CPU benchmarks. Exit status: 0 when every check passed,
 * 1 when one failed, 2 when {@code --require-gpu} was given and there is no GPU.
 */
public final class GpuCheck {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(GpuCheck.class);

  /** Dimension of the Sinkhorn benchmark's points. */
  static final int POINT_DIM = 64;
  /** Entropic regularisation of the benchmark, on the mean-normalised cost. */
  static final double BENCH_REG = 0.02;
  /** Benchmark tolerance times {@code n}: {@code 1e-4} of a uniform mass. */
  static final double BENCH_TOL_TIMES_N = 1e-4;
  static final int BENCH_MAX_ITER = 3000;
  static final int BENCH_CHECK_EVERY = 10;
  static final int FIXED_ITERATIONS = 100;

  private final Map<String, Object> env = new LinkedHashMap<>();
  private final List<Map<String, Object>> checks = new ArrayList<>();
  private final List<Map<String, Object>> gpuBench = new ArrayList<>();
  private final List<Map<String, Object>> cpuBench = new ArrayList<>();
  private final long t0 = System.nanoTime();
  private boolean quick;
  private Path out;
  private Path data;
  private int cpuThreads = Runtime.getRuntime().availableProcessors();
  /** Seconds each CPU benchmark group may take (the cost; each Sinkhorn form and mode). */
  private double cpuBudgetSeconds = 20;

  GpuCheck() {}

  public static void main(String[] args) {
    System.exit(new GpuCheck().run(args));
  }

  int run(String[] args) {
    boolean requireGpu = false;
    boolean bench = true;
    boolean cpu = true;
    out = Path.of("gpu-check-out");
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--out" -> out = Path.of(args[++i]);
        case "--data" -> data = Path.of(args[++i]);
        case "--quick" -> quick = true;
        case "--require-gpu" -> requireGpu = true;
        case "--no-bench" -> bench = false;
        case "--no-cpu" -> cpu = false;
        case "--cpu-threads" -> cpuThreads = Integer.parseInt(args[++i]);
        case "--cpu-budget-s" -> cpuBudgetSeconds = Double.parseDouble(args[++i]);
        default -> {
          LOG.error("unknown argument {}; usage: GpuCheck [--out DIR] [--data DIR] [--quick] [--require-gpu]"
              + " [--no-bench] [--no-cpu] [--cpu-threads N] [--cpu-budget-s S]", args[i]);
          return 64;
        }
      }
    }
    if (data == null) {
      data = out.resolve("data");
    }
    try {
      Files.createDirectories(out);
      Files.createDirectories(data);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    env.put("java", System.getProperty("java.vm.name") + " " + System.getProperty("java.version"));
    env.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version") + " "
        + System.getProperty("os.arch"));
    env.put("cpus", Runtime.getRuntime().availableProcessors());
    env.put("max_heap_mib", Runtime.getRuntime().maxMemory() >> 20);
    env.put("quick", quick);
    say("GpuCheck on " + env.get("java") + ", " + env.get("cpus") + " CPUs");

    referenceChecks();

    CudaBackend.Availability av = CudaBackend.availability();
    env.put("cuda_available", av.available());
    env.put("cuda_reason", av.reason());
    CudaBackend gpu = null;
    if (av.available()) {
      try {
        gpu = CudaBackend.open(0);
        env.put("gpu", gpu.deviceInfo());
        env.put("cublas", gpu.blasInfo());
        env.put("backend", gpu.name());
        say("GPU: " + gpu.deviceInfo() + "; " + gpu.blasInfo());
      } catch (RuntimeException e) {
        env.put("cuda_open_error", e.toString());
        say("no GPU: CUDA backend failed to open (" + e.getMessage() + ")");
      }
    } else {
      say("no GPU: CUDA backend unavailable (" + av.reason() + ")");
    }
    // what a Spark task would get here
    try (TransportBackend chosen = Backends.select(true, 0, JavaBackend::new)) {
      env.put("backends_select_true", chosen.name());
    }
    try {
      writePoints();
      if (gpu != null) {
        gpuChecks(gpu);
        if (bench) {
          gpuBenchmarks(gpu);
        }
      }
      if (cpu && bench) {
        cpuBenchmarks();
      }
    } finally {
      if (gpu != null) {
        gpu.close();
      }
      writeJson();
    }
    long failed = checks.stream().filter(c -> !Boolean.TRUE.equals(c.get("ok"))).count();
    printSummary();
    say(checks.size() + " checks, " + failed + " failed; results in " + out.resolve(
        "gpu-check.json"));
    if (gpu == null && requireGpu) {
      say("FAIL: --require-gpu but no usable GPU");
      return 2;
    }
    return failed == 0 ? 0 : 1;
  }

  // ================================================================ reference checks (pure Java)

  private void referenceChecks() {
    try (JavaBackend java = new JavaBackend(Math.min(cpuThreads, 4))) {
      check("java: ground cost equals the float64 definition (3 metrics)", () -> {
        Random rnd = new Random(1);
        int n = 50;
        int m = 40;
        int d = 33;
        float[] x = gaussian(n, d, rnd);
        float[] y = gaussian(m, d, rnd);
        double worst = 0;
        for (GroundMetric metric : GroundMetric.values()) {
          float[] c = java.groundCost(x, n, y, m, d, metric);
          double[] ref = definitionCost(x, n, y, m, d, metric);
          for (int k = 0; k < c.length; k++) {
            worst = Math.max(worst, Math.abs(c[k] - ref[k]) / (1e-6 + Math.abs(ref[k])));
          }
        }
        return result(worst <= 1e-6, "max relative error " + worst + " (float32 rounding)");
      });
      Random rnd = new Random(2);
      int n = 40;
      int m = 30;
      float[] c = sqEuclidean(n, m, 5, rnd);
      double reg = 0.1 * mean(c);
      double[] a = dirichlet(n, rnd);
      double[] b = dirichlet(m, rnd);
      double[] textbook = textbookSinkhorn(c, n, m, a, b, reg, 1e-13);
      for (SinkhornForm form : SinkhornForm.values()) {
        check("java: " + form.name().toLowerCase(Locale.ROOT)
            + " form equals a textbook float64 Sinkhorn", () -> {
          SinkhornResult r = java.sinkhorn(c, n, m, a, b, form,
              new SinkhornSpec(reg, 1e-12, 10_000, 1, Precision.FLOAT64, true));
          double worst = maxRelDiff(textbook, r.planArray(), 1e-300);
          // the kernel form rounds exp(-C'/reg) to float32
          double allowed = form == SinkhornForm.LOG ? 1e-8 : 1e-6;
          return result(worst <= allowed && r.marginalError() <= 1e-12, "plan max relative"
              + " difference " + worst + " (allowed " + allowed + "), marginal error "
              + r.marginalError() + ", " + r.iterations() + " iterations");
        });
      }
      check("java: costs near 1e4 with reg 1 do not underflow (log form)", () -> {
        float[] big = new float[30 * 20];
        Random r2 = new Random(3);
        for (int k = 0; k < big.length; k++) {
          big[k] = (float) (1e4 + 20 * r2.nextDouble());
        }
        SinkhornResult r = java.sinkhornLog(big, 30, 20, uniform(30), uniform(20),
            new SinkhornSpec(1, 1e-10, 10_000, 10, Precision.FLOAT64, false));
        return result(r.marginalError() <= 1e-10, r.toString());
      });
      check("java: an underflowing kernel fails loudly", () -> expectConvergenceFailure(
          () -> java.sinkhornKernel(deadColumn(), 12, 9, uniform(12), uniform(9),
              new SinkhornSpec(1, 1e-9, 1000, 10, Precision.FLOAT64, false)), "NaN or infinity"));
      check("java: too few iterations are reported with the numbers", () ->
          expectConvergenceFailure(() -> java.sinkhornLog(c, n, m, a, b,
              new SinkhornSpec(reg / 10, 1e-12, 3, 10, Precision.FLOAT64, false)),
              "3 iterations"));
    }
  }

  /** The plan of the classic u/v loop in float64, no shift, to {@code tol} on the row sums. */
  static double[] textbookSinkhorn(float[] c, int n, int m, double[] a, double[] b, double reg,
      double tol) {
    double[] k = new double[n * m];
    for (int i = 0; i < k.length; i++) {
      k[i] = Math.exp(-c[i] / reg);
    }
    double[] u = new double[n];
    double[] v = new double[m];
    Arrays.fill(u, 1);
    Arrays.fill(v, 1);
    for (int it = 0; it < 100_000; it++) {
      for (int j = 0; j < m; j++) {
        double s = 0;
        for (int i = 0; i < n; i++) {
          s += k[i * m + j] * u[i];
        }
        v[j] = b[j] / s;
      }
      double err = 0;
      for (int i = 0; i < n; i++) {
        double s = 0;
        for (int j = 0; j < m; j++) {
          s += k[i * m + j] * v[j];
        }
        err = Math.max(err, Math.abs(u[i] * s - a[i]));
        u[i] = a[i] / s;
      }
      if (err < tol) {
        break;
      }
    }
    double[] p = new double[n * m];
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < m; j++) {
        p[i * m + j] = u[i] * k[i * m + j] * v[j];
      }
    }
    return p;
  }

  // ================================================================ GPU checks

  private void gpuChecks(CudaBackend gpu) {
    try (JavaBackend java = new JavaBackend(cpuThreads)) {
      for (int[] s : new int[][] {{37, 53, 29}, {301, 203, 64}, {768, 640, 256}}) {
        int n = s[0];
        int m = s[1];
        int d = s[2];
        check("gpu: ground cost " + n + "x" + m + " d=" + d + " within the float32 expansion"
            + " bound of float64 (3 metrics)", () -> {
          Random rnd = new Random(n + m);
          float[] x = gaussian(n, d, rnd);
          float[] y = gaussian(m, d, rnd);
          double worstRatio = 0;
          double worstRel = 0;
          for (GroundMetric metric : GroundMetric.values()) {
            float[] got = gpu.groundCost(x, n, y, m, d, metric);
            double[] ref = definitionCost(x, n, y, m, d, metric);
            double[] nx = norms(x, n, d);
            double[] ny = norms(y, m, d);
            double bound = 4e-7 * Math.sqrt(d);
            for (int i = 0; i < n; i++) {
              for (int j = 0; j < m; j++) {
                double e = Math.abs(got[i * m + j] - ref[i * m + j]);
                double sqTol = bound * (nx[i] + ny[j]) + 1e-7 * Math.abs(ref[i * m + j]);
                double tol = switch (metric) {
                  case SQEUCLIDEAN -> sqTol;
                  case EUCLIDEAN -> Math.min(Math.sqrt(sqTol),
                      sqTol / Math.max(ref[i * m + j], 1e-300));
                  case COSINE -> 2 * bound + 1e-6;
                };
                worstRatio = Math.max(worstRatio, e / tol);
                worstRel = Math.max(worstRel, e / (1e-6 + Math.abs(ref[i * m + j])));
                if (!(got[i * m + j] >= 0)) {
                  worstRatio = Double.POSITIVE_INFINITY;
                }
              }
            }
          }
          return result(worstRatio <= 1, "max error / bound " + worstRatio
              + ", max relative error " + worstRel);
        });
      }
      Random rnd = new Random(5);
      for (int[] s : new int[][] {{256, 256}, {301, 203}, {1000, 1100}}) {
        int n = s[0];
        int m = s[1];
        float[] c = sqEuclidean(n, m, 16, rnd);
        double reg = 0.05 * mean(c);
        double[] a = dirichlet(n, rnd);
        double[] b = dirichlet(m, rnd);
        for (SinkhornForm form : SinkhornForm.values()) {
          for (Precision p : Precision.values()) {
            double tol = p == Precision.FLOAT64 ? 1e-10 : 1e-4 * max(a);
            String name = "gpu: " + form.name().toLowerCase(Locale.ROOT) + " "
                + p.name().toLowerCase(Locale.ROOT) + " " + n + "x" + m
                + " converges like java (tolerance " + fmt(tol) + ")";
            check(name, () -> {
              SinkhornSpec spec = new SinkhornSpec(reg, tol, 20_000, 10, p, true);
              SinkhornResult ref = java.sinkhorn(c, n, m, a, b, form,
                  spec.withPrecision(Precision.FLOAT64));
              SinkhornResult got = gpu.sinkhorn(c, n, m, a, b, form, spec);
              double costRel = Math.abs(got.cost() - ref.cost()) / Math.abs(ref.cost());
              double planRel = maxRelDiff(ref.planArray(), got.planArray(), 1e-12 / (n * m));
              double allowedCost = p == Precision.FLOAT64 ? 1e-7 : 1e-3;
              boolean ok = got.marginalError() <= tol && costRel <= allowedCost;
              return result(ok, "cost relative difference " + costRel + " (allowed "
                  + allowedCost + "), plan max relative difference " + planRel
                  + ", marginal error " + got.marginalError() + ", iterations gpu "
                  + got.iterations() + " java " + ref.iterations() + ", device "
                  + fmt(got.deviceMillis()) + " ms");
            });
          }
        }
      }
      check("gpu: 15 fixed iterations follow java (both forms, precisions and products)", () -> {
        Random r = new Random(6);
        StringBuilder sb = new StringBuilder();
        boolean ok = true;
        for (int[] s : new int[][] {{150, 130}, {512, 2048}}) {
          int n = s[0];
          int m = s[1];
          float[] c = sqEuclidean(n, m, 16, r);
          double reg = 0.05 * mean(c);
          double[] a = dirichlet(n, r);
          double[] b = dirichlet(m, r);
          for (SinkhornForm form : SinkhornForm.values()) {
            SinkhornResult ref = java.sinkhornFixed(c, n, m, a, b, form, reg, 15,
                Precision.FLOAT64);
            for (Precision p : Precision.values()) {
              for (KernelProducts kp : KernelProducts.values()) {
                gpu.setKernelProducts(kp);
                SinkhornResult got = gpu.sinkhornFixed(c, n, m, a, b, form, reg, 15, p);
                double t = p == Precision.FLOAT64 ? 1e-9 : 3e-4;
                double relF = p == Precision.FLOAT64 ? t : t * 1e-2;
                double ef = potentialError(ref.rowPotential(), got.rowPotential(), reg, t, relF);
                double eg = potentialError(ref.colPotential(), got.colPotential(), reg, t, relF);
                boolean pass = ef <= 1 && eg <= 1;
                ok &= pass;
                sb.append(String.format(Locale.ROOT, "%s %dx%d %s %s: %.2g %.2g%s; ", form, n, m,
                    p, kp, ef, eg, pass ? "" : " FAIL"));
              }
            }
          }
        }
        gpu.setKernelProducts(KernelProducts.CUBLAS);
        return result(ok, "error / tolerance of f and g: " + sb);
      });
      check("gpu: costs near 1e4 with reg 1 do not underflow (log form, float64)", () -> {
        float[] big = new float[30 * 20];
        Random r2 = new Random(3);
        for (int k = 0; k < big.length; k++) {
          big[k] = (float) (1e4 + 20 * r2.nextDouble());
        }
        SinkhornSpec spec = new SinkhornSpec(1, 1e-10, 10_000, 10, Precision.FLOAT64, false);
        SinkhornResult got = gpu.sinkhornLog(big, 30, 20, uniform(30), uniform(20), spec);
        SinkhornResult ref = java.sinkhornLog(big, 30, 20, uniform(30), uniform(20), spec);
        double rel = Math.abs(got.cost() - ref.cost()) / ref.cost();
        return result(got.marginalError() <= 1e-10 && rel <= 1e-9,
            got + "; cost relative difference to java " + rel);
      });
      for (Precision p : Precision.values()) {
        check("gpu: an underflowing kernel fails loudly (" + p + ")", () ->
            expectConvergenceFailure(() -> gpu.sinkhornKernel(deadColumn(), 12, 9, uniform(12),
                uniform(9), new SinkhornSpec(1, 1e-9, 1000, 10, p, false)), "NaN or infinity"));
        check("gpu: reg 1e-310 gives NaN or infinity, reported (" + p + ")", () ->
            expectConvergenceFailure(() -> gpu.sinkhornLog(deadColumn(), 12, 9, uniform(12),
                uniform(9), new SinkhornSpec(1e-310, 1e-9, 100, 10, p, false)),
                "NaN or infinity"));
      }
      check("gpu: too few iterations are reported with the numbers", () -> {
        Random r = new Random(8);
        float[] c = sqEuclidean(64, 64, 8, r);
        return expectConvergenceFailure(() -> gpu.sinkhornLog(c, 64, 64, uniform(64),
            uniform(64), new SinkhornSpec(0.01 * mean(c), 1e-12, 3, 10, Precision.FLOAT64,
            false)), "3 iterations");
      });
      check("gpu: a NaN cost entry is rejected with its position", () -> {
        float[] c = {1, 2, 3, Float.NaN, 5, 6};
        try {
          gpu.sinkhornLog(c, 2, 3, uniform(2), uniform(3), SinkhornSpec.of(1));
          return result(false, "no exception");
        } catch (IllegalArgumentException e) {
          return result(e.getMessage().contains("cost[1, 0] = NaN"), e.getMessage());
        }
      });
      check("gpu: T^T W equals java (DGEMM)", () -> {
        Random r = new Random(9);
        int n = 300;
        int m = 200;
        int k = 77;
        double[] t = new double[n * m];
        double[] w = new double[n * k];
        for (int i = 0; i < t.length; i++) {
          t[i] = r.nextDouble();
        }
        for (int i = 0; i < w.length; i++) {
          w[i] = r.nextGaussian();
        }
        double rel = maxRelDiff(java.applyPlan(t, n, m, w, k), gpu.applyPlan(t, n, m, w, k),
            1e-9);
        return result(rel <= 1e-10, "max relative difference " + rel);
      });
      check("gpu: solveFromPoints (cost, mean normalisation, Sinkhorn on the device)", () -> {
        Random r = new Random(10);
        int n = 500;
        int m = 400;
        int d = 64;
        float[] x = gaussian(n, d, r);
        float[] y = gaussian(m, d, r);
        SinkhornSpec spec = new SinkhornSpec(0.05, 1e-10, 10_000, 10, Precision.FLOAT64, false);
        SinkhornResult got = gpu.solveFromPoints(x, n, y, m, d, GroundMetric.EUCLIDEAN,
            CostNormalization.MEAN, uniform(n), uniform(m), SinkhornForm.LOG, spec);
        SinkhornResult ref = java.solveFromPoints(x, n, y, m, d, GroundMetric.EUCLIDEAN,
            CostNormalization.MEAN, uniform(n), uniform(m), SinkhornForm.LOG, spec);
        double rel = Math.abs(got.cost() - ref.cost()) / ref.cost();
        return result(rel <= 1e-5 && got.marginalError() <= 1e-10, "cost relative difference "
            + rel + " (float32 GEMM cost vs float64), " + got);
      });
    }
  }

  // ================================================================ benchmarks

  private int[] costSizes() {
    return quick ? new int[] {256, 512} : new int[] {4096, 8192, 16384};
  }

  private int costDim() {
    return quick ? 256 : 4096;
  }

  private int[] sinkhornSizes() {
    return quick ? new int[] {256, 512} : new int[] {2048, 4096, 8192, 16384};
  }

  /** The benchmark configurations: form, precision, kernel products (null: not applicable). */
  private static List<Object[]> configs() {
    return List.of(
        new Object[] {SinkhornForm.LOG, Precision.FLOAT32, null},
        new Object[] {SinkhornForm.LOG, Precision.FLOAT64, null},
        new Object[] {SinkhornForm.KERNEL, Precision.FLOAT32, KernelProducts.CUBLAS},
        new Object[] {SinkhornForm.KERNEL, Precision.FLOAT32, KernelProducts.OURS},
        new Object[] {SinkhornForm.KERNEL, Precision.FLOAT64, KernelProducts.OURS});
  }

  private void writePoints() {
    int nMax = Arrays.stream(sinkhornSizes()).max().orElseThrow();
    float[][] xy = benchPoints(nMax);
    try {
      writeF32(data.resolve("points_x.f32"), xy[0]);
      writeF32(data.resolve("points_y.f32"), xy[1]);
      Map<String, Object> cfg = new LinkedHashMap<>();
      cfg.put("points_x", data.resolve("points_x.f32").toAbsolutePath().toString());
      cfg.put("points_y", data.resolve("points_y.f32").toAbsolutePath().toString());
      cfg.put("points_rows", nMax);
      cfg.put("point_dim", POINT_DIM);
      cfg.put("points", "java.util.Random(42).nextGaussian() as float32, x then y, row-major");
      cfg.put("cost", "euclidean(x[:n], y[:n]) / mean");
      cfg.put("reg", BENCH_REG);
      cfg.put("tol_times_n", BENCH_TOL_TIMES_N);
      cfg.put("max_iter", BENCH_MAX_ITER);
      cfg.put("check_every", BENCH_CHECK_EVERY);
      cfg.put("fixed_iterations", FIXED_ITERATIONS);
      cfg.put("sinkhorn_sizes", sinkhornSizes());
      cfg.put("cost_sizes", costSizes());
      cfg.put("cost_dim", costDim());
      Files.writeString(data.resolve("bench-config.json"), Json.write(cfg) + "\n");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static float[][] benchPoints(int rows) {
    Random rnd = new Random(42);
    float[] x = new float[rows * POINT_DIM];
    float[] y = new float[rows * POINT_DIM];
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) rnd.nextGaussian();
    }
    for (int i = 0; i < y.length; i++) {
      y[i] = (float) rnd.nextGaussian();
    }
    return new float[][] {x, y};
  }

  private void gpuBenchmarks(CudaBackend gpu) {
    int d = costDim();
    for (int n : costSizes()) {
      bench(gpuBench, "gpu ground cost n=" + n, () -> {
        double[] ms = gpu.benchGroundCost(n, n, d, GroundMetric.EUCLIDEAN, 5);
        Map<String, Object> r = row("ground_cost", n, n, d);
        r.put("metric", "euclidean");
        r.put("device_ms", median(ms));
        r.put("device_ms_all", ms);
        r.put("tflops", 2.0 * n * n * d / (median(ms) * 1e9));
        return r;
      });
    }
    for (int n : costSizes()) {
      bench(gpuBench, "gpu ground cost end-to-end n=" + n, () -> {
        Random rnd = new Random(n);
        float[] x = uniformPoints(n, d, rnd);
        float[] y = uniformPoints(n, d, rnd);
        gpu.groundCost(x, n, y, n, d, GroundMetric.EUCLIDEAN); // warm-up and allocation
        double[] ms = new double[2];
        for (int r = 0; r < ms.length; r++) {
          long s = System.nanoTime();
          float[] c = gpu.groundCost(x, n, y, n, d, GroundMetric.EUCLIDEAN);
          ms[r] = (System.nanoTime() - s) / 1e6;
          if (c.length != n * n) {
            throw new AssertionError();
          }
        }
        Map<String, Object> r = row("ground_cost_e2e", n, n, d);
        r.put("wall_ms", median(ms));
        r.put("wall_ms_all", ms);
        r.put("note", "Java float[] in and out through JNI (pageable copies) plus the device"
            + " work");
        return r;
      });
    }
    int nMax = Arrays.stream(sinkhornSizes()).max().orElseThrow();
    float[][] xy = benchPoints(nMax);
    for (int n : sinkhornSizes()) {
      float[] x = Arrays.copyOf(xy[0], n * POINT_DIM);
      float[] y = Arrays.copyOf(xy[1], n * POINT_DIM);
      double[] a = uniform(n);
      double tol = BENCH_TOL_TIMES_N / n;
      double[] mean = new double[1];
      try {
        mean[0] = gpu.residentCostFromPoints(x, n, y, n, POINT_DIM, GroundMetric.EUCLIDEAN,
            CostNormalization.MEAN);
      } catch (RuntimeException e) {
        Map<String, Object> r = row("sinkhorn_setup", n, n, POINT_DIM);
        r.put("error", e.toString());
        gpuBench.add(r);
        say("  FAILED sinkhorn setup n=" + n + ": " + e);
        continue;
      }
      for (Object[] cfg : configs()) {
        SinkhornForm form = (SinkhornForm) cfg[0];
        Precision p = (Precision) cfg[1];
        KernelProducts kp = cfg[2] == null ? KernelProducts.OURS : (KernelProducts) cfg[2];
        String label = label(form, p, (KernelProducts) cfg[2]);
        bench(gpuBench, "gpu sinkhorn " + label + " 100 iterations n=" + n, () -> {
          gpu.resident(n, n, a, a, form, BENCH_REG, Double.NaN, 10, 10, p, kp, true, false);
          double[] dev = new double[3];
          double[] wall = new double[3];
          SinkhornResult last = null;
          for (int r = 0; r < dev.length; r++) {
            long s = System.nanoTime();
            last = gpu.resident(n, n, a, a, form, BENCH_REG, Double.NaN, FIXED_ITERATIONS,
                FIXED_ITERATIONS, p, kp, true, false);
            wall[r] = (System.nanoTime() - s) / 1e6;
            dev[r] = last.deviceMillis();
          }
          Map<String, Object> r = sinkhornRow("sinkhorn_fixed", n, label, form, p, cfg[2]);
          r.put("iterations", FIXED_ITERATIONS);
          r.put("device_ms", median(dev));
          r.put("device_ms_all", dev);
          r.put("wall_ms", median(wall));
          r.put("marginal_error", last.marginalError());
          r.put("cost_mean", mean[0]);
          return r;
        });
        bench(gpuBench, "gpu sinkhorn " + label + " to tolerance n=" + n, () -> {
          Map<String, Object> r = sinkhornRow("sinkhorn_tol", n, label, form, p, cfg[2]);
          r.put("tolerance", tol);
          long s = System.nanoTime();
          try {
            SinkhornResult res = gpu.resident(n, n, a, a, form, BENCH_REG, tol, BENCH_MAX_ITER,
                BENCH_CHECK_EVERY, p, kp, false, false);
            r.put("wall_ms", (System.nanoTime() - s) / 1e6);
            r.put("device_ms", res.deviceMillis());
            r.put("iterations", res.iterations());
            r.put("marginal_error", res.marginalError());
            r.put("cost", res.cost());
          } catch (OtConvergenceException e) {
            r.put("wall_ms", (System.nanoTime() - s) / 1e6);
            r.put("error", e.getMessage());
          }
          return r;
        });
      }
    }
    // the same through the public API with the cost as a Java array (upload included)
    for (int n : quick ? new int[] {512} : new int[] {8192, 16384}) {
      bench(gpuBench, "gpu sinkhorn log float32 100 iterations, cost uploaded, n=" + n, () -> {
        gpu.residentCostFromPoints(Arrays.copyOf(xy[0], n * POINT_DIM), n,
            Arrays.copyOf(xy[1], n * POINT_DIM), n, POINT_DIM, GroundMetric.EUCLIDEAN,
            CostNormalization.MEAN);
        float[] c = gpu.residentCost(n, n);
        double[] a = uniform(n);
        gpu.sinkhornFixed(c, n, n, a, a, SinkhornForm.LOG, BENCH_REG, 10, Precision.FLOAT32);
        long s = System.nanoTime();
        SinkhornResult res = gpu.sinkhornFixed(c, n, n, a, a, SinkhornForm.LOG, BENCH_REG,
            FIXED_ITERATIONS, Precision.FLOAT32);
        Map<String, Object> r = sinkhornRow("sinkhorn_fixed_e2e", n, "log_f32",
            SinkhornForm.LOG, Precision.FLOAT32, null);
        r.put("wall_ms", (System.nanoTime() - s) / 1e6);
        r.put("device_ms", res.deviceMillis());
        r.put("note", "TransportBackend.sinkhornFixed with a Java float[] cost: the upload and"
            + " finiteness check are in wall_ms, not in device_ms");
        return r;
      });
    }
  }

  private void cpuBenchmarks() {
    say("CPU path: JavaBackend (pure Java float64) on " + cpuThreads + " threads, "
        + cpuBudgetSeconds + " s per group");
    env.put("cpu_path", "org.otfuse.core.backend.JavaBackend, pure Java float64, " + cpuThreads
        + " threads (ND4J does not travel to the GPU machine)");
    long[] start = {System.nanoTime()};
    Supplier<Double> left = () -> cpuBudgetSeconds - (System.nanoTime() - start[0]) / 1e9;
    try (JavaBackend java = new JavaBackend(cpuThreads)) {
      int d = costDim();
      double lastSeconds = 0;
      int lastN = 0;
      for (int n : costSizes()) {
        double predicted = lastN == 0 ? 0 : lastSeconds * Math.pow((double) n / lastN, 2);
        if (predicted > left.get()) {
          skipped(cpuBench, row("ground_cost", n, n, d), predicted, left.get());
          break;
        }
        Random rnd = new Random(n);
        float[] x = uniformPoints(n, d, rnd);
        float[] y = uniformPoints(n, d, rnd);
        long s = System.nanoTime();
        java.groundCost(x, n, y, n, d, GroundMetric.EUCLIDEAN);
        lastSeconds = (System.nanoTime() - s) / 1e9;
        lastN = n;
        Map<String, Object> r = row("ground_cost", n, n, d);
        r.put("metric", "euclidean");
        r.put("wall_ms", lastSeconds * 1e3);
        r.put("gflops", 2.0 * n * n * d / (lastSeconds * 1e9));
        cpuBench.add(r);
        say(String.format(Locale.ROOT, "  cpu ground cost n=%d d=%d: %.1f ms", n, d,
            lastSeconds * 1e3));
      }
      int nMax = Arrays.stream(sinkhornSizes()).max().orElseThrow();
      float[][] xy = benchPoints(nMax);
      for (SinkhornForm form : SinkhornForm.values()) {
        for (boolean fixed : new boolean[] {true, false}) {
          lastSeconds = 0;
          lastN = 0;
          start[0] = System.nanoTime();
          for (int n : sinkhornSizes()) {
            Map<String, Object> r = sinkhornRow(fixed ? "sinkhorn_fixed" : "sinkhorn_tol", n,
                label(form, Precision.FLOAT64, null), form, Precision.FLOAT64, null);
            double predicted = lastN == 0 ? 0 : lastSeconds * Math.pow((double) n / lastN, 2);
            if (predicted > left.get()) {
              skipped(cpuBench, r, predicted, left.get());
              break;
            }
            float[] x = Arrays.copyOf(xy[0], n * POINT_DIM);
            float[] y = Arrays.copyOf(xy[1], n * POINT_DIM);
            float[] c = java.groundCost(x, n, y, n, POINT_DIM, GroundMetric.EUCLIDEAN);
            BackendChecks.normalizeInPlace(c, CostNormalization.MEAN);
            double[] a = uniform(n);
            long s = System.nanoTime();
            try {
              SinkhornResult res = fixed
                  ? java.sinkhornFixed(c, n, n, a, a, form, BENCH_REG, FIXED_ITERATIONS,
                      Precision.FLOAT64)
                  : java.sinkhorn(c, n, n, a, a, form, new SinkhornSpec(BENCH_REG,
                      BENCH_TOL_TIMES_N / n, BENCH_MAX_ITER, BENCH_CHECK_EVERY,
                      Precision.FLOAT64, false));
              r.put("iterations", res.iterations());
              r.put("marginal_error", res.marginalError());
            } catch (OtConvergenceException e) {
              r.put("error", e.getMessage());
            }
            lastSeconds = (System.nanoTime() - s) / 1e9;
            lastN = n;
            r.put("wall_ms", lastSeconds * 1e3);
            cpuBench.add(r);
            say(String.format(Locale.ROOT, "  cpu %s %s n=%d: %.1f ms (%s iterations)",
                r.get("kind"), r.get("config"), n, lastSeconds * 1e3, r.get("iterations")));
          }
        }
      }
    }
  }

  private static String label(SinkhornForm form, Precision p, KernelProducts kp) {
    return form.name().toLowerCase(Locale.ROOT) + "_" + (p == Precision.FLOAT32 ? "f32" : "f64")
        + (kp == null ? "" : "_" + kp.name().toLowerCase(Locale.ROOT));
  }

  private static Map<String, Object> row(String kind, int n, int m, int d) {
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("kind", kind);
    r.put("n", n);
    r.put("m", m);
    r.put("d", d);
    return r;
  }

  private static Map<String, Object> sinkhornRow(String kind, int n, String label,
      SinkhornForm form, Precision p, Object products) {
    Map<String, Object> r = row(kind, n, n, POINT_DIM);
    r.put("config", label);
    r.put("form", form.name().toLowerCase(Locale.ROOT));
    r.put("precision", p.name().toLowerCase(Locale.ROOT));
    if (products != null) {
      r.put("products", products.toString().toLowerCase(Locale.ROOT));
    }
    r.put("reg", BENCH_REG);
    return r;
  }

  private void skipped(List<Map<String, Object>> into, Map<String, Object> r, double predicted,
      double left) {
    r.put("skipped", String.format(Locale.ROOT, "predicted %.0f s > %.0f s of CPU budget left",
        predicted, Math.max(left, 0)));
    into.add(r);
    say("  cpu " + r.get("kind") + " n=" + r.get("n") + " skipped: " + r.get("skipped"));
  }

  private void bench(List<Map<String, Object>> into, String what,
      Supplier<Map<String, Object>> body) {
    try {
      Map<String, Object> r = body.get();
      into.add(r);
      Object ms = r.containsKey("device_ms") ? r.get("device_ms") : r.get("wall_ms");
      say(String.format(Locale.ROOT, "  %s: %s ms%s%s", what, fmt(ms),
          r.containsKey("iterations") ? " (" + r.get("iterations") + " iterations)" : "",
          r.containsKey("error") ? " ERROR " + r.get("error") : ""));
    } catch (RuntimeException | OutOfMemoryError e) {
      Map<String, Object> r = new LinkedHashMap<>();
      r.put("kind", "error");
      r.put("what", what);
      r.put("error", e.toString());
      into.add(r);
      say("  FAILED " + what + ": " + e);
    }
  }

  // ================================================================ checks and output

  private record Outcome(boolean ok, String detail) {}

  private static Outcome result(boolean ok, String detail) {
    return new Outcome(ok, detail);
  }

  private void check(String name, Supplier<Outcome> body) {
    long s = System.nanoTime();
    Outcome o;
    try {
      o = body.get();
    } catch (RuntimeException | AssertionError | OutOfMemoryError e) {
      o = new Outcome(false, "threw " + e);
    }
    Map<String, Object> c = new LinkedHashMap<>();
    c.put("name", name);
    c.put("ok", o.ok());
    c.put("detail", o.detail());
    c.put("seconds", (System.nanoTime() - s) / 1e9);
    checks.add(c);
    say((o.ok() ? "  PASS " : "  FAIL ") + name + ": " + o.detail());
  }

  private static Outcome expectConvergenceFailure(Runnable r, String mustContain) {
    try {
      r.run();
      return result(false, "no OtConvergenceException");
    } catch (OtConvergenceException e) {
      return result(e.getMessage().contains(mustContain), e.getMessage());
    }
  }

  private void writeJson() {
    Map<String, Object> root = new LinkedHashMap<>();
    root.put("env", env);
    root.put("checks", checks);
    root.put("gpu_bench", gpuBench);
    root.put("cpu_bench", cpuBench);
    root.put("seconds", (System.nanoTime() - t0) / 1e9);
    try {
      Files.writeString(out.resolve("gpu-check.json"), Json.write(root) + "\n");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void printSummary() {
    StringBuilder sb = new StringBuilder("\n== GpuCheck summary ==\n");
    sb.append(String.format(Locale.ROOT, "%-34s %6s %11s %11s %8s%n", "benchmark", "n",
        "gpu ms", "cpu ms", "speedup"));
    for (Map<String, Object> g : gpuBench) {
      if (!g.containsKey("n") || g.containsKey("error") || !g.containsKey("device_ms")) {
        continue;
      }
      String key = g.get("kind") + " " + g.getOrDefault("config", "");
      Object cpuMs = null;
      for (Map<String, Object> c : cpuBench) {
        boolean same = c.get("kind").equals(g.get("kind")) && c.get("n").equals(g.get("n"))
            && java.util.Objects.equals(c.get("form"), g.get("form"));
        if (same && c.containsKey("wall_ms") && !c.containsKey("error")) {
          cpuMs = c.get("wall_ms");
        }
      }
      double gms = ((Number) g.get("device_ms")).doubleValue();
      sb.append(String.format(Locale.ROOT, "%-34s %6s %11.2f %11s %8s%n", key, g.get("n"), gms,
          cpuMs == null ? "-" : fmt(cpuMs),
          cpuMs == null ? "-" : fmt(((Number) cpuMs).doubleValue() / gms) + "x"));
    }
    LOG.info("{}", sb);
  }

  /** A progress line with the seconds since the start. */
  private void say(String s) {
    LOG.info(String.format(Locale.ROOT, "[%7.1fs] %s", (System.nanoTime() - t0) / 1e9, s));
  }

  // ================================================================ small helpers

  static String fmt(Object v) {
    if (v instanceof Double d) {
      return Double.isNaN(d) ? "NaN" : String.format(Locale.ROOT, "%.4g", d);
    }
    return String.valueOf(v);
  }

  static double median(double[] v) {
    double[] s = v.clone();
    Arrays.sort(s);
    return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  }

  private static double max(double[] v) {
    return Arrays.stream(v).max().orElseThrow();
  }

  private static double mean(float[] c) {
    double s = 0;
    for (float v : c) {
      s += v;
    }
    return s / c.length;
  }

  private static double maxRelDiff(double[] ref, double[] got, double floor) {
    double worst = 0;
    for (int i = 0; i < ref.length; i++) {
      double e = Math.abs(got[i] - ref[i]) / (floor + Math.abs(ref[i]));
      if (Double.isNaN(e)) {
        return Double.NaN;
      }
      worst = Math.max(worst, e);
    }
    return worst;
  }

  /** {@code max_i |got - ref| / (abs reg + rel |ref|)}: at most 1 within the tolerance. */
  private static double potentialError(double[] ref, double[] got, double reg, double abs,
      double rel) {
    double worst = 0;
    for (int i = 0; i < ref.length; i++) {
      double e = Math.abs(got[i] - ref[i]) / (abs * reg + rel * Math.abs(ref[i]));
      if (Double.isNaN(e)) {
        return Double.NaN;
      }
      worst = Math.max(worst, e);
    }
    return worst;
  }

  static double[] uniform(int n) {
    double[] a = new double[n];
    Arrays.fill(a, 1.0 / n);
    return a;
  }

  static double[] dirichlet(int n, Random rnd) {
    double[] a = new double[n];
    double s = 0;
    for (int i = 0; i < n; i++) {
      a[i] = -Math.log(1 - rnd.nextDouble()) + 1e-3;
      s += a[i];
    }
    for (int i = 0; i < n; i++) {
      a[i] /= s;
    }
    return a;
  }

  static float[] gaussian(int rows, int cols, Random rnd) {
    float[] x = new float[rows * cols];
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) rnd.nextGaussian();
    }
    return x;
  }

  private static float[] uniformPoints(int rows, int cols, Random rnd) {
    float[] x = new float[rows * cols];
    for (int i = 0; i < x.length; i++) {
      x[i] = rnd.nextFloat() * 2 - 1;
    }
    return x;
  }

  private static float[] sqEuclidean(int n, int m, int d, Random rnd) {
    float[] x = gaussian(n, d, rnd);
    float[] y = gaussian(m, d, rnd);
    double[] c = definitionCost(x, n, y, m, d, GroundMetric.SQEUCLIDEAN);
    float[] f = new float[c.length];
    for (int i = 0; i < c.length; i++) {
      f[i] = (float) c[i];
    }
    return f;
  }

  /** Column 0 costs 1e4, the rest U(0, 1): the row-shifted kernel is 0 down column 0. */
  private static float[] deadColumn() {
    Random rnd = new Random(3);
    float[] c = new float[12 * 9];
    for (int i = 0; i < 12; i++) {
      for (int j = 0; j < 9; j++) {
        c[i * 9 + j] = j == 0 ? 1e4f : (float) rnd.nextDouble();
      }
    }
    return c;
  }

  private static double[] norms(float[] x, int n, int d) {
    double[] out = new double[n];
    for (int i = 0; i < n; i++) {
      for (int k = 0; k < d; k++) {
        out[i] += (double) x[i * d + k] * x[i * d + k];
      }
    }
    return out;
  }

  /** The ground cost by its definition, in float64 (differences, not the expansion). */
  static double[] definitionCost(float[] x, int n, float[] y, int m, int d, GroundMetric metric) {
    double[] out = new double[n * m];
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < m; j++) {
        double sq = 0;
        double dot = 0;
        double xx = 0;
        double yy = 0;
        for (int k = 0; k < d; k++) {
          double a = x[i * d + k];
          double b = y[j * d + k];
          sq += (a - b) * (a - b);
          dot += a * b;
          xx += a * a;
          yy += b * b;
        }
        out[i * m + j] = switch (metric) {
          case SQEUCLIDEAN -> sq;
          case EUCLIDEAN -> Math.sqrt(sq);
          case COSINE -> Math.max(1 - dot / Math.sqrt(xx * yy), 0);
        };
      }
    }
    return out;
  }

  private static void writeF32(Path p, float[] v) throws IOException {
    ByteBuffer bb = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    bb.asFloatBuffer().put(v);
    Files.write(p, bb.array());
  }

  /** A minimal JSON writer (maps, lists, arrays, strings, numbers, booleans, null). */
  static final class Json {
    private Json() {}

    static String write(Object o) {
      StringBuilder sb = new StringBuilder();
      write(sb, o, 0);
      return sb.toString();
    }

    private static void write(StringBuilder sb, Object o, int indent) {
      if (o == null) {
        sb.append("null");
      } else if (o instanceof Map<?, ?> m) {
        sb.append("{");
        boolean first = true;
        for (Map.Entry<?, ?> e : m.entrySet()) {
          sb.append(first ? "\n" : ",\n").append("  ".repeat(indent + 1));
          string(sb, String.valueOf(e.getKey()));
          sb.append(": ");
          write(sb, e.getValue(), indent + 1);
          first = false;
        }
        sb.append(first ? "}" : "\n" + "  ".repeat(indent) + "}");
      } else if (o instanceof List<?> l) {
        sb.append("[");
        boolean first = true;
        for (Object e : l) {
          sb.append(first ? "\n" : ",\n").append("  ".repeat(indent + 1));
          write(sb, e, indent + 1);
          first = false;
        }
        sb.append(first ? "]" : "\n" + "  ".repeat(indent) + "]");
      } else if (o instanceof double[] a) {
        sb.append("[");
        for (int i = 0; i < a.length; i++) {
          sb.append(i == 0 ? "" : ", ");
          write(sb, a[i], indent);
        }
        sb.append("]");
      } else if (o instanceof int[] a) {
        sb.append(Arrays.toString(a));
      } else if (o instanceof Double d) {
        sb.append(Double.isFinite(d) ? d.toString() : "null");
      } else if (o instanceof Float f) {
        sb.append(Float.isFinite(f) ? f.toString() : "null");
      } else if (o instanceof Number || o instanceof Boolean) {
        sb.append(o);
      } else {
        string(sb, o.toString());
      }
    }

    private static void string(StringBuilder sb, String s) {
      sb.append('"');
      for (char c : s.toCharArray()) {
        switch (c) {
          case '"' -> sb.append("\\\"");
          case '\\' -> sb.append("\\\\");
          case '\n' -> sb.append("\\n");
          case '\r' -> sb.append("\\r");
          case '\t' -> sb.append("\\t");
          default -> {
            if (c < 0x20) {
              sb.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
            } else {
              sb.append(c);
            }
          }
        }
      }
      sb.append('"');
    }
  }
}
