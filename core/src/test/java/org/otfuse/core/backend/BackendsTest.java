package org.otfuse.core.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Backend selection and the fallback to the CPU (ND4J-free: the CPU here is JavaBackend). */
class BackendsTest {

  @Test
  void withoutAGpuRequestTheCpuIsUsed() {
    try (TransportBackend b = Backends.select(false, 0, JavaBackend::new)) {
      assertFalse(b.isGpu());
      assertEquals("java", b.name());
    }
  }

  @Test
  void aGpuRequestFallsBackToTheCpuWhenCudaIsUnavailable() {
    CudaBackend.Availability av = CudaBackend.availability();
    try (TransportBackend b = Backends.select(true, 0, JavaBackend::new)) {
      assertEquals(av.available(), b.isGpu(), av.reason());
    }
    if (!av.available()) {
      assertFalse(av.reason().isBlank());
    }
  }

  @Test
  void aTaskWithoutGpuAddressesUsesTheCpu() {
    try (TransportBackend b = Backends.forTask(new String[0], true, JavaBackend::new)) {
      assertFalse(b.isGpu());
    }
    try (TransportBackend b = Backends.forTask(null, false, JavaBackend::new)) {
      assertFalse(b.isGpu());
    }
  }

  @Test
  void sparkAddressesAreCudaOrdinals() {
    assertEquals(0, Backends.deviceFromAddresses(new String[] {"0"}));
    assertEquals(3, Backends.deviceFromAddresses(new String[] {" 3", "4"}));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Backends.deviceFromAddresses(new String[] {"GPU-5f3c"}));
    assertTrue(e.getMessage().contains("'GPU-5f3c'"), e.getMessage());
    assertThrows(IllegalArgumentException.class,
        () -> Backends.deviceFromAddresses(new String[0]));
  }

  @Test
  void availabilityNeverThrowsAndExplainsItself() {
    CudaBackend.Availability av = CudaBackend.availability();
    assertTrue(av.available() ? av.deviceCount() > 0 : av.deviceCount() == 0);
    assertTrue(av.reason() != null && !av.reason().isBlank());
  }
}
