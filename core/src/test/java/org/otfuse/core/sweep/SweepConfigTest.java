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

  /** Every file of conf/sweeps loads, and its zoo expands (the CIFAR setups included). */
  @Test
  void shippedConfigurationsAreValid() throws IOException {
    Path conf = Path.of(System.getProperty("user.dir")).getParent().resolve("conf").resolve("sweeps");
    List<Path> files;
    try (var list = Files.list(conf)) {
      files = list.filter(f -> f.toString().endsWith(".conf")).sorted().toList();
    }
    assertTrue(files.size() >= 6, files.toString());
    java.util.Map<String, SweepConfig> byName = new java.util.HashMap<>();
    for (Path f : files) {
      SweepConfig c = SweepConfig.from(OtfuseConfig.load(f.toString(), List.of()));
      assertTrue(!c.sweepId().isEmpty(), f.toString());
      assertTrue(!c.zoo().models().expand().isEmpty(), f.toString());
      byName.put(f.getFileName().toString(), c);
    }
    // The quickstart zoo keeps the ids (and the training loop) of earlier versions.
    List<org.otfuse.core.zoo.ZooModelSpec> quick = byName.get("quickstart.conf").zoo().models().expand();
    assertEquals("fashion-mnist_mlp-100x50_s0_full_e2", quick.get(0).modelId());
    assertEquals(org.otfuse.core.zoo.ZooRecipe.Engine.MLP, quick.get(0).engine());
    org.otfuse.core.zoo.ZooModelSpec vgg = byName.get("cifar10-vgg11.conf").zoo().models().expand().get(0);
    assertEquals("cifar10_vgg11-w1-nobias_s0_full_e300", vgg.modelId());
    assertEquals(List.of(64, 128, 256, 256, 512, 512, 512, 512), vgg.arch().widths());
    org.otfuse.core.zoo.ZooModelSpec resnet = byName.get("cifar100-resnet18.conf").zoo().models().expand().get(0);
    assertEquals("cifar100_resnet18-w1-nobias_s0_full_e300", resnet.modelId());
    assertEquals(100, resnet.arch().numClasses());
    assertEquals(SweepConfig.BackendChoice.AUTO, byName.get("quickstart.conf").run().backend());
  }

  @Test
  void backendChoice() {
    SweepConfig c = SweepConfig.from(OtfuseConfig.load(null, List.of("run.backend=cuda")));
    assertEquals(SweepConfig.BackendChoice.CUDA, c.run().backend());
    assertTrue(SweepConfig.BackendChoice.CUDA.preferGpu(new String[0]));
    assertTrue(SweepConfig.BackendChoice.AUTO.preferGpu(new String[] {"0"}));
    assertTrue(!SweepConfig.BackendChoice.AUTO.preferGpu(new String[0]));
    assertTrue(!SweepConfig.BackendChoice.CPU.preferGpu(new String[] {"0"}));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> SweepConfig.from(OtfuseConfig.load(null, List.of("run.backend=gpu"))));
    assertTrue(e.getMessage().contains("otfuse.run.backend is 'gpu'") && e.getMessage().contains("cuda"),
        e.getMessage());
  }
}
