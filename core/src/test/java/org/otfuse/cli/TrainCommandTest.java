package org.otfuse.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.otfuse.core.zoo.SyntheticImages;

/** {@code otfuse train}, {@code finetune} and {@code train skill-transfer} end to end on synthetic idx data. */
class TrainCommandTest {
  static final ObjectMapper JSON = new ObjectMapper();

  @TempDir
  static Path tmp;

  static String data;

  @BeforeAll
  static void data() throws Exception {
    data = tmp.resolve("data").toString();
    SyntheticImages.write(data, 600, 200, 7);
  }

  static String[] common(String... more) {
    String[] base = {"--dataset", "mnist", "--data-dir", data, "--batch-size", "32", "--lr", "0.05"};
    String[] out = new String[base.length + more.length];
    System.arraycopy(base, 0, out, 0, base.length);
    System.arraycopy(more, 0, out, base.length, more.length);
    return out;
  }

  static String[] cat(String[] a, String... b) {
    String[] out = new String[a.length + b.length];
    System.arraycopy(a, 0, out, 0, a.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  @Test
  void trainWritesASelfDescribingModelAndResumesFinishedRuns() throws Exception {
    String out = tmp.resolve("mlp-a").toString();
    String[] args = cat(new String[] {"train", "--arch", "mlp", "--hidden", "32", "--epochs", "2", "--seed", "1",
        "--split", "skill:4:0.1:A", "--out", out, "--json"}, common());
    CliTest.Run r = CliTest.run(args);
    assertEquals(0, r.code(), r.err());
    JsonNode j = JSON.readTree(r.out());
    assertEquals("skill:4:0.1:A", j.get("split").asText());
    JsonNode meta = JSON.readTree(Files.readString(Path.of(out, "meta.json")));
    assertEquals("mlp", meta.get("arch").asText());
    assertEquals(2, meta.get("epochs").asInt());
    assertEquals(2, meta.get("history").size());
    assertEquals(j.get("accuracy").asDouble(), meta.get("accuracy").asDouble(), 1e-12);
    assertTrue(Files.exists(Path.of(out, "model.safetensors")));
    // Same command again: nothing to do.
    CliTest.Run again = CliTest.run(cat(args));
    assertEquals(0, again.code(), again.err());
    // Other settings into the same directory: refused.
    CliTest.Run other = CliTest.run(cat(new String[] {"train", "--arch", "mlp", "--hidden", "32", "--epochs", "2",
        "--seed", "2", "--split", "skill:4:0.1:A", "--out", out}, common()));
    assertEquals(2, other.code());
    assertTrue(other.err().contains("another run"), other.err());
  }

  @Test
  void finetuneFusesAndSkillTransferTabulates() throws Exception {
    String a = tmp.resolve("st-a").toString();
    String b = tmp.resolve("st-b").toString();
    for (String[] p : new String[][] {{"A", a, "1"}, {"B", b, "2"}}) {
      CliTest.Run r = CliTest.run(cat(new String[] {"train", "--arch", "mlp", "--hidden", "16", "--no-bias",
          "--epochs", "1", "--seed", p[2], "--split", "skill:4:0.1:" + p[0], "--out", p[1]}, common()));
      assertEquals(0, r.code(), r.err());
    }
    CliTest.Run t = CliTest.run(cat(new String[] {"train", "skill-transfer", "--model-a", a, "--model-b", b,
        "--weights", "0.3,0.7", "--json"}, "--dataset", "mnist", "--data-dir", data));
    assertEquals(0, t.code(), t.err());
    String[] rows = t.out().trim().split("\n");
    assertEquals(2 + 3 * 2, rows.length, t.out());
    assertEquals("A", JSON.readTree(rows[0]).get("method").asText());
    assertEquals("ot", JSON.readTree(rows[4]).get("method").asText());
    String ft = tmp.resolve("ft").toString();
    CliTest.Run f = CliTest.run(cat(new String[] {"finetune", "--model", a, "--model", b, "--fuse", "ot",
        "--epochs", "1", "--recalibrate-bn", "--out", ft, "--json"}, common()));
    assertEquals(0, f.code(), f.err());
    JsonNode j = JSON.readTree(f.out());
    assertEquals("ot", j.get("fuse").asText());
    assertTrue(j.has("accuracy_before") && j.has("accuracy_bn_recalibrated"), f.out());
    JsonNode meta = JSON.readTree(Files.readString(Path.of(ft, "meta.json")));
    assertEquals(2, meta.get("finetuned_from").size());
    assertEquals(16, meta.get("hidden").get(0).asInt());

    // --fuse vanilla: the plain average (no fine-tuning epochs here) ...
    CliTest.Run v = CliTest.run(cat(new String[] {"finetune", "--model", a, "--model", b, "--fuse", "vanilla",
        "--out", tmp.resolve("ft-vanilla").toString(), "--json"}, common()));
    assertEquals(0, v.code(), v.err());
    assertEquals("vanilla", JSON.readTree(v.out()).get("fuse").asText());
    // ... of models of one shape only
    String narrow = tmp.resolve("st-narrow").toString();
    CliTest.Run n = CliTest.run(cat(new String[] {"train", "--arch", "mlp", "--hidden", "8", "--no-bias",
        "--epochs", "1", "--seed", "3", "--split", "skill:4:0.1:A", "--out", narrow}, common()));
    assertEquals(0, n.code(), n.err());
    CliTest.Run mixed = CliTest.run(cat(new String[] {"finetune", "--model", narrow, "--model", b, "--fuse",
        "vanilla", "--out", tmp.resolve("ft-mixed").toString()}, common()));
    assertEquals(2, mixed.code());
    assertTrue(mixed.err().contains("vanilla averaging needs identical shapes"), mixed.err());
  }

  @Test
  void convNetTrainsOnPaddedImagesAndBenchPrintsThroughput() throws Exception {
    String out = tmp.resolve("vgg").toString();
    CliTest.Run r = CliTest.run(cat(new String[] {"train", "--arch", "vgg11", "--width", "0.0625", "--epochs", "1",
        "--limit", "64", "--test-limit", "64", "--augment", "crop-flip", "--optimizer", "adam", "--out", out},
        "--dataset", "mnist", "--data-dir", data, "--batch-size", "16", "--lr", "0.001"));
    assertEquals(0, r.code(), r.err());
    JsonNode meta = JSON.readTree(Files.readString(Path.of(out, "meta.json")));
    assertEquals(32, meta.get("input_shape").get(1).asInt());
    assertEquals(32, meta.get("padded_to").asInt());
    assertTrue(meta.get("batchnorm").asBoolean());
    CliTest.Run bench = CliTest.run("train", "bench", "--arch", "mlpnet", "--dataset", "mnist", "--data-dir", data,
        "--limit", "256", "--warmup", "1");
    assertEquals(0, bench.code(), bench.err());
    assertTrue(JSON.readTree(bench.out()).get("images_per_second").asDouble() > 0, bench.out());
  }

  @Test
  void missingOptionsAreNamed() {
    CliTest.Run r = CliTest.run("train", "--arch", "mlpnet", "--dataset", "mnist", "--data-dir", data, "--out",
        tmp.resolve("x").toString());
    assertEquals(2, r.code());
    assertTrue(r.err().contains("--epochs"), r.err());
    CliTest.Run s = CliTest.run("train", "--arch", "mlpnet", "--dataset", "mnist", "--data-dir", data, "--epochs",
        "1", "--out", tmp.resolve("y").toString(), "--split", "iid:2:5");
    assertEquals(2, s.code());
    assertTrue(s.err().contains("0 <= index < shards"), s.err());
  }
}
