package org.otfuse.core.zoo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Map;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.otfuse.core.data.DatasetName;
import org.otfuse.core.data.Split;
import org.otfuse.core.graph.Network;
import org.otfuse.core.io.Safetensors;
import org.otfuse.core.model.MlpNet;
import org.otfuse.core.sweep.ModelAdapter;
import org.otfuse.core.sweep.OtfuseConfig;
import org.otfuse.core.train.Evaluator;
import org.otfuse.core.train.MlpTrainer;

/**
 * Zoo specs of every architecture, training (both loops), the meta.json layouts read (the zoo's
 * first, MLP-only one and that of {@code otfuse train}), loading, and the errors on bad files.
 */
class ZooTest {
  /** A small HOCON conv net on 28 x 28 images (for the general training loop). */
  static final String TINY_CONV = "name = tinyconv\ninput = [1, 28, 28]\nlayers = [\n"
      + "  {type = conv, name = conv1, out = 6, kernel = 3, padding = 1}\n  {type = relu}\n"
      + "  {type = maxpool, kernel = 2}\n  {type = flatten}\n  {type = linear, name = fc, out = 10}\n]\n";

  @TempDir Path dir;

  /** The documented defaults of {@code otfuse.zoo.models}. */
  static Config defaults() {
    return OtfuseConfig.reference().getConfig("otfuse.zoo.models");
  }

  static ZooSpec spec(String hocon) {
    return ZooSpec.fromConfig(ConfigFactory.parseString(hocon).withFallback(defaults()), "otfuse.zoo.models");
  }

  @Test
  void specsOfEveryArchitecture() throws IOException {
    List<ZooModelSpec> vgg = spec("arch = vgg11, width-multipliers = [0.0625, 0.125], bias = false,"
        + " datasets = [fashion-mnist, cifar10], seeds = [0]").expand();
    assertEquals(List.of("fashion-mnist_vgg11-w0.0625-nobias_s0_full_e2",
        "fashion-mnist_vgg11-w0.125-nobias_s0_full_e2", "cifar10_vgg11-w0.0625-nobias_s0_full_e2",
        "cifar10_vgg11-w0.125-nobias_s0_full_e2"), vgg.stream().map(ZooModelSpec::modelId).toList());
    // 28 x 28 images are padded to VGG's 32 x 32; channels scale with the multiplier.
    assertEquals(List.of(1L, 32L, 32L), vgg.get(0).arch().inputShape());
    assertEquals(List.of(3L, 32L, 32L), vgg.get(2).arch().inputShape());
    assertEquals(List.of(4, 8, 16, 16, 32, 32, 32, 32), vgg.get(0).arch().widths());
    assertEquals(ZooRecipe.Engine.GRAPH, vgg.get(0).engine());

    ZooModelSpec resnet = spec("arch = resnet18, width-multipliers = [0.0625], batchnorm = true,"
        + " datasets = [cifar100], seeds = [3], epochs = 1, train-limit = 500").expand().get(0);
    assertEquals("cifar100_resnet18-w0.0625-bn_s3_full_e1_n500", resnet.modelId());
    assertEquals(100, resnet.arch().numClasses());

    // MLPs: explicit widths times multipliers; mlpnet's default widths; the original loop where it applies.
    List<ZooModelSpec> mlp = spec("widths = [[100, 50]], width-multipliers = [1, 0.5], seeds = [0]").expand();
    assertEquals(List.of("fashion-mnist_mlp-100x50_s0_full_e2", "fashion-mnist_mlp-50x25_s0_full_e2"),
        mlp.stream().map(ZooModelSpec::modelId).toList());
    assertEquals(List.of(784L), mlp.get(0).arch().inputShape());
    assertEquals(ZooRecipe.Engine.MLP, mlp.get(0).engine());
    assertEquals(ZooRecipe.Engine.GRAPH, spec("schedule = cosine, seeds = [0]").expand().get(0).engine());
    ZooModelSpec cifar = spec("arch = vgg11, augmentation = crop-flip, schedule = \"step:30:0.5\", weight-decay = 5e-4,"
        + " datasets = [cifar10], seeds = [0]").expand().get(0);
    assertEquals(org.otfuse.core.train.Augmentation.CROP_FLIP, cifar.recipe().trainOptions(0).augmentation());
    assertEquals(5e-4, cifar.recipe().trainOptions(0).optimizer().weightDecay());
    assertEquals(org.otfuse.core.train.LrSchedule.step(30, 0.5), cifar.recipe().lrSchedule());
    assertEquals("fashion-mnist_mlp-400x200x100_s0_full_e2", spec("arch = mlpnet, seeds = [0]").expand().get(0)
        .modelId());

    // A HOCON architecture file, relative to the configuration file that names it.
    Files.writeString(dir.resolve("tiny.conf"), TINY_CONV);
    Path zooConf = dir.resolve("zoo.conf");
    Files.writeString(zooConf, "arch = tiny.conf\nseeds = [0]\n");
    ZooSpec fromFile = ZooSpec.fromConfig(ConfigFactory.parseFile(zooConf.toFile()).withFallback(defaults()), "m");
    ZooModelSpec tiny = fromFile.expand().get(0);
    assertEquals("fashion-mnist_conf-tiny_s0_full_e2", tiny.modelId());
    assertEquals(TINY_CONV, tiny.arch().conf());
    assertEquals(List.of(6), tiny.arch().widths());
    assertEquals("tiny.conf", tiny.arch().displayName());
  }

