package org.otfuse.core.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.otfuse.core.data.ImageDataset;
import org.otfuse.core.graph.ArchSpec;
import org.otfuse.core.graph.Architectures;
import org.otfuse.core.graph.Graph;
import org.otfuse.core.graph.Initialization;
import org.otfuse.core.graph.Network;
import org.otfuse.core.io.Safetensors;
import org.otfuse.core.testing.Tolerance;

class TrainerTest {

  static ImageDataset tiny(int n, int classes, long seed) {
    SplittableRandom rng = new SplittableRandom(seed);
    float[] x = new float[n * 64];
    int[] y = new int[n];
    for (int i = 0; i < n; i++) {
      y[i] = i % classes;
      for (int j = 0; j < 64; j++) {
        x[i * 64 + j] = (float) rng.nextGaussian();
      }
    }
    return new ImageDataset("tiny", Nd4j.createFromArray(x).reshape(n, 64), Nd4j.createFromArray(y),
        new long[] {1, 8, 8}, classes);
  }

  static Graph smallConvNet() {
    Graph.Builder b = new Graph.Builder("convnet", 1, 8, 8);
    String x = b.relu(b.batchNorm(b.conv(b.input(), "c1", 8, 3, 1, 1, false), "bn1"));
    x = b.maxPool(x, 2, 2, 0);
    x = b.relu(b.batchNorm(b.conv(x, "c2", 8, 3, 1, 1, false), "bn2"));
    x = b.adaptiveAvgPool(x);
    return b.build(b.linear(b.flatten(x), "fc", 4, true));
  }

  @Test
  void mlpOverfitsTinyBatch() {
    ImageDataset d = tiny(16, 4, 1);
    Graph g = Architectures.mlp("mlp", new long[] {1, 8, 8}, new int[] {32}, 4, true);
    TrainOptions o = new TrainOptions(150, 16, OptimizerOptions.adam(0.01, 0), LrSchedule.constant(),
        Augmentation.NONE, 3);
    Trainer.Result r = Trainer.train(Initialization.pytorchDefault(g, 2), d, o, null);
    assertEquals(100.0, Evaluator.evaluate(r.network(), d).accuracy(), 1e-9);
    assertTrue(r.last().trainLoss() < 0.05, "final loss " + r.last().trainLoss());
  }

  @Test
  void convNetWithBatchNormOverfitsTinyBatchAndEvaluatesInInferenceMode() {
    ImageDataset d = tiny(16, 4, 5);
    TrainOptions o = new TrainOptions(150, 16, OptimizerOptions.sgd(0.1, 0.9, 0), LrSchedule.constant(),
        Augmentation.NONE, 3);
    Trainer.Result r = Trainer.train(Initialization.pytorchDefault(smallConvNet(), 2), d, o, null);
    assertEquals(100.0, r.last().trainAccuracy(), 1e-9);
    // Inference mode uses the running statistics, which have converged on the single batch.
    assertEquals(100.0, Evaluator.evaluate(r.network(), d).accuracy(), 1e-9);
    assertEquals(150L, r.network().param("bn1.num_batches_tracked").getLong(0));
  }

  @Test
  void sgdMatchesPytorchUpdateRule() {
    // One parameter, two steps of SGD(lr=0.1, momentum=0.9, weight_decay=0.01, nesterov):
    // torch: g1' = g1 + wd w0; buf = g1'; w1 = w0 - lr (g1' + mu buf); g2' = g2 + wd w1;
    //        buf = mu buf + g2'; w2 = w1 - lr (g2' + mu buf).
    Optimizer opt = new Optimizer(OptimizerOptions.sgd(0.1, 0.9, 0.01).withNesterov(true));
    INDArray w = Nd4j.createFromArray(1.0);
    java.util.Map<String, INDArray> p = new java.util.HashMap<>(java.util.Map.of("w", w));
    opt.step(p, new java.util.HashMap<>(java.util.Map.of("w", Nd4j.createFromArray(0.5))), java.util.List.of("w"), 0.1);
    double g1 = 0.5 + 0.01 * 1.0;
    double buf = g1;
    double w1 = 1.0 - 0.1 * (g1 + 0.9 * buf);
    Tolerance.absolute(1e-12).assertClose(w1, w.getDouble(0), "w1");
    opt.step(p, new java.util.HashMap<>(java.util.Map.of("w", Nd4j.createFromArray(-0.2))), java.util.List.of("w"), 0.1);
    double g2 = -0.2 + 0.01 * w1;
    buf = 0.9 * buf + g2;
    double w2 = w1 - 0.1 * (g2 + 0.9 * buf);
    Tolerance.absolute(1e-12).assertClose(w2, w.getDouble(0), "w2");
  }

