package org.otfuse.core.sweep;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.reflect.Proxy;
import java.util.concurrent.atomic.AtomicInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.otfuse.core.backend.JavaBackend;
import org.otfuse.core.backend.TransportBackend;
import org.otfuse.core.data.DatasetName;
import org.otfuse.core.graph.ArchSpec;
import org.otfuse.core.graph.Architectures;
import org.otfuse.core.graph.Initialization;
import org.otfuse.core.graph.Network;
import org.otfuse.core.sweep.ResultSchema.Column;
import org.otfuse.core.zoo.SyntheticImages;
import org.otfuse.core.zoo.Zoo;
import org.otfuse.core.zoo.ZooModelSpec;
import org.otfuse.core.zoo.ZooSplit;
import org.otfuse.core.zoo.ZooTrainer;

/** One point in pure Java: the rows, their settings and statistics, and the failure paths. */
class PointRunnerTest {
  @TempDir static Path dir;
  static Zoo zoo;
  static List<SweepPoint> points;

  @BeforeAll
  static void zooAndPoints() throws IOException {
    String data = dir.resolve("data/fashion-mnist").toString();
    SyntheticImages.write(data, 1500, 300, 5);
    zoo = Zoo.at(dir.resolve("zoo").toString());
    for (int seed = 0; seed < 3; seed++) {
      ZooTrainer.train(ZooModelSpec.mlp(DatasetName.FASHION_MNIST, List.of(20, 10), true, seed, ZooSplit.FULL, 1, 32,
          0.05, 0.5, 0), data, zoo);
    }
    SweepConfig c = SweepConfig.from(OtfuseConfig.load(null, List.of("sweep-id=unit", "sweep.group-sizes=[3]",
        "sweep.modes=[activations]", "sweep.activations.samples=50", "sweep.finetune-epochs=[1]",
        "sweep.finetune.train-limit=300", "compression.width-factors=[0.5]", "compression.finetune-epochs=0")));
    points = SweepPlanner.plan(c, zoo.list(), true, true);
  }

  static PointRunner.Env env(String modelsOut) {
    return new PointRunner.Env(zoo.dir(), dir.resolve("data").toString(), modelsOut, 4, 0, "test", null, "task",
        PointRunner.LOCAL, null);
  }

  @Test
  void fusionPointRows() throws IOException {
    SweepPoint p = points.get(0);
    assertEquals(PointKind.FUSION, p.kind());
    String out = dir.resolve("models").toString();
    List<ResultRow> rows = PointRunner.run(p, env(out));
    List<Object> methods = new ArrayList<>();
    rows.forEach(r -> methods.add(r.get(Column.METHOD)));
    assertEquals(List.of("parent", "parent", "parent", "ensemble", "vanilla", "ot", "ot_finetuned"), methods);
    for (ResultRow r : rows) {
      assertEquals("ok", r.get(Column.STATUS));
      assertEquals(p.pointId(), r.get(Column.POINT_ID));
      assertEquals("activations", r.get(Column.MODE));
      assertEquals(1.0 / 3, (Double) r.get(Column.ENSEMBLE_STEP), 1e-12);
      assertTrue((Double) r.get(Column.ACCURACY) >= 0 && (Double) r.get(Column.ACCURACY) <= 100);
      assertEquals(300, r.get(Column.N_TEST));
      assertTrue((Double) r.get(Column.TIME_TOTAL_S) >= (Double) r.get(Column.TIME_LOAD_S));
      assertEquals(ModelAdapter.CPU_BACKEND, r.get(Column.BACKEND));
      assertEquals("mlp", r.get(Column.ARCH));
      assertEquals("20x10", r.get(Column.WIDTHS));
    }
    // MLP 784-20-10-10 with biases: every model row counts weights and biases; the ensemble has none.
    long mlp = 784 * 20 + 20 + 20 * 10 + 10 + 10 * 10 + 10;
    assertEquals(16020L, mlp);
    for (ResultRow r : rows) {
      assertEquals("ensemble".equals(r.get(Column.METHOD)) ? null : mlp, r.get(Column.PARAMETERS),
          String.valueOf(r.get(Column.METHOD)));
    }
    ResultRow ot = rows.get(5);
    assertEquals(List.of("fc1", "fc2"), ot.get(Column.OT_LAYERS));
    assertEquals(2, ((List<?>) ot.get(Column.OT_COST)).size());
    assertTrue(Files.exists(dir.resolve("models").resolve(p.pointId()).resolve("ot.safetensors")));
    assertTrue(PointRunner.summary(rows).startsWith("parent "), PointRunner.summary(rows));
  }

