package org.otfuse.core.fusion;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.otfuse.core.graph.ArchSpec;
import org.otfuse.core.graph.Architectures;
import org.otfuse.core.graph.Graph;
import org.otfuse.core.graph.Initialization;
import org.otfuse.core.graph.Network;
import org.otfuse.core.graph.NeuronGroups;
import org.otfuse.core.graph.Node;
import org.otfuse.core.graph.Op;
import org.otfuse.core.io.StateDict;
import org.otfuse.core.ot.CostNormalization;
import org.otfuse.core.ot.GroundMetric;
import org.otfuse.core.testing.Tolerance;

/**
 * The invariance of the issue: for VGG11 (with and without bias and BatchNorm) and ResNet18 (with
 * BatchNorm), fusing a model with randomly neuron-permuted copies of itself, in both modes, exact
 * and Sinkhorn with a small reg, gives back the original function (logits within 1e-4).
 */
public class GraphPermutationInvarianceTest {
  static final Tolerance LOGITS = Tolerance.absolute(1e-4);

  static Stream<Arguments> cases() {
    List<Arguments> out = new ArrayList<>();
    ArchSpec vgg = ArchSpec.cifar("vgg11").withWidth(0.125).withInputShape(3, 32, 32);
    ArchSpec resnet = ArchSpec.cifar("resnet18").withWidth(0.125).withInputShape(3, 16, 16);
    List<ArchSpec> specs = List.of(vgg, vgg.withBias(false).withBatchNorm(false), vgg.withBias(false), resnet);
    for (ArchSpec s : specs) {
      for (FusionMode mode : FusionMode.values()) {
        for (SolverKind solver : SolverKind.values()) {
          out.add(Arguments.of(s, mode, solver, 2));
        }
      }
    }
    out.add(Arguments.of(vgg, FusionMode.WEIGHTS, SolverKind.EXACT, 4));
    out.add(Arguments.of(resnet, FusionMode.ACTIVATIONS, SolverKind.EXACT, 4));
    return out.stream();
  }

  @ParameterizedTest(name = "{0} {1} {2} K={3}")
  @MethodSource("cases")
  void fusingPermutedCopiesGivesBackTheSameFunction(ArchSpec spec, FusionMode mode, SolverKind solver, int k) {
    Network net = randomized(Initialization.pytorchDefault(Architectures.build(spec), 17), 23);
    Random rng = new Random(31);
    List<Network> models = new ArrayList<>();
    models.add(net);
    for (int i = 1; i < k; i++) {
      models.add(permuted(net, rng));
    }
    long[] in = spec.inputShape();
    INDArray samples = Nd4j.randn(3L, new long[] {24, in[0], in[1], in[2]}).castTo(DataType.FLOAT);
    FusionOptions o = FusionOptions.defaults().withMode(mode).withSolver(solver, 1e-3)
        .withSinkhornStopping(1e-9, 200_000).withCost(GroundMetric.EUCLIDEAN, CostNormalization.MAX);
    INDArray x = Nd4j.randn(5L, new long[] {6, in[0], in[1], in[2]}).castTo(DataType.FLOAT);
    INDArray expected = net.logits(x);
    for (int target : new int[] {0, k - 1}) {
      GraphFusion.Result r = GraphFusion.fuse(models, target, o, samples);
      LOGITS.assertClose(expected, r.fused().logits(x), spec.name() + " " + mode + " " + solver + " target " + target);
    }
  }

  /**
   * Random BatchNorm statistics and affine parameters, so that BatchNorm is not the identity: for
   * every BatchNorm module of the graph ({@link Op.BatchNorm} nodes: VGG's {@code features.N}, ResNet's
   * {@code bn1}, {@code layerX.Y.bnZ} and {@code layerX.Y.shortcut.1}), weight and running_var uniform
   * in [0.5, 1.5), bias and running_mean uniform in [-0.2, 0.2), drawn from {@code seed} alone
   * (module by module in graph order). Other tensors are kept. Not modified: {@code net}.
   */
  public static Network randomized(Network net, long seed) {
    Random rng = new Random(seed);
    Map<String, INDArray> p = new LinkedHashMap<>(net.params().asMap());
    Set<String> modules = new LinkedHashSet<>();
    for (Node node : net.graph().nodes()) {
      if (node.op() instanceof Op.BatchNorm bn) {
        modules.add(bn.module());
      }
    }
    for (String module : modules) {
      for (String vector : Graph.BATCHNORM_VECTORS) {
        String name = module + "." + vector;
        INDArray t = p.get(name);
        boolean scale = vector.equals("weight") || vector.equals("running_var");
        double[] v = new double[Math.toIntExact(t.length())];
        for (int i = 0; i < v.length; i++) {
          v[i] = scale ? 0.5 + rng.nextDouble() : (rng.nextDouble() - 0.5) * 0.4;
        }
        p.put(name, Nd4j.createFromArray(v).reshape(t.shape()).castTo(t.dataType()));
      }
    }
    return net.withParams(StateDict.of(null, p));
  }

  /** The same function with the neurons of every hidden group randomly permuted. */
  public static Network permuted(Network net, Random rng) {
    NeuronGroups groups = NeuronGroups.of(net.graph());
    Map<Integer, INDArray> plans = new HashMap<>();
    for (NeuronGroups.Group g : groups.groups()) {
      if (g.kind() != NeuronGroups.Kind.HIDDEN) {
        plans.put(g.id(), null);
        continue;
      }
      int[] perm = PermutationInvarianceTest.shuffle(g.size(), rng);
      INDArray p = Nd4j.zeros(DataType.DOUBLE, g.size(), g.size());
      for (int i = 0; i < perm.length; i++) {
        p.putScalar(i, perm[i], 1.0);
      }
      plans.put(g.id(), p);
    }
    return GraphFusion.applyPlans(net, net, groups, plans, plans);
  }
}
