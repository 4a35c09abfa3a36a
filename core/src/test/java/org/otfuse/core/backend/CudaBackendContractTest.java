package org.otfuse.core.backend;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.otfuse.core.backend.CudaBackend.KernelProducts;

/**
 * The contract on the CUDA backend, plus what only it has (its two kernel-form products, larger
 * problems that use many thread blocks and row splits). Skipped, with the reason, where the
 * library or a GPU is missing; {@code -Dotfuse.cuda.require=true} (the GPU machine's run) turns
 * the skip into a failure. {@code -Dotfuse.cuda.device=N} picks the GPU (default 0).
 */
class CudaBackendContractTest extends TransportBackendContract {

  @Override
  TransportBackend open() {
    CudaBackend.Availability av = CudaBackend.availability();
    if (Boolean.getBoolean("otfuse.cuda.require")) {
      assertTrue(av.available(), "CUDA backend required but unavailable: " + av.reason());
    } else if (!av.available()) {
      skipReason = "CUDA backend unavailable, skipping: " + av.reason();
      return null;
    }
    return CudaBackend.open(Integer.getInteger("otfuse.cuda.device", 0));
  }

  private CudaBackend cuda() {
    return (CudaBackend) backend;
  }

  @Test
  void theNameSaysWhichGpuRan() {
    assertTrue(backend.isGpu());
    assertTrue(backend.name().startsWith("cuda:"), backend.name());
    assertTrue(cuda().blasInfo().toLowerCase(java.util.Locale.ROOT).contains("cublas"),
        cuda().blasInfo());
  }

  /** Many blocks, several row splits, both products, both precisions, against float64 Java. */
  @Test
  void largerProblemsFollowTheReference() {
    Random rnd = new Random(17);
    for (int[] shape : new int[][] {{1000, 1100}, {777, 1023}, {2048, 64}, {64, 2048}}) {
      int n = shape[0];
      int m = shape[1];
      float[] c = BackendFixtures.sqEuclideanCost(n, m, 8, rnd);
      double reg = 0.05 * BackendFixtures.median(c);
      double[] a = BackendFixtures.dirichlet(n, rnd);
      double[] b = BackendFixtures.dirichlet(m, rnd);
      for (SinkhornForm form : SinkhornForm.values()) {
        SinkhornResult ref = reference.sinkhornFixed(c, n, m, a, b, form, reg, 10,
            Precision.FLOAT64);
        for (Precision p : Precision.values()) {
          for (KernelProducts products : KernelProducts.values()) {
            cuda().setKernelProducts(products);
            SinkhornResult got = backend.sinkhornFixed(c, n, m, a, b, form, reg, 10, p);
            String what = n + "x" + m + " " + form + " " + p + " " + products;
            double t = p == Precision.FLOAT64 ? SAME_ALGORITHM_F64 : SAME_ALGORITHM_F32;
            double rel = p == Precision.FLOAT64 ? t : t * 1e-2;
            new Closeness(t * reg, rel).assertClose(ref.rowPotential(), got.rowPotential(),
                what + " f");
            new Closeness(t * reg, rel).assertClose(ref.colPotential(), got.colPotential(),
                what + " g");
            assertTrue(got.deviceMillis() > 0, what + " device time " + got.deviceMillis());
          }
        }
      }
    }
    cuda().setKernelProducts(KernelProducts.CUBLAS);
  }

  @Test
  void aClosedBackendSaysSo() {
    CudaBackend b = CudaBackend.open(cuda().device());
    b.close();
    b.close();
    IllegalStateException e = assertThrows(IllegalStateException.class,
        () -> b.groundCost(new float[] {1}, 1, new float[] {2}, 1, 1,
            org.otfuse.core.ot.GroundMetric.EUCLIDEAN));
    assertTrue(e.getMessage().contains("closed"), e.getMessage());
  }

  @Test
  void aMissingDeviceIsACudaException() {
    CudaException e = assertThrows(CudaException.class, () -> CudaBackend.open(1_000));
    assertTrue(e.getMessage().contains("GPU 1000 requested"), e.getMessage());
  }
}
