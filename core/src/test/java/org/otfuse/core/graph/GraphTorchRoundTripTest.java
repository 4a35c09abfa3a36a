package org.otfuse.core.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.otfuse.core.fusion.FusionOptions;
import org.otfuse.core.fusion.GraphFusion;
import org.otfuse.core.io.Checkpoints;
import org.otfuse.core.io.Npy;
import org.otfuse.core.io.Safetensors;
import org.otfuse.core.testing.Tolerance;

/**
 * Real-format round trip with PyTorch (Debian's python3-torch, run by
 * src/test/resources/graph/torch_reference.py): state_dicts saved by PyTorch in the zip and the
 * legacy format load into the built-in architectures and give PyTorch's logits; a fused model
 * written as safetensors loads back in PyTorch with {@code load_state_dict(strict=True)} and gives
 * otfuse's logits. Skipped, with a message, where python3-torch is absent (CI installs it).
 */
class GraphTorchRoundTripTest {
  static final Tolerance LOGITS = Tolerance.absolute(1e-4);
  static final String PYTHON = System.getenv().getOrDefault("OTFUSE_PYTHON", "/usr/bin/python3");

  @BeforeAll
  static void torchPresent() throws Exception {
    assumeTrue(Files.isExecutable(Path.of(PYTHON)), PYTHON + " not found: skipping the PyTorch round trip");
    Process p = new ProcessBuilder(PYTHON, "-c", "import torch").redirectErrorStream(true).start();
    assumeTrue(p.waitFor(120, TimeUnit.SECONDS) && p.exitValue() == 0,
        "python3-torch is not installed for " + PYTHON + ": skipping the PyTorch round trip (apt-get install python3-torch)");
  }

  static Stream<Arguments> cases() {
    List<Arguments> out = new ArrayList<>();
    out.add(Arguments.of("vgg11", 0.25, true, true));
    out.add(Arguments.of("vgg11", 0.25, false, false));
    out.add(Arguments.of("resnet18", 0.25, true, true));
    return out.stream();
  }

  @ParameterizedTest(name = "{0} width {1} bias={2} bn={3}")
  @MethodSource("cases")
  void pytorchCheckpointsGiveTorchLogitsAndFusedModelsLoadBack(String arch, double width, boolean bias, boolean bn,
      @TempDir Path dir) throws Exception {
    ArchSpec spec = ArchSpec.cifar(arch).withWidth(width).withBias(bias).withBatchNorm(bn);
    List<Network> nets = new ArrayList<>();
    for (int seed = 0; seed < 2; seed++) {
      Path d = Files.createDirectories(dir.resolve("m" + seed));
      python(List.of("make", "--arch", arch, "--width", "" + width, "--bias", bias ? "1" : "0", "--bn", bn ? "1" : "0",
          "--seed", "" + seed, "--out", d.toString()));
      INDArray x = Npy.read(d.resolve("x.npy").toString());
      INDArray expected = Npy.read(d.resolve("logits.npy").toString());
      for (String f : new String[] {"model_zip.pt", "model_legacy.pt"}) {
        Network net = Network.of(Architectures.build(spec), Checkpoints.read(d.resolve(f).toString()));
        LOGITS.assertClose(expected, net.logits(x), arch + " " + f + " logits vs PyTorch");
        if (f.equals("model_zip.pt")) {
          nets.add(net);
        }
      }
    }
    GraphFusion.Result fused = GraphFusion.fuse(nets, 1, FusionOptions.defaults(), null);
    String st = dir.resolve("fused.safetensors").toString();
    Safetensors.write(fused.fused().params(), st, Map.of());
    String x = dir.resolve("m0/x.npy").toString();
    String out = dir.resolve("fused_logits.npy").toString();
    python(List.of("check", "--arch", arch, "--width", "" + width, "--bias", bias ? "1" : "0", "--bn", bn ? "1" : "0",
        "--weights", st, "--input", x, "--out", out));
    LOGITS.assertClose(fused.fused().logits(Npy.read(x)), Npy.read(out), arch + " fused logits: otfuse vs PyTorch");
  }

  static void python(List<String> args) throws IOException, InterruptedException {
    Path script = Path.of(org.otfuse.core.testing.Fixtures.path("../graph/torch_reference.py"));
    List<String> cmd = new ArrayList<>(List.of(PYTHON, script.toString()));
    cmd.addAll(args);
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String log = new String(p.getInputStream().readAllBytes());
    assertEquals(0, p.waitFor(), "torch_reference.py " + args + " failed:\n" + log);
  }
}
