package org.otfuse.core.backend;

import java.nio.file.Files;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The JNI entry points of {@code libotfuse_cuda.so} ({@code native/cuda/otfuse_cuda.cu}) and its
 * loader. The header {@code native/cuda/org_otfuse_core_backend_CudaNative.h} is generated from
 * this class ({@code javac -h}); change both together.
 *
 * <p>Loading order: the path in the system property {@value #LIB_PROPERTY}, else the path in the
 * environment variable {@value #LIB_ENV}, else {@code System.loadLibrary("otfuse_cuda")} (the
 * {@code java.library.path}). cuBLAS is opened by the library itself with {@code dlopen}
 * ({@code OTFUSE_CUBLAS_LIB}, else {@code libcublas.so.13}, {@code .12}, {@code libcublas.so} on
 * the loader's path), so the library loads, and reports, on machines without one.
 *
 * <p>Errors: CUDA and cuBLAS failures throw {@link CudaException}; inputs that turn out invalid
 * on the device (a non-finite cost entry, a zero row for the cosine) throw {@link
 * IllegalArgumentException}.
 */
final class CudaNative {
  private CudaNative() {}

  private static final Logger LOG = LoggerFactory.getLogger(CudaNative.class);

  /** System property with the absolute path of {@code libotfuse_cuda.so}. */
  static final String LIB_PROPERTY = "otfuse.cuda.lib";
  /** Environment variable with the absolute path of {@code libotfuse_cuda.so}. */
  static final String LIB_ENV = "OTFUSE_CUDA_LIB";
  /** The library name for {@code System.loadLibrary}. */
  static final String LIB_NAME = "otfuse_cuda";

  /** The version of the JNI interface; the library must report the same. */
  static final int ABI_VERSION = 1;

  private static String loadedFrom;
  private static String loadError;

  /**
   * Loads the library once.
   *
   * @return null when loaded, else why not (a sentence for logs)
   */
  static synchronized String load() {
    if (loadedFrom != null) {
      return null;
    }
    if (loadError != null) {
      return loadError;
    }
    String prop = System.getProperty(LIB_PROPERTY);
    String env = System.getenv(LIB_ENV);
    String where;
    try {
      if (prop != null && !prop.isBlank()) {
        where = "-D" + LIB_PROPERTY + "=" + prop;
        loadPath(prop, where);
      } else if (env != null && !env.isBlank()) {
        where = LIB_ENV + "=" + env;
        loadPath(env, where);
      } else {
        where = "System.loadLibrary(\"" + LIB_NAME + "\") on java.library.path="
            + System.getProperty("java.library.path");
        System.loadLibrary(LIB_NAME);
      }
      int abi = abiVersion();
      if (abi != ABI_VERSION) {
        loadError = "the CUDA library from " + where + " has JNI interface version " + abi
            + " but these classes need " + ABI_VERSION + "; rebuild it (native/cuda/build.sh)";
        return loadError;
      }
      loadedFrom = where;
      LOG.debug("loaded the otfuse CUDA library from {}", where);
      return null;
    } catch (UnsatisfiedLinkError | SecurityException e) {
      loadError = "the otfuse CUDA library could not be loaded (" + e.getMessage() + "); set -D"
          + LIB_PROPERTY + " or " + LIB_ENV + " to the path of libotfuse_cuda.so built by"
          + " native/cuda/build.sh";
      return loadError;
    } catch (IllegalArgumentException e) {
      loadError = e.getMessage();
      return loadError;
    }
  }

  private static void loadPath(String path, String where) {
    Path p = Path.of(path).toAbsolutePath();
    if (!Files.isRegularFile(p)) {
      throw new IllegalArgumentException("the otfuse CUDA library " + where + " is not a file ("
          + p + "); build it with native/cuda/build.sh");
    }
    System.load(p.toString());
  }

  /** Where the library was loaded from, or null. */
  static synchronized String loadedFrom() {
    return loadedFrom;
  }

  // ---- JNI (see otfuse_cuda.cu); every method may throw CudaException -------------------

  /** {@link #ABI_VERSION} of the library. */
  static native int abiVersion();

  /**
   * {@code cudaGetDeviceCount}; never throws.
   *
   * @return the count, or {@code -code} of the CUDA error (no driver: 35, no device: 100)
   */
  static native int deviceCount();

  /** {@code cudaGetErrorString} of a CUDA error code. */
  static native String errorString(int code);

  /**
   * A one-line description: name, compute capability, memory, SM count, driver and runtime
   * versions.
   */
  static native String deviceInfo(int device);

  /**
   * Opens cuBLAS (dlopen) if needed, selects {@code device}, creates a stream, cuBLAS handle and
   * events.
   *
   * @return an opaque handle for the other calls
   */
  static native long create(int device);

  /** Which cuBLAS library was opened and its version. */
  static native String blasInfo(long ctx);

  /** Frees everything of {@code ctx}; idempotent for 0. */
  static native void destroy(long ctx);

  /** Uploads a row-major {@code n x m} cost as the context's resident cost; checks finiteness. */
  static native void setCost(long ctx, float[] cost, int n, int m);

  /**
   * Computes the resident cost from points on the device (norms, SGEMM, epilogue), then divides
   * it by its max ({@code normalization} 1) or mean (2), or not (0).
   *
   * @param metric 0 euclidean, 1 sqeuclidean, 2 cosine
   * @return the divisor (1 for none)
   */
  static native double pointsCost(long ctx, float[] x, int n, float[] y, int m, int d,
      int metric, int normalization);

  /** Copies the resident cost ({@code n * m}) to {@code out}. */
  static native void getCost(long ctx, float[] out);

  /**
   * Sinkhorn on the resident cost. {@code stats} receives: [0] iterations, [1] row error,
   * [2] column error, [3] transport cost, [4] device milliseconds, [5] status (0 converged or
   * fixed run done, 1 not converged, 2 NaN or infinity), [6] last error looked at, [7] cost
   * divisor of {@code pointsCost} (unchanged).
   *
   * @param form 0 log, 1 kernel
   * @param precision 0 float32, 1 float64
   * @param impl 0 our kernels, 1 cuBLAS SGEMV for the kernel form's products (float32 only)
   * @param fixed run {@code maxIter} iterations without checks
   * @param f out: row potentials (cost units), length n
   * @param g out: column potentials, length m
   * @param plan out: the row-major plan, or null
   */
  static native void sinkhorn(long ctx, double[] a, double[] b, double reg, double tol,
      int maxIter, int checkEvery, int form, int precision, int impl, boolean fixed, double[] f,
      double[] g, double[] plan, double[] stats);

  /** {@code out = plan^T w} with cuBLAS DGEMM; {@code out} has {@code m * k} entries. */
  static native void applyPlan(long ctx, double[] plan, int n, int m, double[] w, int k,
      double[] out);

  /**
   * Times the ground cost on device-generated data (uniform in [-1, 1], never zeros): one
   * warm-up, then {@code ms.length} timed runs (CUDA events), milliseconds into {@code ms}. The
   * result stays as the resident cost.
   */
  static native void benchGroundCost(long ctx, int n, int m, int d, int metric, double[] ms);
}
