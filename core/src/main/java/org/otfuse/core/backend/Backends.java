package org.otfuse.core.backend;

import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Chooses the {@link TransportBackend} of a task: the {@link CudaBackend} when a GPU is wanted and
 * usable, else the CPU, with a logged reason (SLF4J, WARN when a GPU was wanted).
 *
 * <p>On Spark, an executor started with {@code spark.executor.resource.gpu.amount} hands each task
 * the addresses of its GPUs; pass them to {@link #forTask(String[], boolean)}:
 *
 * <pre>
 *   Map&lt;String, ResourceInformation&gt; res = TaskContext.get().resourcesJMap();
 *   String[] gpus = res.containsKey("gpu") ? res.get("gpu").addresses() : new String[0];
 *   try (TransportBackend backend = Backends.forTask(gpus, preferGpu)) {
 *     ... backend.name() goes into the result row ...
 *   }
 * </pre>
 *
 * <p>The addresses are what the discovery script ({@code submit/gpu/getGpusResources.sh})
 * reported: CUDA ordinals as the executor's CUDA runtime numbers its visible devices (see {@link
 * #deviceFromAddresses}). See {@code docs/gpu.md}.
 */
public final class Backends {
  private Backends() {}

  private static final Logger LOG = LoggerFactory.getLogger(Backends.class);

  /** {@code select(preferGpu, 0)}. */
  public static TransportBackend select(boolean preferGpu) {
    return select(preferGpu, 0);
  }

  /**
   * The CUDA backend on GPU {@code deviceId} when {@code preferGpu} and it opens, else the ND4J
   * {@link CpuBackend}.
   */
  public static TransportBackend select(boolean preferGpu, int deviceId) {
    return select(preferGpu, deviceId, CpuBackend::new);
  }

  /**
   * The CUDA backend on GPU {@code deviceId} when {@code preferGpu} and it opens, else {@code
   * cpu.get()}; the reason for a fallback is logged at WARN.
   */
  public static TransportBackend select(boolean preferGpu, int deviceId,
      Supplier<? extends TransportBackend> cpu) {
    if (!preferGpu) {
      LOG.debug("GPU not requested; using the CPU backend");
      return cpu.get();
    }
    String reason;
    try {
      return CudaBackend.open(deviceId);
    } catch (CudaException e) {
      reason = e.getMessage();
    } catch (RuntimeException | LinkageError e) {
      reason = e.toString();
    }
    TransportBackend b = cpu.get();
    LOG.warn("GPU backend requested but unavailable, falling back to {}: {}", b.name(), reason);
    return b;
  }

  /**
   * The backend of a Spark task given its GPU addresses ({@code
   * TaskContext.resources().get("gpu").addresses()}; null or empty when none was assigned).
   */
  public static TransportBackend forTask(String[] gpuAddresses, boolean preferGpu) {
    return forTask(gpuAddresses, preferGpu, CpuBackend::new);
  }

  /** {@link #forTask(String[], boolean)} with a chosen CPU backend. */
  public static TransportBackend forTask(String[] gpuAddresses, boolean preferGpu,
      Supplier<? extends TransportBackend> cpu) {
    if (preferGpu && (gpuAddresses == null || gpuAddresses.length == 0)) {
      TransportBackend b = cpu.get();
      LOG.warn("GPU backend requested but Spark assigned no GPU to this task (set"
          + " spark.executor.resource.gpu.amount and spark.task.resource.gpu.amount);"
          + " using {}", b.name());
      return b;
    }
    return select(preferGpu, preferGpu ? deviceFromAddresses(gpuAddresses) : 0, cpu);
  }

  /**
   * The CUDA ordinal of the first of a task's GPU addresses. Spark's discovery script reports
   * the ordinals that {@code nvidia-smi} lists; with {@code CUDA_VISIBLE_DEVICES} unset those are
   * the CUDA ordinals too.
   *
   * @throws IllegalArgumentException when there is none or it is not a non-negative integer
   */
  public static int deviceFromAddresses(String[] addresses) {
    if (addresses == null || addresses.length == 0) {
      throw new IllegalArgumentException("no GPU address given");
    }
    String a = addresses[0].trim();
    try {
      int d = Integer.parseInt(a);
      if (d < 0) {
        throw new NumberFormatException();
      }
      return d;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("GPU address '" + addresses[0] + "' is not a CUDA"
          + " device ordinal (a non-negative integer); check the discovery script's output");
    }
  }
}