  @Test
  void specErrorsNameTheKeyAndWhatIsAccepted() {
    String e = assertThrows(IllegalArgumentException.class, () -> spec("arch = vgg12")).getMessage();
    assertTrue(e.contains("otfuse.zoo.models.arch is 'vgg12'") && e.contains("resnet18"), e);
    e = assertThrows(IllegalArgumentException.class, () -> spec("arch = vgg11, widths = [[64, 128]]")).getMessage();
    assertTrue(e.contains("otfuse.zoo.models.widths") && e.contains("width-multipliers"), e);
    e = assertThrows(IllegalArgumentException.class, () -> spec("batchnorm = true")).getMessage();
    assertTrue(e.contains("otfuse.zoo.models.batchnorm") && e.contains("no BatchNorm"), e);
    e = assertThrows(IllegalArgumentException.class, () -> spec("arch = resnet18, trainer = mlp")).getMessage();
    assertTrue(e.contains("trainer = mlp"), e);
    e = assertThrows(IllegalArgumentException.class, () -> spec("schedule = linear")).getMessage();
    assertTrue(e.contains("otfuse.zoo.models") && e.contains("'linear'"), e);
    e = assertThrows(IllegalArgumentException.class, () -> spec("augmentation = rotate")).getMessage();
    assertTrue(e.contains("'rotate'") && e.contains("crop-flip"), e);
    e = assertThrows(IllegalArgumentException.class, () -> spec("arch = " + dir.resolve("none.conf"))).getMessage();
    assertTrue(e.contains("none.conf") && e.contains("does not exist"), e);
  }

  @Test
  void specExpandsToDeterministicIds() {
    ZooSpec spec = ZooSpec.fromConfig(ConfigFactory.parseString("datasets = [fashion-mnist], arch = mlp,"
        + " widths = [[32, 16], [64, 32]], bias = true, seeds = [0, 1, 2], splits = [full, iid-0-of-2], epochs = 1,"
        + " batch-size = 64, learning-rate = 0.01, momentum = 0.5, train-limit = 0").withFallback(defaults()),
        "zoo.models");
    List<ZooModelSpec> models = spec.expand();
    assertEquals(12, models.size());
    assertEquals("fashion-mnist_mlp-32x16_s0_full_e1", models.get(0).modelId());
    assertEquals("fashion-mnist_mlp-32x16_s0_iid-0-of-2_e1", models.get(3).modelId());
  }