  /**
   * {@code time_eval_s} times the evaluation itself: the vanilla and OT rows evaluate a network
   * of the parents' size on the same test set, so their evaluation takes about as long as a
   * parent's (a clock read before the evaluation gave microseconds); and the phases add up to at
   * most the point's total.
   */
  @Test
  void evalTimesMeasureTheEvaluation() throws IOException {
    SweepPoint p = points.get(0);
    SweepPoint plain = new SweepPoint(p.sweepId(), p.pointId(), p.index(), p.kind(), p.dataset(), p.modelIds(),
        p.targetIndex(), p.fusion(), 0, p.finetune(), p.widthFactor(), p.compressionMethods());
    List<ResultRow> rows = PointRunner.run(plain, env(null));
    double fastestParent = rows.stream().filter(r -> "parent".equals(r.get(Column.METHOD)))
        .mapToDouble(r -> (Double) r.get(Column.TIME_EVAL_S)).min().orElseThrow();
    assertTrue(fastestParent > 0, "parent eval time " + fastestParent);
    double phases = (Double) rows.get(0).get(Column.TIME_LOAD_S);
    for (ResultRow r : rows) {
      double eval = (Double) r.get(Column.TIME_EVAL_S);
      assertTrue(eval >= 0.1 * fastestParent, r.get(Column.METHOD) + ": time_eval_s " + eval
          + " is far below a parent's " + fastestParent + ": the clock was not around the evaluation");
      phases += eval + (Double) r.get(Column.TIME_COMPUTE_S);
    }
    double total = (Double) rows.get(0).get(Column.TIME_TOTAL_S);
    assertTrue(phases <= total + 1e-6, "load + compute + eval = " + phases + " s exceeds time_total_s " + total);
  }

  /**
   * A task's transport backend reaches the fusion: with a device backend (here
   * {@link JavaBackend}'s real arithmetic announced as a GPU, as {@code CudaBackend} is on one)
   * the ground costs run on it, every row of the point records its name, and the fused model
   * matches the CPU path's.
   */
  @Test
  void taskBackendRunsTheFusionAndIsRecorded() throws IOException {
    SweepPoint p = points.get(0);
    SweepPoint plain = new SweepPoint(p.sweepId(), p.pointId(), p.index(), p.kind(), p.dataset(), p.modelIds(),
        p.targetIndex(), p.fusion(), 0, p.finetune(), p.widthFactor(), p.compressionMethods());
    AtomicInteger costs = new AtomicInteger();
    try (JavaBackend java = new JavaBackend(1)) {
      TransportBackend device = (TransportBackend) Proxy.newProxyInstance(TransportBackend.class.getClassLoader(),
          new Class<?>[] {TransportBackend.class}, (proxy, method, args) -> {
            switch (method.getName()) {
              case "name":
                return "device-like(java)";
              case "isGpu":
                return true;
              case "groundCost":
                costs.incrementAndGet();
                return method.invoke(java, args);
              default:
                return method.invoke(java, args);
            }
          });
      PointRunner.Env env = new PointRunner.Env(zoo.dir(), dir.resolve("data").toString(), null, 4, 0, "test", null,
          "task", PointRunner.LOCAL, device);
      List<ResultRow> onDevice = PointRunner.run(plain, env);
      List<ResultRow> onCpu = PointRunner.run(plain, env(null));
      assertTrue(costs.get() >= 2 * 2, "ground costs on the device: " + costs.get());
      for (ResultRow r : onDevice) {
        assertEquals("device-like(java)", r.get(Column.BACKEND), String.valueOf(r.get(Column.METHOD)));
      }
      ResultRow ot = onDevice.get(onDevice.size() - 1);
      ResultRow cpuOt = onCpu.get(onCpu.size() - 1);
      assertEquals("ot", ot.get(Column.METHOD));
      assertEquals((Double) cpuOt.get(Column.ACCURACY), (Double) ot.get(Column.ACCURACY), 1.0);
      assertEquals((Double) cpuOt.get(Column.OT_COST_TOTAL), (Double) ot.get(Column.OT_COST_TOTAL),
          1e-4 * (Double) cpuOt.get(Column.OT_COST_TOTAL));
    }
  }

