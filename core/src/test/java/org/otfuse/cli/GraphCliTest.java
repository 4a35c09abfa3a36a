package org.otfuse.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.otfuse.core.graph.ArchSpec;
import org.otfuse.core.graph.Architectures;
import org.otfuse.core.graph.Initialization;
import org.otfuse.core.graph.Network;
import org.otfuse.core.io.Npy;
import org.otfuse.core.io.Safetensors;
import org.otfuse.core.io.StateDict;
import org.otfuse.core.testing.Tolerance;

/** fuse / predict / compress on graph architectures through the command line. */
class GraphCliTest {

  static String save(Network net, Path dir, String name) throws Exception {
    String path = dir.resolve(name).toString();
    Safetensors.write(net.params(), path, Map.of());
    return path;
  }

  @Test
  void predictWritesTheModelsLogitsAndWidthIsReadFromTheCheckpoint(@TempDir Path dir) throws Exception {
    Network net = Initialization.pytorchDefault(Architectures.build(ArchSpec.cifar("resnet18").withWidth(0.125)), 1);
    String model = save(net, dir, "r.safetensors");
    INDArray x = Nd4j.randn(2L, new long[] {3, 3, 32, 32}).castTo(DataType.FLOAT);
    String in = dir.resolve("x.npy").toString();
    Npy.write(x, in);
    String out = dir.resolve("logits.npy").toString();
    CliTest.Run r = CliTest.run("predict", "--arch", "resnet18", "--model", model, "--input", in, "--out", out);
    assertEquals(0, r.code(), r.err());
    Tolerance.absolute(1e-5).assertClose(net.logits(x), Npy.read(out), "predict logits");
  }

  @Test
  void fusesFourVggsAndRefines(@TempDir Path dir) throws Exception {
    ArchSpec spec = ArchSpec.cifar("vgg11").withWidth(0.125).withBias(false).withBatchNorm(false);
    List<String> args = new ArrayList<>(List.of("fuse", "--arch", "vgg11"));
    for (int seed = 0; seed < 4; seed++) {
      args.add("--model");
      args.add(save(Initialization.pytorchDefault(Architectures.build(spec), seed), dir, "v" + seed + ".safetensors"));
    }
    String out = dir.resolve("fused.safetensors").toString();
    args.addAll(List.of("--target", "2", "--refine", "2", "--out", out, "--json"));
    CliTest.Run r = CliTest.run(args.toArray(new String[0]));
    assertEquals(0, r.code(), r.err());
    JsonNode j = CliTest.JSON.readTree(r.out());
    assertEquals(2, j.get("target").asInt());
    StateDict fused = Safetensors.read(out);
    assertArrayEquals(new long[] {8, 3, 3, 3}, fused.get("features.0.weight").shape());
    assertTrue(j.get("layers").size() >= 3 * 8, "reports for 3 aligned models x 8 conv groups");
  }

  @Test
  void compressHalvesEveryHiddenGroup(@TempDir Path dir) throws Exception {
    Network net = Initialization.pytorchDefault(Architectures.build(ArchSpec.cifar("vgg11").withWidth(0.125)), 5);
    String model = save(net, dir, "v.safetensors");
    for (String method : new String[] {"ot", "magnitude"}) {
      String out = dir.resolve(method + ".safetensors").toString();
      CliTest.Run r = CliTest.run("compress", "--arch", "vgg11", "--model", model, "--width-factor", "0.5",
          "--method", method, "--out", out, "--json");
      assertEquals(0, r.code(), r.err());
      StateDict small = Safetensors.read(out);
      assertArrayEquals(new long[] {4, 3, 3, 3}, small.get("features.0.weight").shape(), method);
      assertArrayEquals(new long[] {10, 32}, small.get("classifier.weight").shape(), method);
      Network loaded = org.otfuse.core.graph.ArchResolver.load("vgg11", org.otfuse.core.graph.ArchResolver.Told.NOTHING,
          small);
      assertEquals(10, loaded.numClasses());
    }
  }

  /**
   * {@code eval} pads 28x28 MNIST to a 32x32 VGG's input as {@code train} does, and refuses a
   * network whose channels do not match the images, naming both shapes.
   */
  @Test
  void evalPadsImagesToTheNetworkInputAndRefusesOtherChannels(@TempDir Path dir) throws Exception {
    String data = Path.of(org.otfuse.core.testing.Fixtures.path("mnist/t10k-images-idx3-ubyte.gz")).getParent()
        .toString();
    Network gray = Initialization.pytorchDefault(
        Architectures.build(ArchSpec.cifar("vgg11").withWidth(0.125).withInputShape(1, 32, 32)), 5);
    String model = save(gray, dir, "gray.safetensors");
    CliTest.Run r = CliTest.run("eval", "--arch", "vgg11", "--input-shape", "1,32,32", "--model", model,
        "--dataset", "mnist", "--data-dir", data, "--json");
    assertEquals(0, r.code(), r.err());
    JsonNode j = CliTest.JSON.readTree(r.out());
    assertEquals(10000, j.get("n").asInt());
    double acc = j.get("accuracy").asDouble();
    assertTrue(acc >= 0 && acc <= 100, r.out());
    Network rgb = Initialization.pytorchDefault(Architectures.build(ArchSpec.cifar("vgg11").withWidth(0.125)), 5);
    CliTest.Run bad = CliTest.run("eval", "--arch", "vgg11", "--model", save(rgb, dir, "rgb.safetensors"),
        "--dataset", "mnist", "--data-dir", data);
    assertTrue(bad.code() != 0, bad.out());
    assertTrue(bad.err().contains("[1, 28, 28]") || bad.err().contains("[1, 32, 32]"), bad.err());
    assertTrue(bad.err().contains("[3, 32, 32]"), bad.err());
  }

  @Test
  void hoconArchitectureFileDescribesASequentialNetwork(@TempDir Path dir) throws Exception {
    Path conf = dir.resolve("tiny.conf");
    Files.writeString(conf, String.join("\n",
        "name = tiny",
        "input = [1, 8, 8]",
        "layers = [",
        "  { type = conv, name = c1, out = 4, kernel = 3, padding = 1 }",
        "  { type = batchnorm, name = bn1 }",
        "  { type = relu }",
        "  { type = maxpool, kernel = 2 }",
        "  { type = flatten }",
        "  { type = linear, name = fc, out = 3 }",
        "]"));
    Network net = Initialization.pytorchDefault(Architectures.build(ArchSpec.cifar(conf.toString())), 2);
    assertArrayEquals(new long[] {3, 64}, net.param("fc.weight").shape());
    String a = save(net, dir, "a.safetensors");
    String b = save(Initialization.pytorchDefault(net.graph(), 3), dir, "b.safetensors");
    CliTest.Run r = CliTest.run("fuse", "--arch", conf.toString(), "--model", a, "--model", b, "--out",
        dir.resolve("f.safetensors").toString());
    assertEquals(0, r.code(), r.err());
    CliTest.Run bad = CliTest.run("fuse", "--arch", "vgg11", "--model", a, "--model", b, "--out",
        dir.resolve("g.safetensors").toString());
    assertEquals(2, bad.code());
    assertTrue(bad.err().contains("features.0.weight"), bad.err());
  }
}
