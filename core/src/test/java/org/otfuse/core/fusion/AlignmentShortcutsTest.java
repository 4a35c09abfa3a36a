package org.otfuse.core.fusion;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.otfuse.core.graph.ArchSpec;
import org.otfuse.core.graph.Architectures;
import org.otfuse.core.graph.Initialization;
import org.otfuse.core.graph.Network;
import org.otfuse.core.graph.NeuronGroups;

/**
 * {@link GraphFusion#align} takes shortcuts: permutation plans are prepared once (and rescaled to
 * ones in place when corrected), and the input-aligned weights built for the weights-mode cost are
 * finished by the output plans instead of being transported again. The aligned model must be, bit
 * for bit, what the generic {@link GraphFusion#transport} makes of the same plans, and {@link
 * GraphFusion#weightedAverage} (BLAS axpy) must equal the sum it stands for.
 */
class AlignmentShortcutsTest {

  static Stream<Arguments> cases() {
    ArchSpec vgg = ArchSpec.cifar("vgg11").withWidth(0.125).withInputShape(3, 32, 32);
    ArchSpec resnet = ArchSpec.cifar("resnet18").withWidth(0.125).withInputShape(3, 16, 16);
    return Stream.of(
        Arguments.of(vgg, SolverKind.EXACT, true, true, DataType.FLOAT),
        Arguments.of(vgg, SolverKind.EXACT, true, true, DataType.DOUBLE),
        Arguments.of(resnet, SolverKind.SINKHORN, false, true, DataType.DOUBLE),
        Arguments.of(vgg, SolverKind.EXACT, false, false, DataType.FLOAT),
        Arguments.of(vgg, SolverKind.EXACT, true, false, DataType.FLOAT),
        Arguments.of(vgg.withBias(false).withBatchNorm(false), SolverKind.EXACT, true, true, DataType.FLOAT),
        Arguments.of(resnet, SolverKind.EXACT, true, true, DataType.FLOAT),
        Arguments.of(resnet, SolverKind.SINKHORN, true, true, DataType.FLOAT),
        Arguments.of(vgg, SolverKind.SINKHORN, false, true, DataType.FLOAT));
  }

  @ParameterizedTest(name = "{0} {1} correction={2} past={3} {4}")
  @MethodSource("cases")
  void alignedModelEqualsTheGenericTransportOfItsPlans(ArchSpec spec, SolverKind solver, boolean correction,
      boolean past, DataType type) {
    Network source = cast(Initialization.pytorchDefault(Architectures.build(spec), 3), type);
    Network target = cast(Initialization.pytorchDefault(Architectures.build(spec), 4), type);
    FusionOptions o = FusionOptions.defaults().withSolver(solver, 0.05).withCorrection(correction, past);
    GraphFusion.Alignment a = GraphFusion.align(source, target, o, null);
    NeuronGroups sg = NeuronGroups.of(source.graph());
    boolean sawPermutation = false;
    for (INDArray plan : a.plans().values()) {
      if (plan != null && PlanAlgebra.prepare(plan).isPermutation()) {
        sawPermutation = true;
        double expected = correction ? 1.0 : 1.0 / plan.rows();
        assertEquals(plan.rows() * expected, plan.sumNumber().doubleValue(), 1e-12, "permutation plan mass");
      }
    }
    assertEquals(solver == SolverKind.EXACT, sawPermutation, "exact OT on square groups gives permutations");
    // the generic path: every axis transported from the source's own parameters
    Map<String, INDArray> generic = GraphFusion.transport(source, sg, a.plans(), past ? a.inPlans() : Map.of());
    for (String name : source.params().names()) {
      INDArray want = generic.get(name);
      INDArray got = a.aligned().param(name);
      assertArrayEquals(want.shape(), got.shape(), name);
      assertArrayEquals(want.dup('c').data().asDouble(), got.dup('c').data().asDouble(), 0.0, name);
    }
    // the weighted average is the plain sum w_0 P_0 + w_1 P_1
    Network avg = GraphFusion.weightedAverage(target, List.of(target, a.aligned()), new double[] {0.3, 0.7});
    for (String name : target.params().names()) {
      INDArray t = target.param(name);
      if (!t.dataType().isFPType()) {
        continue;
      }
      INDArray want = t.castTo(DataType.DOUBLE).mul(0.3).addi(a.aligned().param(name).castTo(DataType.DOUBLE).mul(0.7));
      INDArray got = avg.param(name).castTo(DataType.DOUBLE);
      double err = got.sub(want).amaxNumber().doubleValue();
      assertTrue(err <= 1e-6 * Math.max(1, want.amaxNumber().doubleValue()), name + ": max error " + err);
      assertEquals(t.dataType(), avg.param(name).dataType(), name);
    }
  }

  /**
   * In activations mode {@code fuse} computes the target's activations once for every source (and
   * once per refinement round for the fused model): the result equals aligning each model on its
   * own with the public {@code align} and averaging, round by round.
   */
  @org.junit.jupiter.api.Test
  void activationFusionWithTheTargetsActivationsSharedEqualsSeparateAlignments() {
    ArchSpec spec = ArchSpec.cifar("vgg11").withWidth(0.125).withInputShape(3, 16, 16);
    List<Network> models = List.of(Initialization.pytorchDefault(Architectures.build(spec), 5),
        Initialization.pytorchDefault(Architectures.build(spec), 6),
        Initialization.pytorchDefault(Architectures.build(spec), 7));
    INDArray samples = org.nd4j.linalg.factory.Nd4j.randn(9L, new long[] {16, 3, 16, 16}).castTo(DataType.FLOAT);
    FusionOptions o = FusionOptions.defaults().withMode(FusionMode.ACTIVATIONS);
    GraphFusion.Result r = GraphFusion.fuse(models, 1, o, samples, null, 1);
    double[] w = GraphFusion.modelWeights(3, 1, o.ensembleStep(), null);
    List<Network> aligned = new java.util.ArrayList<>();
    for (int k = 0; k < 3; k++) {
      aligned.add(k == 1 ? models.get(1) : GraphFusion.align(models.get(k), models.get(1), o, samples).aligned());
    }
    Network fused = GraphFusion.weightedAverage(models.get(1), aligned, w);
    List<Network> again = new java.util.ArrayList<>();
    for (int k = 0; k < 3; k++) {
      again.add(GraphFusion.align(models.get(k), fused, o, samples).aligned());
    }
    Network want = GraphFusion.weightedAverage(fused, again, w);
    for (String name : want.params().names()) {
      assertArrayEquals(want.param(name).dup('c').data().asDouble(), r.fused().param(name).dup('c').data().asDouble(),
          0.0, name);
    }
  }

  /** The network with its floating-point parameters in {@code type}. */
  private static Network cast(Network net, DataType type) {
    java.util.Map<String, INDArray> p = new java.util.LinkedHashMap<>();
    for (String name : net.params().names()) {
      INDArray t = net.param(name);
      p.put(name, t.dataType().isFPType() ? t.castTo(type) : t);
    }
    return net.withParams(org.otfuse.core.io.StateDict.of(null, p));
  }
}
