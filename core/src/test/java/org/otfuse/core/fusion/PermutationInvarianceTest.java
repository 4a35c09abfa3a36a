package org.otfuse.core.fusion;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.otfuse.core.model.DenseLayer;
import org.otfuse.core.model.MlpNet;
import org.otfuse.core.testing.Tolerance;
import org.otfuse.core.train.MlpTrainer;

/**
 * Fusing a model with randomly neuron-permuted copies of itself gives back the same function,
 * in both modes, with exact OT and with Sinkhorn at a small regularisation.
 */
class PermutationInvarianceTest {
  /** float32 forward passes of the same function through permuted weights. */
  static final Tolerance LOGITS = Tolerance.absolute(1e-4);

  static List<Arguments> settings() {
    List<Arguments> out = new ArrayList<>();
    for (FusionMode mode : FusionMode.values()) {
      for (boolean bias : new boolean[] {false, true}) {
        out.add(Arguments.of(mode, SolverKind.EXACT, bias, 2));
        out.add(Arguments.of(mode, SolverKind.SINKHORN, bias, 2));
      }
      out.add(Arguments.of(mode, SolverKind.EXACT, true, 4));
    }
    return out;
  }

  @ParameterizedTest(name = "{0} {1} bias={2} K={3}")
  @MethodSource("settings")
  void fusingPermutedCopiesGivesBackTheSameFunction(FusionMode mode, SolverKind solver, boolean bias, int k) {
    MlpNet net = MlpTrainer.initialize(20, new int[] {16, 12, 8, 5}, bias, 7);
    Random rng = new Random(11);
    List<MlpNet> models = new ArrayList<>();
    models.add(net);
    for (int i = 1; i < k; i++) {
      models.add(permuted(net, rng));
    }
    INDArray samples = Nd4j.randn(new Random(3).nextLong(), new long[] {64, 20}).castTo(DataType.FLOAT);
    // Sinkhorn's reg is relative to the cost scale; at reg 1e-3 the plan is a permutation to ~1e-6.
    FusionOptions o = FusionOptions.defaults().withMode(mode).withSolver(solver, 1e-3)
        .withSinkhornStopping(1e-12, 1_000_000).withCost(org.otfuse.core.ot.GroundMetric.EUCLIDEAN,
            org.otfuse.core.ot.CostNormalization.MAX);
    for (int target = 0; target < k; target += Math.max(1, k - 1)) {
      OtFusion.Result r = OtFusion.fuse(models, target, o, samples);
      INDArray x = Nd4j.randn(new Random(5).nextLong(), new long[] {32, 20}).castTo(DataType.FLOAT);
      LOGITS.assertClose(net.forward(x, true).pre().get(net.depth() - 1),
          r.fused().forward(x, true).pre().get(net.depth() - 1), mode + " " + solver + " target " + target);
    }
  }

  /** The same function with every hidden layer's neurons randomly permuted. */
  static MlpNet permuted(MlpNet net, Random rng) {
    List<DenseLayer> layers = new ArrayList<>();
    int[] prev = null;
    for (int l = 0; l < net.depth(); l++) {
      DenseLayer layer = net.layer(l);
      INDArray w = layer.weight();
      INDArray b = layer.bias();
      if (prev != null) {
        w = w.getColumns(prev);
      }
      int[] perm = null;
      if (l < net.depth() - 1) {
        perm = shuffle(layer.outputs(), rng);
        w = w.getRows(perm);
        b = b == null ? null : b.get(Nd4j.createFromArray(perm));
      }
      layers.add(new DenseLayer(layer.name(), w.dup(), b == null ? null : b.dup()));
      prev = perm;
    }
    return net.withLayers(layers);
  }

  static int[] shuffle(int n, Random rng) {
    int[] p = new int[n];
    for (int i = 0; i < n; i++) {
      p[i] = i;
    }
    for (int i = n - 1; i > 0; i--) {
      int j = rng.nextInt(i + 1);
      int t = p[i];
      p[i] = p[j];
      p[j] = t;
    }
    return p;
  }
}
