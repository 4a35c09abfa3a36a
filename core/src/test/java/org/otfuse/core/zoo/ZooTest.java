package org.otfuse.core.zoo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.otfuse.core.data.DatasetName;
import org.otfuse.core.model.MlpNet;

class ZooTest {
  @TempDir Path dir;

  @Test
  void specExpandsToDeterministicIds() {
    ZooSpec spec = ZooSpec.fromConfig(ConfigFactory.parseString("datasets = [fashion-mnist], arch = mlp,"
        + " widths = [[32, 16], [64, 32]], bias = true, seeds = [0, 1, 2], splits = [full, iid-0-of-2], epochs = 1,"
        + " batch-size = 64, learning-rate = 0.01, momentum = 0.5, train-limit = 0"), "zoo.models");
    List<ZooModelSpec> models = spec.expand();
    assertEquals(12, models.size());
    assertEquals("fashion-mnist_mlp-32x16_s0_full_e1", models.get(0).modelId());
    assertEquals("fashion-mnist_mlp-32x16_s0_iid-0-of-2_e1", models.get(3).modelId());
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
    ZooModelSpec spec = new ZooModelSpec(DatasetName.FASHION_MNIST, List.of(16, 8), true, 3, ZooSplit.FULL, 1, 32,
        0.05, 0.5, 0);
    ModelMeta meta = ZooTrainer.train(spec, data, zoo);
    assertEquals(List.of(meta), zoo.list());
    assertEquals(meta, zoo.meta(spec.modelId()));
    assertTrue(meta.testAccuracy() > 30, "synthetic data is learnable: " + meta.testAccuracy());
    MlpNet net = zoo.load(meta);
    assertArrayEquals(new int[] {16, 8, 10}, net.widths());
    assertEquals(List.of(), ZooTrainer.missing(List.of(spec), zoo));

    Files.write(Path.of(zoo.checkpointPath(meta.modelId())), new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11});
    IOException e = assertThrows(IOException.class, () -> zoo.load(meta));
    assertTrue(e.getMessage().contains(zoo.checkpointPath(meta.modelId())), e.getMessage());
    Files.writeString(Path.of(zoo.metaPath(meta.modelId())), "{\"format\": 1}");
    e = assertThrows(IOException.class, () -> zoo.meta(meta.modelId()));
    assertTrue(e.getMessage().contains("meta.json") && e.getMessage().contains("is missing"), e.getMessage());
  }
}