  @Test
  void adamMatchesPytorchUpdateRule() {
    Optimizer opt = new Optimizer(OptimizerOptions.adam(0.01, 0));
    INDArray w = Nd4j.createFromArray(1.0);
    java.util.Map<String, INDArray> p = new java.util.HashMap<>(java.util.Map.of("w", w));
    double m = 0;
    double v = 0;
    double expected = 1.0;
    double[] gs = {0.3, -0.1, 0.2};
    for (int t = 1; t <= gs.length; t++) {
      opt.step(p, new java.util.HashMap<>(java.util.Map.of("w", Nd4j.createFromArray(gs[t - 1])))
          , java.util.List.of("w"), 0.01);
      m = 0.9 * m + 0.1 * gs[t - 1];
      v = 0.999 * v + 0.001 * gs[t - 1] * gs[t - 1];
      expected -= 0.01 * (m / (1 - Math.pow(0.9, t))) / (Math.sqrt(v / (1 - Math.pow(0.999, t))) + 1e-8);
      Tolerance.absolute(1e-12).assertClose(expected, w.getDouble(0), "w after step " + t);
    }
  }

  @Test
  void schedules() {
    LrSchedule step = LrSchedule.parse("step:2:0.1");
    assertEquals(1.0, step.factor(1, 0, 10), 0);
    Tolerance.relative(1e-12).assertClose(0.1, step.factor(2, 0, 10), "step decay");
    assertEquals(1.0, LrSchedule.cosine().factor(0, 0, 10), 1e-12);
    assertEquals(0.5, LrSchedule.cosine().factor(0, 5, 10), 1e-12);
    assertEquals(0.0, LrSchedule.cosine().factor(0, 10, 10), 1e-12);
    assertThrows(IllegalArgumentException.class, () -> LrSchedule.parse("linear"));
  }

  @Test
  void resumedRunEqualsUninterruptedRun(@TempDir Path tmp) throws Exception {
    ImageDataset d = tiny(40, 4, 9);
    Network init = Initialization.pytorchDefault(smallConvNet(), 4);
    TrainOptions o = new TrainOptions(3, 8, OptimizerOptions.sgd(0.05, 0.9, 5e-4), LrSchedule.cosine(),
        Augmentation.CROP_FLIP, 11);
    Trainer.Result whole = Trainer.train(init, d, o, d, new RunDirectory(tmp.resolve("a").toString(), "fp"), null);
    // "Interrupted" after epoch 1: a run of the same settings that stops early via its listener.
    RunDirectory b = new RunDirectory(tmp.resolve("b").toString(), "fp");
    assertThrows(RuntimeException.class, () -> Trainer.train(init, d, o, d, b, s -> {
      if (s.epoch() == 1) {
        throw new RuntimeException("interrupt");
      }
    }));
    assertTrue(Files.exists(tmp.resolve("b").resolve(RunDirectory.CHECKPOINT)));
    Trainer.Result resumed = Trainer.train(init, d, o, d, b, null);
    assertEquals(1, resumed.resumedAfter());
    assertEquals(3, resumed.history().size());
    for (String name : whole.network().params().names()) {
      Tolerance.absolute(1e-6).assertClose(whole.network().param(name), resumed.network().param(name), name);
    }
    // Another run's settings are refused, not overwritten.
    IllegalStateException e = assertThrows(IllegalStateException.class,
        () -> Trainer.train(init, d, o, d, new RunDirectory(tmp.resolve("b").toString(), "other"), null));
    assertTrue(e.getMessage().contains("another run"), e.getMessage());
  }

  @Test
  void modelDirectoryIsSelfDescribing(@TempDir Path tmp) throws Exception {
    ArchSpec spec = new ArchSpec("mlp", 1.0, true, false, 4, new long[] {1, 8, 8}, new int[] {16});
    Network net = Initialization.pytorchDefault(Architectures.build(spec), 1);
    RunDirectory dir = new RunDirectory(tmp.toString(), "fp");
    com.fasterxml.jackson.databind.node.ObjectNode extra = TrainMeta.object();
    extra.put("optimizer", "sgd");
    dir.finish(net, new TrainMeta(spec, "tiny", "iid:2:0", 7, 3, 55.5, 1.25, extra));
    TrainMeta back = TrainMeta.read(dir.metaPath());
    assertEquals(spec.toString(), back.arch().toString());
    assertEquals("iid:2:0", back.split());
    assertEquals(7, back.seed());
    assertEquals(55.5, back.accuracy(), 0);
    assertEquals("sgd", back.extra().get("optimizer").asText());
    Network loaded = Network.of(Architectures.build(back.arch()), Safetensors.read(dir.modelPath()));
    Tolerance.absolute(0).assertClose(net.param("fc1.weight"), loaded.param("fc1.weight"), "fc1.weight");
    String json = Files.readString(tmp.resolve("meta.json"));
    for (String key : new String[] {"arch", "width", "bias", "batchnorm", "num_classes", "input_shape", "dataset",
        "split", "seed", "epochs", "accuracy", "loss", "otfuse_version"}) {
      assertTrue(json.contains("\"" + key + "\""), "meta.json lacks " + key + ": " + json);
    }
    // The version is the one result rows record (the jar's Maven metadata), not a constant of its own.
    assertEquals(Versions.otfuse(),
        new com.fasterxml.jackson.databind.json.JsonMapper().readTree(json).get("otfuse_version").asText());
  }

