package org.otfuse.core.sweep;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.otfuse.core.fusion.FusionMode;
import org.otfuse.core.fusion.SolverKind;

class SweepConfigTest {
  @TempDir Path dir;

  private String file(String text) throws IOException {
    Path f = dir.resolve("sweep.conf");
    Files.writeString(f, text);
    return f.toString();
  }

  @Test
  void defaultsParseAndOverridesWin() throws IOException {
    String f = file("otfuse { sweep-id = t1, sweep { modes = [weights] } }\n");
    SweepConfig c = SweepConfig.from(OtfuseConfig.load(f, List.of("sweep.modes=[weights, activations]",
        "otfuse.sweep.solvers=[sinkhorn]", "results=s3a://bucket/x/y", "sweep.ensemble-steps=[uniform, 0.5]")));
    assertEquals("t1", c.sweepId());
    assertEquals(List.of(FusionMode.WEIGHTS, FusionMode.ACTIVATIONS), c.sweep().modes());
    assertEquals(List.of(SolverKind.SINKHORN), c.sweep().solvers());
    assertEquals("s3a://bucket/x/y", c.results());
    assertNull(c.sweep().ensembleSteps().get(0));
    assertEquals(0.5, c.sweep().ensembleSteps().get(1));
  }

  @Test
  void unknownKeyNamesKeyAndFile() throws IOException {
    String f = file("otfuse {\n  sweep-id = t1\n  sweep {\n    solvr = [exact]\n  }\n}\n");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> OtfuseConfig.load(f, List.of()));
    assertTrue(e.getMessage().contains("otfuse.sweep.solvr"), e.getMessage());
    assertTrue(e.getMessage().contains("sweep.conf: 4"), e.getMessage());
    assertTrue(e.getMessage().contains("solvers"), e.getMessage());
  }

  @Test
  void unknownRootAndOverrideKeysAreErrors() throws IOException {
    String f = file("otfus { sweep-id = t1 }\n");
    assertTrue(assertThrows(IllegalArgumentException.class, () -> OtfuseConfig.load(f, List.of()))
        .getMessage().contains("'otfus'"));
    String g = file("otfuse { sweep-id = t1 }\n");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> OtfuseConfig.load(g, List.of("run.bukets=3")));
    assertTrue(e.getMessage().contains("otfuse.run.bukets") && e.getMessage().contains("command line"), e.getMessage());
  }

  @Test
  void wrongTypesAndEnumValuesNameTheKey() throws IOException {
    String f = file("otfuse { sweep-id = t1, run { buckets = many } }\n");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> SweepConfig.from(OtfuseConfig.load(f, List.of())));
    assertTrue(e.getMessage().contains("buckets"), e.getMessage());
    String g = file("otfuse { sweep-id = t1, sweep { solvers = [simplex] } }\n");
    e = assertThrows(IllegalArgumentException.class, () -> SweepConfig.from(OtfuseConfig.load(g, List.of())));
    assertTrue(e.getMessage().contains("otfuse.sweep.solvers is 'simplex'") && e.getMessage().contains("exact"),
        e.getMessage());
  }

  @Test
  void freeFormMapsAcceptAnyKey() throws IOException {
    String f = file("otfuse { sweep-id = t1, spark-conf { \"spark.sql.shuffle.partitions\" = 3 },"
        + " hadoop { fs.s3a.endpoint = \"http://127.0.0.1:1\" } }\n");
    SweepConfig c = SweepConfig.from(OtfuseConfig.load(f, List.of()));
    assertEquals("3", c.sparkConf().get("spark.sql.shuffle.partitions"));
    assertEquals("http://127.0.0.1:1", c.hadoop().get("fs.s3a.endpoint"));
    assertTrue(SweepConfig.isSecretKey("fs.s3a.secret.key") && SweepConfig.isSecretKey("fs.s3a.access.key"));
  }

  @Test
  void shippedConfigurationsAreValid() {
    Path conf = Path.of(System.getProperty("user.dir")).getParent().resolve("conf");
    for (String name : List.of("quickstart.conf", "mnist-mlp.conf", "compression.conf")) {
      Path f = conf.resolve("sweeps").resolve(name);
      if (Files.exists(f)) {
        SweepConfig c = SweepConfig.from(OtfuseConfig.load(f.toString(), List.of()));
        assertTrue(!c.sweepId().isEmpty(), name);
      }
    }
  }
}