  /**
   * The general loop on a HOCON conv net with a cosine schedule and weight decay: the zoo keeps
   * the file's text (the model loads after the file is gone), deletes the per-epoch checkpoint,
   * and records the accuracy that re-evaluating the loaded model gives.
   */
  @Test
  void graphTrainerModelIsSelfDescribing() throws IOException {
    String data = dir.resolve("data").toString();
    SyntheticImages.write(data, 600, 200, 2);
    Path file = dir.resolve("tiny.conf");
    Files.writeString(file, TINY_CONV);
    ZooSpec s = spec("arch = \"" + file + "\", seeds = [1], epochs = 2, batch-size = 32, learning-rate = 0.05,"
        + " momentum = 0.9, schedule = cosine, weight-decay = 1e-4");
    ZooModelSpec m = s.expand().get(0);
    assertEquals(ZooRecipe.Engine.GRAPH, m.engine());
    Zoo zoo = Zoo.at(dir.resolve("zoo").toString());
    ModelMeta meta = ZooTrainer.train(m, data, zoo);
    assertFalse(Files.exists(Path.of(zoo.modelDir(m.modelId()), "checkpoint.safetensors")));
    Files.delete(file);
    assertEquals(meta, zoo.meta(m.modelId()));
    Network net = zoo.load(meta);
    Evaluator.Metrics again = Evaluator.evaluate(net, DataCache.get(DatasetName.FASHION_MNIST, data, Split.TEST));
    assertEquals(meta.testAccuracy(), again.accuracy(), 1e-12);
    String json = Files.readString(Path.of(zoo.metaPath(m.modelId())));
    assertTrue(meta.testAccuracy() > 30, "synthetic data is learnable: " + meta.testAccuracy() + "\n" + json);
    assertTrue(json.contains("\"trainer\" : \"graph\"") && json.contains("\"schedule\" : \"cosine\"")
        && json.contains("\"weight_decay\" : 1.0E-4") && json.contains("\"arch_conf\""), json);
  }

  /** Zoos trained by earlier versions ({@code "format": 1}, MLP only) still read and load. */
  @Test
  void firstMetaLayoutStillReads() throws IOException {
    Zoo zoo = Zoo.at(dir.resolve("old").toString());
    String id = "fashion-mnist_mlp-8x4_s0_full_e1";
    MlpNet net = MlpTrainer.initialize(784, new int[] {8, 4, 10}, false, 5);
    Safetensors.write(net.toStateDict(null), zoo.checkpointPath(id), Map.of());
    Files.writeString(Path.of(zoo.metaPath(id)), "{\"format\": 1, \"model_id\": \"" + id + "\","
        + " \"architecture\": \"mlp\", \"input_dim\": 784, \"hidden\": [8, 4], \"num_classes\": 10,"
        + " \"bias\": false, \"dataset\": \"fashion-mnist\", \"split\": \"full\", \"seed\": 0, \"epochs\": 1,"
        + " \"train_images\": 60000, \"test_accuracy\": 81.5, \"test_loss\": 0.5, \"train_seconds\": 3.5,"
        + " \"otfuse_version\": \"0.1.0\"}");
    ModelMeta meta = zoo.meta(id);
    assertEquals(List.of(8, 4), meta.widths());
    assertEquals("mlp", meta.arch().displayName());
    assertFalse(meta.arch().bias());
    assertEquals(81.5, meta.testAccuracy());
    Network loaded = zoo.load(meta);
    assertArrayEquals(net.layer(1).weight().toFloatMatrix(), loaded.param("fc2.weight").toFloatMatrix());
  }