  @Test
  void cropFlipPadsWithBlackAndFlips() {
    int n = 4;
    float[] x = new float[n * 9];
    for (int i = 0; i < 9; i++) {
      for (int k = 0; k < n; k++) {
        x[9 * k + i] = i + 1;
      }
    }
    INDArray batch = Nd4j.createFromArray(x).reshape(n, 9);
    INDArray before = batch.dup();
    Augmenter a = new Augmenter(new long[] {1, 3, 3}, 1, new float[] {-5f});
    INDArray out = a.apply(batch, new SplittableRandom(1));
    assertEquals(before, batch, "the batch is not modified");
    // Replay the draws (per image: row shift, column shift, flip) and build each expected image the
    // torchvision way: crop 3x3 at offset (1 + dy, 1 + dx) of the image padded by 1 with the fill,
    // then mirror the crop left-right when flipped.
    SplittableRandom replay = new SplittableRandom(1);
    boolean shifted = false;
    boolean flipped = false;
    for (int i = 0; i < n; i++) {
      int dy = replay.nextInt(3) - 1;
      int dx = replay.nextInt(3) - 1;
      boolean flip = replay.nextBoolean();
      shifted |= dy != 0 || dx != 0;
      flipped |= flip;
      float[] img = out.getRow(i).toFloatVector();
      for (int r = 0; r < 3; r++) {
        for (int c = 0; c < 3; c++) {
          int sr = r + dy;
          int sc = (flip ? 2 - c : c) + dx;
          float want = sr >= 0 && sr < 3 && sc >= 0 && sc < 3 ? x[9 * i + 3 * sr + sc] : -5f;
          assertEquals(want, img[3 * r + c], "image " + i + " (shift " + dy + ", " + dx + ", flip " + flip
              + ") pixel (" + r + ", " + c + ")");
        }
      }
      int kept = 0;
      for (float v : img) {
        assertTrue(v == -5f || (v >= 1 && v <= 9), "value " + v);
        if (v != -5f) {
          kept++;
        }
      }
      assertTrue(kept >= 4, "a 1-pixel shift keeps at least a 2x2 block");
    }
    assertTrue(shifted && flipped, "the seed must draw a shift and a flip, or an unaugmented batch would pass");
    // The black level is the per-channel minimum.
    assertEquals(1f, Augmenter.blackLevel(batch, new long[] {1, 3, 3})[0], 0);
  }

  @Test
  void profileReportsWhatARunAdded() {
    java.util.Map<String, Double> before = java.util.Map.of("forward Linear", 5.0, "backward Linear", 1.0);
    java.util.Map<String, Double> after = java.util.Map.of("forward Linear", 7.5, "backward Linear", 1.0,
        "step loss", 0.25, "backward Conv2d", 30.0);
    assertEquals("backward Conv2d 30.0 ms, forward Linear 2.5 ms, step loss 0.3 ms", Profile.report(before, after));
    assertEquals("", Profile.report(after, after));
  }

  @Test
  void batchNormRecalibrationSetsRunningStatsFromData() {
    ImageDataset d = tiny(64, 4, 3);
    Network net = Initialization.pytorchDefault(smallConvNet(), 4);
    Network re = BatchNormRecalibration.recompute(net, d, 64, 0);
    // One batch: running stats = that batch's statistics, so inference mode equals training mode.
    java.util.Map<String, INDArray> p = Trainer.copy(re.params().asMap());
    INDArray train = Backprop.forward(re.graph(), p, d.features(), Backprop.Mode.TRAIN_FROZEN_STATS).logits();
    INDArray eval = re.logits(d.features());
    Tolerance.absolute(2e-3).assertClose(train, eval, "logits after recalibration");
    assertFalse(net.param("bn1.running_mean").equalsWithEps(re.param("bn1.running_mean"), 1e-6));
    assertEquals(0.0, net.param("bn1.running_mean").sumNumber().doubleValue(), 0, "input network untouched");
    assertEquals(DataType.FLOAT, re.param("bn1.running_var").dataType());
  }
}
