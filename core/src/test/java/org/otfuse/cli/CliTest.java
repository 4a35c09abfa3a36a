package org.otfuse.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.otfuse.core.io.Npy;
import org.otfuse.core.io.Safetensors;
import org.otfuse.core.io.StateDict;
import org.otfuse.core.testing.Fixtures;
import org.otfuse.core.testing.Tolerance;
import picocli.CommandLine;

/** The command-line contract: flags, JSON fields, golden numbers, error messages. */
class CliTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final Tolerance EXACT_COST = Tolerance.relative(1e-9);
  static final Tolerance SINKHORN_COST = Tolerance.relative(1e-6);

  record Run(int code, String out, String err) {}

  static Run run(String... args) {
    CommandLine cl = Main.commandLine();
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    cl.setOut(new PrintWriter(out));
    cl.setErr(new PrintWriter(err));
    int code = cl.execute(args);
    return new Run(code, out.toString(), err.toString());
  }

  static Stream<JsonNode> cases() throws Exception {
    JsonNode root = JSON.readTree(Path.of(Fixtures.path("ot/ot_solver_results.json")).toFile());
    return Stream.of(root.get("cases")).flatMap(c -> {
      JsonNode[] arr = new JsonNode[c.size()];
      for (int i = 0; i < c.size(); i++) {
        arr[i] = c.get(i);
      }
      // Larger cases in the json carry timings only; the ones with files are the golden cases.
      return Arrays.stream(arr).filter(x -> x.has("fixture_files"));
    });
  }

  static String[] files(JsonNode c) {
    String name = c.get("name").asText();
    return new String[] {"--cost", Fixtures.path("ot/" + name + "_C.npy"), "--a", Fixtures.path("ot/" + name + "_a.npy"),
        "--b", Fixtures.path("ot/" + name + "_b.npy")};
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void otReproducesEverySharedPotCase(JsonNode c) throws Exception {
    String[] f = files(c);
    Run exact = run("ot", f[0], f[1], f[2], f[3], f[4], f[5], "--solver", "exact", "--json");
    assertEquals(0, exact.code(), exact.err());
    JsonNode e = JSON.readTree(exact.out());
    EXACT_COST.assertClose(c.get("emd_cost").asDouble(), e.get("cost").asDouble(), c.get("name") + " exact cost");
    assertTrue(e.get("row_error").asDouble() <= 1e-9 && e.get("col_error").asDouble() <= 1e-9, exact.out());
    assertTrue(e.get("seconds").asDouble() >= 0);

    double tol = 1e-10;
    Run sk = run("ot", f[0], f[1], f[2], f[3], f[4], f[5], "--solver", "sinkhorn", "--reg",
        c.get("sinkhorn_reg").asText(), "--tol", Double.toString(tol), "--json");
    assertEquals(0, sk.code(), sk.err());
    JsonNode s = JSON.readTree(sk.out());
    SINKHORN_COST.assertClose(c.get("sinkhorn_cost").asDouble(), s.get("cost").asDouble(), c.get("name") + " sinkhorn cost");
    assertTrue(s.get("row_error").asDouble() <= tol && s.get("col_error").asDouble() <= tol, sk.out());
  }

  @Test
  void otWritesThePlan(@TempDir Path dir) throws Exception {
    JsonNode c = cases().findFirst().orElseThrow();
    String[] f = files(c);
    String out = dir.resolve("T.npy").toString();
    Run r = run("ot", f[0], f[1], f[2], f[3], f[4], f[5], "--out", out, "--json");
    assertEquals(0, r.code(), r.err());
    INDArray t = Npy.read(out);
    INDArray cost = Npy.read(f[1]);
    EXACT_COST.assertClose(c.get("emd_cost").asDouble(), t.mul(cost).sumNumber().doubleValue(), "plan . cost");
  }

  @Test
  void fuseThenEvalReproducesTheReferenceOnMnist(@TempDir Path dir) throws Exception {
    String m0 = Fixtures.path("otfusion-mnist/checkpoints/model_0/final.checkpoint");
    String m1 = Fixtures.path("otfusion-mnist/checkpoints/model_1/final.checkpoint");
    String data = Path.of(Fixtures.path("mnist/t10k-images-idx3-ubyte.gz")).getParent().toString();
    String out = dir.resolve("fused.safetensors").toString();
    Run fuse = run("fuse", "--arch", "mlpnet", "--model", m0, "--model", m1, "--mode", "weights", "--solver", "exact",
        "--ground-metric", "euclidean", "--out", out, "--json");
    assertEquals(0, fuse.code(), fuse.err());
    JsonNode summary = JSON.readTree(fuse.out());
    assertEquals(1, summary.get("target").asInt());
    assertEquals("fc1", summary.get("layers").get(0).get("layer").asText());
    StateDict fused = Safetensors.read(out);
    assertEquals(java.util.List.of("fc1.weight", "fc2.weight", "fc3.weight", "fc4.weight"), java.util.List.copyOf(fused.names()));
    INDArray golden = Npy.read(Fixtures.path("otfusion-mnist/wts_exact/fused_fc2.weight.npy")).castTo(DataType.DOUBLE);
    double rel = fused.get("fc2.weight").castTo(DataType.DOUBLE).sub(golden).norm2Number().doubleValue()
        / golden.norm2Number().doubleValue();
    assertTrue(rel < 1e-4, "fc2 relative error " + rel);

    Run eval = run("eval", "--arch", "mlpnet", "--model", out, "--dataset", "mnist", "--data-dir", data, "--json");
    assertEquals(0, eval.code(), eval.err());
    Tolerance.absolute(0.05).assertClose(95.58, JSON.readTree(eval.out()).get("accuracy").asDouble(), "fused accuracy");
    Run ens = run("eval", "--arch", "mlpnet", "--model", m0, "--model", m1, "--ensemble", "--dataset", "mnist",
        "--data-dir", data, "--json");
    assertEquals(0, ens.code(), ens.err());
    Tolerance.absolute(0.05).assertClose(97.88, JSON.readTree(ens.out()).get("accuracy").asDouble(), "ensemble");
    String van = dir.resolve("vanilla.safetensors").toString();
    assertEquals(0, run("fuse", "--arch", "mlpnet", "--model", m0, "--model", m1, "--vanilla", "--out", van).code());
    Run vanEval = run("eval", "--arch", "mlpnet", "--model", van, "--dataset", "mnist", "--data-dir", data, "--json");
    Tolerance.absolute(0.05).assertClose(73.84, JSON.readTree(vanEval.out()).get("accuracy").asDouble(), "vanilla");
  }

  @Test
  void unknownArchitectureIsAClearError() {
    Run r = run("eval", "--arch", "resnet9000", "--model", "x.pt", "--data-dir", ".");
    assertEquals(2, r.code());
    assertTrue(r.err().contains("unknown architecture 'resnet9000'") && r.err().contains("mlpnet"), r.err());
  }

  @Test
  void corruptCheckpointNamesTheFile(@TempDir Path dir) throws Exception {
    byte[] good = Files.readAllBytes(Path.of(Fixtures.path("otfusion-mnist/checkpoints/model_0/final.checkpoint")));
    Path bad = dir.resolve("broken.checkpoint");
    Files.write(bad, Arrays.copyOf(good, good.length / 2));
    Run r = run("fuse", "--arch", "mlpnet", "--model", bad.toString(), "--model", bad.toString(), "--out",
        dir.resolve("f.safetensors").toString());
    assertEquals(2, r.code());
    assertTrue(r.err().contains(bad.toString()), r.err());
    assertTrue(!Files.exists(dir.resolve("f.safetensors")), "nothing written on failure");
  }

  @Test
  void mismatchedShapesNameTheTensor(@TempDir Path dir) throws Exception {
    String m0 = Fixtures.path("otfusion-mnist/checkpoints/model_0/final.checkpoint");
    Run r = run("fuse", "--arch", "mlpnet", "--widths", "400,300,100", "--model", m0, "--model", m0, "--out",
        dir.resolve("f.safetensors").toString());
    assertEquals(2, r.code());
    assertTrue(r.err().contains("fc2.weight") && r.err().contains("300"), r.err());
  }
}