  @Test
  void compressionPointRows() throws IOException {
    SweepPoint p = points.stream().filter(x -> x.kind() == PointKind.COMPRESSION).findFirst().orElseThrow();
    List<ResultRow> rows = PointRunner.run(p, env(null));
    assertEquals(List.of("parent", "compress_ot", "compress_magnitude"),
        rows.stream().map(r -> r.get(Column.METHOD)).toList());
    assertEquals("10x5", rows.get(1).get(Column.RESULT_WIDTHS));
    assertEquals(0.5, rows.get(1).get(Column.WIDTH_FACTOR));
    // parent 784-20-10-10, compressed to half width 784-10-5-10 (biases included)
    assertEquals(784L * 20 + 20 + 20 * 10 + 10 + 10 * 10 + 10, rows.get(0).get(Column.PARAMETERS));
    assertEquals(7965L, rows.get(1).get(Column.PARAMETERS));
    assertEquals(784L * 10 + 10 + 10 * 5 + 5 + 5 * 10 + 10, rows.get(2).get(Column.PARAMETERS));
  }

  /**
   * {@code parameters} counts every floating-point tensor (BatchNorm's weight, bias and running
   * statistics included) and leaves out BatchNorm's integer {@code num_batches_tracked}: ResNet18
   * at 1/16 width (stages 4, 8, 16, 32 channels; bias-free convs, 20 BatchNorms, linear 32-10 with
   * bias) counted by hand per layer.
   */
  @Test
  void parametersCountFloatTensorsIncludingBatchNormStatistics() {
    Network net = Initialization.pytorchDefault(Architectures.build(new ArchSpec("resnet18", 0.0625, true, true, 10,
        new long[] {3, 32, 32}, null)), 1);
    long stem = 3 * 4 * 9 + 4 * 4;
    long layer1 = 2 * (4 * 4 * 9 + 4 * 4 + 4 * 4 * 9 + 4 * 4);
    long layer2 = (4 * 8 * 9 + 8 * 4 + 8 * 8 * 9 + 8 * 4 + 4 * 8 + 8 * 4) + (8 * 8 * 9 + 8 * 4) * 2;
    long layer3 = (8 * 16 * 9 + 16 * 4 + 16 * 16 * 9 + 16 * 4 + 8 * 16 + 16 * 4) + (16 * 16 * 9 + 16 * 4) * 2;
    long layer4 = (16 * 32 * 9 + 32 * 4 + 32 * 32 * 9 + 32 * 4 + 16 * 32 + 32 * 4) + (32 * 32 * 9 + 32 * 4) * 2;
    long linear = 32 * 10 + 10;
    assertEquals(45222L, stem + layer1 + layer2 + layer3 + layer4 + linear);
    assertEquals(45222L, ModelAdapter.parameters(net));
    assertEquals(45222L, ModelAdapter.wrap("r", net, null).parameters());
    long all = net.params().asMap().values().stream().mapToLong(t -> t.length()).sum();
    assertEquals(45222L + 20, all, "20 scalar num_batches_tracked tensors are in the state dict, not in the count");
  }

  @Test
  void missingModelIsDeterministicAndBecomesOneFailedRow() {
    SweepPoint p = points.get(0);
    SweepPoint gone = new SweepPoint(p.sweepId(), p.pointId(), p.index(), p.kind(), p.dataset(),
        List.of(p.modelIds().get(0), "no-such-model", p.modelIds().get(2)), p.targetIndex(), p.fusion(),
        p.finetuneEpochs(), p.finetune(), p.widthFactor(), p.compressionMethods());
    IOException e = assertThrows(IOException.class, () -> PointRunner.run(gone, env(null)));
    assertTrue(PointRunner.isDeterministic(e));
    assertTrue(e.getMessage().contains("no-such-model"), e.getMessage());
    ResultRow failed = PointRunner.failedRow(gone, e, env(null));
    assertEquals("failed", failed.get(Column.STATUS));
    assertEquals("point", failed.get(Column.METHOD));
    assertTrue(((String) failed.get(Column.ERROR)).contains("meta.json"));
    assertTrue(!PointRunner.isDeterministic(new IllegalStateException("transient")));
  }
}