  /**
   * A directory written by {@code otfuse train --out <zoo>/<id>} is a zoo model: a VGG on 28 x 28
   * images (trained on them padded to 32 x 32) evaluates in the sweep to the accuracy its
   * meta.json records, so the sweep pads the test images exactly as training did.
   */
  @Test
  void otfuseTrainDirectoryIsAZooModel() throws IOException {
    String data = dir.resolve("data").toString();
    SyntheticImages.write(data, 300, 200, 3);
    Zoo zoo = Zoo.at(dir.resolve("zoo").toString());
    StringWriter out = new StringWriter();
    picocli.CommandLine cli = org.otfuse.cli.Main.commandLine();
    cli.setOut(new PrintWriter(out));
    int rc = cli.execute("train", "--arch", "vgg11", "--width", "0.0625", "--no-bias", "--no-batchnorm",
        "--dataset", "fashion-mnist", "--data-dir", data, "--epochs", "1", "--batch-size", "32", "--lr", "0.02",
        "--seed", "4", "--out", zoo.modelDir("fm-vgg"));
    assertEquals(0, rc, out.toString());
    ModelMeta meta = zoo.list().get(0);
    assertEquals("fm-vgg", meta.modelId());
    assertEquals("vgg11", meta.arch().displayName());
    assertEquals(List.of(1L, 32L, 32L), meta.arch().inputShape());
    assertEquals(List.of(4, 8, 16, 16, 32, 32, 32, 32), meta.widths());
    assertEquals(300, meta.trainImages());
    ModelAdapter.Model model = ModelAdapter.load(zoo, meta);
    Evaluator.Metrics m = ModelAdapter.evaluate(model, DataCache.forInput(DatasetName.FASHION_MNIST, data,
        Split.TEST, model.inputShape()));
    assertEquals(meta.testAccuracy(), m.accuracy(), 1e-12);
    assertEquals(meta.testLoss(), m.loss(), 1e-6);
  }

  @Test
  void splitsAreDisjointShards() {
    int[] a = ZooSplit.parse("iid-0-of-2").indices(101);
    int[] b = ZooSplit.parse("iid-1-of-2").indices(101);
    assertEquals(101, a.length + b.length);
    assertTrue(java.util.Arrays.stream(a).noneMatch(x -> java.util.Arrays.binarySearch(b, x) >= 0));
    assertThrows(IllegalArgumentException.class, () -> ZooSplit.parse("iid-2-of-2"));
    assertThrows(IllegalArgumentException.class, () -> ZooSplit.parse("half"));
  }

  @Test
  void trainWriteListLoadAndCorruptFiles() throws IOException {
    String data = dir.resolve("data").toString();
    SyntheticImages.write(data, 2000, 300, 1);
    Zoo zoo = Zoo.at(dir.resolve("zoo").toString());
    ZooModelSpec spec = ZooModelSpec.mlp(DatasetName.FASHION_MNIST, List.of(16, 8), true, 3, ZooSplit.FULL, 1, 32,
        0.05, 0.5, 0);
    ModelMeta meta = ZooTrainer.train(spec, data, zoo);
    assertEquals(ZooRecipe.Engine.MLP, spec.engine());
    assertEquals(List.of(meta), zoo.list());
    assertEquals(meta, zoo.meta(spec.modelId()));
    assertTrue(meta.testAccuracy() > 30, "synthetic data is learnable: " + meta.testAccuracy());
    Network net = zoo.load(meta);
    assertEquals(List.of(16, 8), ModelArch.hiddenWidths(net.graph()));
    assertEquals(10, net.numClasses());
    assertEquals(List.of(), ZooTrainer.missing(List.of(spec), zoo));

    Files.write(Path.of(zoo.checkpointPath(meta.modelId())), new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11});
    IOException e = assertThrows(IOException.class, () -> zoo.load(meta));
    assertTrue(e.getMessage().contains(zoo.checkpointPath(meta.modelId())), e.getMessage());
    Files.writeString(Path.of(zoo.metaPath(meta.modelId())), "{\"format\": 1}");
    e = assertThrows(IOException.class, () -> zoo.meta(meta.modelId()));
    assertTrue(e.getMessage().contains("meta.json") && e.getMessage().contains("is missing"), e.getMessage());
  }
}
