package org.otfuse.core.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The device program's dry run, the records' validation, and its JSON. */
class GpuCheckTest {

  @Test
  void withoutAGpuTheReferenceChecksStillRunAndPass(@TempDir Path dir) throws IOException {
    boolean gpu = CudaBackend.availability().available();
    int rc = new GpuCheck().run(new String[] {"--quick", "--no-bench", "--out",
        dir.toString(), "--cpu-threads", "2"});
    assertEquals(0, rc, "exit status");
    String json = Files.readString(dir.resolve("gpu-check.json"));
    assertTrue(json.contains("\"cuda_available\": " + gpu), json);
    assertTrue(json.contains("java: log form equals a textbook float64 Sinkhorn"), json);
    assertTrue(Files.exists(dir.resolve("data").resolve("bench-config.json")));
    assertEquals(512L * GpuCheck.POINT_DIM * 4, Files.size(dir.resolve("data/points_x.f32")));
  }

  @Test
  void requiringAGpuWhereThereIsNoneFails(@TempDir Path dir) {
    if (CudaBackend.availability().available()) {
      return;
    }
    assertEquals(2, new GpuCheck().run(new String[] {"--quick", "--no-bench", "--no-cpu",
        "--require-gpu", "--out", dir.toString()}));
  }

  @Test
  void jsonIsStrict() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("nan", Double.NaN);
    m.put("s", "a \"quoted\"\nline");
    m.put("list", List.of(1, 2.5));
    m.put("arr", new double[] {1, Double.POSITIVE_INFINITY});
    String s = GpuCheck.Json.write(m);
    assertTrue(s.contains("\"nan\": null") && s.contains("\"a \\\"quoted\\\"\\nline\"")
        && s.contains("[1.0, null]"), s);
  }

  @Test
  void specsAreValidated() {
    assertThrows(IllegalArgumentException.class,
        () -> new SinkhornSpec(0, 1e-9, 10, 1, Precision.FLOAT64, true));
    assertThrows(IllegalArgumentException.class,
        () -> new SinkhornSpec(1, 1e-9, 10, 0, Precision.FLOAT64, true));
    assertThrows(IllegalArgumentException.class,
        () -> new SinkhornSpec(1, Double.NaN, 10, 1, Precision.FLOAT64, true));
    assertThrows(IllegalArgumentException.class,
        () -> new SinkhornSpec(1, 1e-9, 10, 1, null, true));
    SinkhornSpec s = SinkhornSpec.of(org.otfuse.core.ot.SinkhornOptions.of(0.5));
    assertEquals(1, s.checkEvery());
    assertEquals(Precision.FLOAT32, s.withPrecision(Precision.FLOAT32).precision());
  }

  @Test
  void resultsDoNotLeakTheirArrays() {
    double[] plan = {0.25, 0.25, 0.25, 0.25};
    SinkhornResult r = new SinkhornResult(2, 2, plan, new double[2], new double[2], 3, 0, 0, 1,
        Double.NaN, "java");
    r.planArray()[0] = 9;
    r.rowPotential()[0] = 9;
    assertEquals(0.25, r.planEntry(0, 0));
    assertEquals(0, r.rowPotential()[0]);
    assertTrue(r.plan().orElseThrow().isReadOnly());
  }
}
