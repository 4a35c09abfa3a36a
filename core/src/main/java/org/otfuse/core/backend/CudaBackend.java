package org.otfuse.core.backend;

import java.util.Locale;
import org.otfuse.core.ot.CostNormalization;
import org.otfuse.core.ot.GroundMetric;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link TransportBackend} on one NVIDIA GPU through our own CUDA library ({@code
 * native/cuda/otfuse_cuda.cu}, built by {@code native/cuda/build.sh}, loaded through JNI; see
 * {@link CudaNative} for where it is looked for). No ND4J: arrays go to the device and back.
 *
 * <ul>
 *   <li>Ground cost: squared row norms, one cuBLAS SGEMM ({@code -2 Y X^T}, float32 arithmetic,
 *       no TF32), one fused epilogue (add the norms, clamp at 0, square root or cosine). Against a
 *       float64 evaluation the squared distances are within about {@code 4e-7 sqrt(d) (||x_i||^2
 *       + ||y_j||^2)} (the float32 expansion; {@code GpuCheck} and the contract tests check this
 *       bound).
 *   <li>Sinkhorn: the row-shifted algorithm described on {@link TransportBackend}, in the log
 *       domain (one fused pass over the cost per half-iteration: stabilised online log-sum-exp,
 *       the error measure and the potential update) or the kernel form ({@code exp(-C'/reg)}
 *       stored once as float32, then two matrix-vector products per iteration, ours or cuBLAS
 *       SGEMV: {@link KernelProducts}), in {@link Precision#FLOAT32} or {@link
 *       Precision#FLOAT64}. Convergence is decided on the final plan's marginals summed in float64,
 *       as on the CPU; failures throw {@link org.otfuse.core.ot.OtConvergenceException}.
 *   <li>{@link #solveFromPoints}: the cost is computed, normalised and solved on the device; only
 *       the points go up and the potentials (and the plan if asked) come down.
 *   <li>{@code T^T W}: cuBLAS DGEMM.
 * </ul>
 *
 * <p>Not thread-safe in the sense of {@link TransportBackend} (its methods are synchronized, so
 * concurrent callers wait): one instance per task. {@link #close()} frees the device memory.
 * Device buffers grow to the largest problem seen and are kept until then.
 */
public final class CudaBackend implements TransportBackend {

  private static final Logger LOG = LoggerFactory.getLogger(CudaBackend.class);

  /** System property choosing {@link KernelProducts} for float32: {@code cublas} or {@code ours}. */
  public static final String KERNEL_PRODUCTS_PROPERTY = "otfuse.cuda.kernelProducts";

  /** How the kernel form's two matrix-vector products per iteration are computed. */
  public enum KernelProducts {
    /** Our fused kernels (product, division and error measure in one pass each). */
    OURS,
    /** cuBLAS SGEMV plus a small kernel each; float32 only (float64 always uses ours). */
    CUBLAS
  }

  /**
   * Whether the CUDA backend can run here.
   *
   * @param available the library loaded and at least one GPU is visible
   * @param deviceCount GPUs visible to the CUDA runtime (0 when unknown)
   * @param reason why not, or where the library came from
   */
  public record Availability(boolean available, int deviceCount, String reason) {}

  private final int device;
  private final String deviceInfo;
  private final String blasInfo;
  private final String name;
  private volatile KernelProducts kernelProducts;
  private long ctx;

  private CudaBackend(int device, long ctx) {
    this.device = device;
    this.ctx = ctx;
    String info;
    String blas;
    try {
      info = CudaNative.deviceInfo(device);
      blas = CudaNative.blasInfo(ctx);
    } catch (RuntimeException e) {
      CudaNative.destroy(ctx);
      throw e;
    }
    this.deviceInfo = info;
    this.blasInfo = blas;
    int comma = info.indexOf(',');
    this.name = "cuda:" + device + " (" + (comma > 0 ? info.substring(0, comma) : info) + ")";
    String prop = System.getProperty(KERNEL_PRODUCTS_PROPERTY, "cublas");
    this.kernelProducts = "ours".equalsIgnoreCase(prop.trim())
        ? KernelProducts.OURS : KernelProducts.CUBLAS;
  }

  /**
   * Loads the library (once) and counts the GPUs; never throws.
   */
  public static Availability availability() {
    String why = CudaNative.load();
    if (why != null) {
      return new Availability(false, 0, why);
    }
    int count = CudaNative.deviceCount();
    if (count < 0) {
      return new Availability(false, 0, "the CUDA library loaded but cudaGetDeviceCount failed: "
          + CudaNative.errorString(-count) + " (no NVIDIA driver or GPU here?)");
    }
    if (count == 0) {
      return new Availability(false, 0, "the CUDA library loaded but no GPU is visible"
          + " (cudaGetDeviceCount = 0; check CUDA_VISIBLE_DEVICES)");
    }
    return new Availability(true, count, "library from " + CudaNative.loadedFrom());
  }

  /**
   * Opens GPU {@code device} (CUDA ordinal, as Spark's resource addresses give it).
   *
   * @throws CudaException when the library, cuBLAS or the device is unavailable, with the reason
   */
  public static CudaBackend open(int device) {
    Availability av = availability();
    if (!av.available()) {
      throw new CudaException("CUDA backend unavailable: " + av.reason());
    }
    if (device < 0 || device >= av.deviceCount()) {
      throw new CudaException("GPU " + device + " requested but " + av.deviceCount()
          + " visible (CUDA ordinals 0.." + (av.deviceCount() - 1) + ")");
    }
    CudaBackend b = new CudaBackend(device, CudaNative.create(device));
    LOG.info("CUDA backend on {}; {}", b.deviceInfo, b.blasInfo);
    return b;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public boolean isGpu() {
    return true;
  }

  /** The CUDA ordinal. */
  public int device() {
    return device;
  }

  /** Name, compute capability, memory, SMs, driver and runtime versions. */
  public String deviceInfo() {
    return deviceInfo;
  }

  /** The cuBLAS library opened and its version. */
  public String blasInfo() {
    return blasInfo;
  }

  /** The kernel form's products for float32 (default from {@value #KERNEL_PRODUCTS_PROPERTY}). */
  public KernelProducts kernelProducts() {
    return kernelProducts;
  }

  /** Chooses the kernel form's products for float32. */
  public void setKernelProducts(KernelProducts products) {
    if (products == null) {
      throw new IllegalArgumentException("products is null");
    }
    this.kernelProducts = products;
  }

  private long ctx() {
    if (ctx == 0) {
      throw new IllegalStateException("the CUDA backend " + name + " is closed");
    }
    return ctx;
  }

  @Override
  public synchronized void close() {
    if (ctx != 0) {
      CudaNative.destroy(ctx);
      ctx = 0;
    }
  }

  // ---------------------------------------------------------------- the dense steps

  @Override
  public synchronized float[] groundCost(float[] x, int n, float[] y, int m, int d,
      GroundMetric metric) {
    BackendChecks.requirePoints(x, n, d, "x");
    BackendChecks.requirePoints(y, m, d, "y");
    BackendChecks.requireShape(n, m);
    if (metric == null) {
      throw new IllegalArgumentException("metric is null");
    }
    CudaNative.pointsCost(ctx(), x, n, y, m, d, metric.ordinal(), 0);
    float[] out = new float[n * m];
    CudaNative.getCost(ctx, out);
    return out;
  }

  @Override
  public synchronized SinkhornResult sinkhorn(float[] cost, int n, int m, double[] a,
      double[] b, SinkhornForm form, SinkhornSpec spec) {
    BackendChecks.requireCostShape(cost, n, m);
    BackendChecks.requireMasses(a, b, n, m);
    if (form == null || spec == null) {
      throw new IllegalArgumentException("form and spec must not be null");
    }
    CudaNative.setCost(ctx(), cost, n, m);
    return resident(n, m, a, b, form, spec.reg(), spec.tolerance(), spec.maxIterations(),
        spec.checkEvery(), spec.precision(), productsFor(spec.precision()), false,
        spec.returnPlan());
  }

  @Override
  public synchronized SinkhornResult sinkhornFixed(float[] cost, int n, int m, double[] a,
      double[] b, SinkhornForm form, double reg, int iterations, Precision precision) {
    BackendChecks.requireCostShape(cost, n, m);
    BackendChecks.requireMasses(a, b, n, m);
    BackendChecks.requireReg(reg);
    BackendChecks.requireIterations(iterations);
    if (form == null || precision == null) {
      throw new IllegalArgumentException("form and precision must not be null");
    }
    CudaNative.setCost(ctx(), cost, n, m);
    return resident(n, m, a, b, form, reg, Double.NaN, iterations, iterations, precision,
        productsFor(precision), true, false);
  }

  @Override
  public synchronized SinkhornResult solveFromPoints(float[] x, int n, float[] y, int m, int d,
      GroundMetric metric, CostNormalization normalization, double[] a, double[] b,
      SinkhornForm form, SinkhornSpec spec) {
    BackendChecks.requirePoints(x, n, d, "x");
    BackendChecks.requirePoints(y, m, d, "y");
    BackendChecks.requireShape(n, m);
    BackendChecks.requireMasses(a, b, n, m);
    BackendChecks.requireSupported(normalization);
    if (metric == null || form == null || spec == null) {
      throw new IllegalArgumentException("metric, form and spec must not be null");
    }
    CudaNative.pointsCost(ctx(), x, n, y, m, d, metric.ordinal(), normalizationCode(normalization));
    return resident(n, m, a, b, form, spec.reg(), spec.tolerance(), spec.maxIterations(),
        spec.checkEvery(), spec.precision(), productsFor(spec.precision()), false,
        spec.returnPlan());
  }

  @Override
  public synchronized double[] applyPlan(double[] plan, int n, int m, double[] w, int k) {
    BackendChecks.requireShape(n, m);
    BackendChecks.requireLength(plan, n * m, "plan");
    if (k < 1) {
      throw new IllegalArgumentException("k is " + k + " but must be >= 1");
    }
    BackendChecks.requireLength(w, n * k, "w");
    double[] out = new double[m * k];
    CudaNative.applyPlan(ctx(), plan, n, m, w, k, out);
    return out;
  }

  private KernelProducts productsFor(Precision precision) {
    return precision == Precision.FLOAT32 ? kernelProducts : KernelProducts.OURS;
  }

  private static int normalizationCode(CostNormalization normalization) {
    switch (normalization) {
      case NONE:
        return 0;
      case MAX:
        return 1;
      case MEAN:
        return 2;
      default:
        throw new AssertionError(normalization);
    }
  }

  // ---------------------------------------------------------------- resident cost (GpuCheck)

  /** Computes the resident cost from points; returns the normalisation divisor. */
  synchronized double residentCostFromPoints(float[] x, int n, float[] y, int m, int d,
      GroundMetric metric, CostNormalization normalization) {
    BackendChecks.requireSupported(normalization);
    return CudaNative.pointsCost(ctx(), x, n, y, m, d, metric.ordinal(),
        normalizationCode(normalization));
  }

  /** The resident cost, copied to the host. */
  synchronized float[] residentCost(int n, int m) {
    float[] out = new float[n * m];
    CudaNative.getCost(ctx(), out);
    return out;
  }

  /**
   * Ground cost timings on device-generated data (milliseconds, CUDA events, one warm-up).
   */
  synchronized double[] benchGroundCost(int n, int m, int d, GroundMetric metric, int reps) {
    double[] ms = new double[reps];
    CudaNative.benchGroundCost(ctx(), n, m, d, metric.ordinal(), ms);
    return ms;
  }

  /**
   * Sinkhorn on the resident cost ({@code n x m} must match it).
   *
   * @param fixed run exactly {@code maxIter} iterations, then measure
   */
  synchronized SinkhornResult resident(int n, int m, double[] a, double[] b, SinkhornForm form,
      double reg, double tol, int maxIter, int checkEvery, Precision precision,
      KernelProducts products, boolean fixed, boolean returnPlan) {
    double[] f = new double[n];
    double[] g = new double[m];
    double[] plan = returnPlan ? new double[n * m] : null;
    double[] stats = new double[8];
    CudaNative.sinkhorn(ctx(), a, b, reg, tol, maxIter, checkEvery,
        form == SinkhornForm.LOG ? 0 : 1, precision == Precision.FLOAT32 ? 0 : 1,
        products == KernelProducts.CUBLAS ? 1 : 0, fixed, f, g, plan, stats);
    int iterations = (int) stats[0];
    int status = (int) stats[5];
    String label = name + ", " + precision.name().toLowerCase(Locale.ROOT)
        + (form == SinkhornForm.KERNEL && precision == Precision.FLOAT32
            ? ", " + products.name().toLowerCase(Locale.ROOT) + " products" : "");
    if (status == 2) {
      throw BackendChecks.nonFinite(label, form, reg, iterations, stats[6], tol);
    }
    if (status == 1) {
      throw BackendChecks.notConverged(label, reg, maxIter, stats[6], tol);
    }
    return new SinkhornResult(n, m, plan, f, g, iterations, stats[1], stats[2], stats[3],
        stats[4], name);
  }
}
