package org.otfuse.core.fusion;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.otfuse.core.graph.ArchSpec;
import org.otfuse.core.graph.Architectures;
import org.otfuse.core.graph.Initialization;
import org.otfuse.core.graph.Network;
import org.otfuse.core.testing.Tolerance;

/** Compression over neuron groups: factor 1 keeps the function; other factors give the narrower graph. */
class GraphCompressionTest {

  static Stream<ArchSpec> specs() {
    ArchSpec vgg = ArchSpec.cifar("vgg11").withWidth(0.125);
    return Stream.of(ArchSpec.cifar("mlpnet").withInputShape(784).withHidden(24, 16, 12).withBias(true),
        vgg, vgg.withBias(false).withBatchNorm(false), ArchSpec.cifar("resnet18").withWidth(0.125).withInputShape(3, 16, 16));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("specs")
  void factorOneKeepsTheFunction(ArchSpec spec) {
    Network net = GraphPermutationInvarianceTest.randomized(
        Initialization.pytorchDefault(Architectures.build(spec), 41), 43);
    Network same = Compression.compress(net, 1.0, FusionOptions.defaults()).compressed();
    long[] in = spec.inputShape();
    long[] shape = new long[in.length + 1];
    shape[0] = 5;
    System.arraycopy(in, 0, shape, 1, in.length);
    INDArray x = Nd4j.randn(7L, shape).castTo(DataType.FLOAT);
    Tolerance.absolute(1e-4).assertClose(net.logits(x), same.logits(x), spec.name() + " compressed at factor 1");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("specs")
  void halfWidthGivesTheNarrowerArchitecture(ArchSpec spec) {
    Network net = Initialization.pytorchDefault(Architectures.build(spec), 3);
    Network ot = Compression.compress(net, 0.5, FusionOptions.defaults()).compressed();
    Network pruned = Compression.pruneByMagnitude(net, 0.5);
    for (Network small : new Network[] {ot, pruned}) {
      for (String name : net.params().names()) {
        long[] big = net.param(name).shape();
        long[] got = small.param(name).shape();
        assertEquals(big.length, got.length, name);
        for (int d = 0; d < big.length; d++) {
          boolean classes = name.startsWith("classifier") || name.startsWith("linear") || name.startsWith("fc4");
          boolean input = d == 1 && (name.equals("features.0.weight") || name.equals("conv1.weight") || name.equals("fc1.weight"));
          long expected = (d == 0 && classes) || input || (d >= 2) ? big[d] : Math.max(1, Math.round(big[d] * 0.5));
          assertEquals(expected, got[d], name + " axis " + d);
        }
      }
    }
    assertArrayEquals(new long[] {spec.numClasses()}, new long[] {ot.numClasses()});
  }
}
