package org.otfuse.core.backend;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** When the OpenMP spin hint is logged, and what it says. */
class OpenMpSpinTest {

  @Test
  void hintsOnlyWhenNoWaitPolicyIsSetAndThreadsCanSpin() {
    String h = OpenMpSpin.hint(Map.of("OMP_NUM_THREADS", "2"));
    assertTrue(h != null && h.contains("GOMP_SPINCOUNT=" + OpenMpSpin.RECOMMENDED_SPINCOUNT)
        && h.contains("spark.executorEnv.GOMP_SPINCOUNT"), h);
    assertTrue(OpenMpSpin.hint(Map.of()) != null, "unset OMP_NUM_THREADS means one thread per core");
    assertNull(OpenMpSpin.hint(Map.of("GOMP_SPINCOUNT", "10000")));
    assertNull(OpenMpSpin.hint(Map.of("OMP_WAIT_POLICY", "passive")));
    assertNull(OpenMpSpin.hint(Map.of("OMP_NUM_THREADS", "1")));
  }
}
