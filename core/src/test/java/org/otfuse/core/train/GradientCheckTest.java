package org.otfuse.core.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.otfuse.core.graph.Graph;
import org.otfuse.core.graph.Initialization;
import org.otfuse.core.graph.Network;
import org.otfuse.core.graph.Op;
import org.otfuse.core.testing.Tolerance;

/**
 * Every op's backward pass against central finite differences of the mean cross-entropy, in
 * float64: each op sits between parameterised layers so that the gradient of every parameter
 * element flows through it. Step {@value #H}: truncation error O(H^2) ~ 1e-12 and round-off
 * ~ 1e-16/H ~ 1e-10, so {@link #TOL} (1e-7 absolute + 1e-5 relative) has two orders of margin.
 */
class GradientCheckTest {
  private static final double H = 1e-6;
  private static final Tolerance TOL = new Tolerance(1e-7, 1e-5);
  private static final int N = 4;

  static Stream<Arguments> graphs() {
    return Stream.of(
        Arguments.of("linear+relu", (Function<Graph.Builder, String>) b -> {
          String x = b.flatten(b.input());
          x = b.relu(b.linear(x, "fc1", 7, true));
          return b.linear(x, "fc2", 3, false);
        }),
        Arguments.of("conv(bias, pad 1)+maxpool", (Function<Graph.Builder, String>) b -> {
          String x = b.conv(b.input(), "c1", 3, 3, 1, 1, true);
          x = b.maxPool(x, 2, 2, 0);
          return b.linear(b.flatten(x), "fc", 3, true);
        }),
        Arguments.of("conv(stride 2, no bias)+avgpool(3,1,1)", (Function<Graph.Builder, String>) b -> {
          String x = b.conv(b.input(), "c1", 4, 3, 2, 0, false);
          x = b.avgPool(x, 3, 1, 1);
          x = b.conv(x, "c2", 2, 1, 1, 0, true);
          return b.linear(b.flatten(x), "fc", 3, true);
        }),
        Arguments.of("batchnorm2d (training) + relu + avgpool(2,2)", (Function<Graph.Builder, String>) b -> {
          String x = b.conv(b.input(), "c1", 3, 3, 1, 1, false);
          x = b.relu(b.batchNorm(x, "bn1"));
          x = b.avgPool(x, 2, 2, 0);
          return b.linear(b.flatten(x), "fc", 3, true);
        }),
        Arguments.of("batchnorm1d (training)", (Function<Graph.Builder, String>) b -> {
          String x = b.linear(b.flatten(b.input()), "fc1", 5, true);
          x = b.relu(b.batchNorm(x, "bn1"));
          return b.linear(x, "fc2", 3, true);
        }),
        Arguments.of("residual add + adaptive avgpool", (Function<Graph.Builder, String>) b -> {
          String s = b.conv(b.input(), "stem", 3, 3, 1, 1, false);
          String y = b.relu(b.conv(s, "c1", 3, 3, 1, 1, true));
          y = b.conv(y, "c2", 3, 3, 1, 1, true);
          String x = b.relu(b.add(y, s));
          x = b.adaptiveAvgPool(x);
          return b.linear(b.flatten(x), "fc", 3, true);
        }));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("graphs")
  void backwardMatchesFiniteDifferences(String what, Function<Graph.Builder, String> body) {
    Graph.Builder b = new Graph.Builder("gc", 2, 6, 6);
    Graph g = b.build(body.apply(b));
    Map<String, INDArray> params = doubleParams(g, 11);
    SplittableRandom rng = new SplittableRandom(5);
    INDArray x = Nd4j.create(DataType.DOUBLE, N, 2 * 6 * 6);
    for (int i = 0; i < x.length(); i++) {
      x.putScalar(i, rng.nextGaussian());
    }
    int[] labels = {0, 2, 1, 2};
    Backprop.Tape t = Backprop.forward(g, params, x, Backprop.Mode.TRAIN_FROZEN_STATS);
    Map<String, INDArray> grads = Backprop.backward(t, Backprop.crossEntropy(t.logits(), labels).gradient());
    int checked = 0;
    for (String name : Trainer.trainableNames(g)) {
      INDArray p = params.get(name);
      INDArray analytic = grads.get(name);
      assertTrue(analytic != null, what + ": no gradient for " + name);
      assertEquals(DataType.DOUBLE, analytic.dataType(), name);
      INDArray numeric = Nd4j.create(DataType.DOUBLE, p.shape());
      for (long i = 0; i < p.length(); i++) {
        double v = p.getDouble(i);
        p.putScalar(i, v + H);
        double up = loss(g, params, x, labels);
        p.putScalar(i, v - H);
        double down = loss(g, params, x, labels);
        p.putScalar(i, v);
        numeric.putScalar(i, (up - down) / (2 * H));
        checked++;
      }
      TOL.assertClose(numeric, analytic.reshape(p.shape()), what + ": d loss / d " + name);
    }
    assertTrue(checked > 10, what + ": checked only " + checked + " parameters");
  }

  @Test
  void trainingModeUpdatesRunningStatisticsAsPytorch() {
    Graph.Builder b = new Graph.Builder("bn", 2, 3, 3);
    Graph g = b.build(b.batchNorm(b.input(), "bn"));
    Map<String, INDArray> params = doubleParams(g, 1);
    INDArray x = Nd4j.linspace(DataType.DOUBLE, 1, 2 * 18, 1).reshape(2, 18).muli(Nd4j.linspace(DataType.DOUBLE, 1, 2 * 18, 1).reshape(2, 18));
    Backprop.Tape t = Backprop.forward(g, params, x, Backprop.Mode.TRAIN);
    INDArray x4 = x.reshape('c', 2, 2, 3, 3);
    for (int c = 0; c < 2; c++) {
      double[] v = x4.get(org.nd4j.linalg.indexing.NDArrayIndex.all(), org.nd4j.linalg.indexing.NDArrayIndex.point(c),
          org.nd4j.linalg.indexing.NDArrayIndex.all(), org.nd4j.linalg.indexing.NDArrayIndex.all()).dup().data().asDouble();
      double mean = java.util.Arrays.stream(v).average().orElseThrow();
      double ss = java.util.Arrays.stream(v).map(a -> (a - mean) * (a - mean)).sum();
      Tolerance.relative(1e-12).assertClose(0.1 * mean, params.get("bn.running_mean").getDouble(c), "running mean");
      Tolerance.relative(1e-12).assertClose(0.9 + 0.1 * ss / (v.length - 1), params.get("bn.running_var").getDouble(c),
          "running var (unbiased)");
      // Output uses the biased variance.
      double y0 = t.logits().reshape('c', 2, 2, 3, 3).getDouble(0, c, 0, 0);
      double gamma = params.get("bn.weight").getDouble(c);
      Tolerance.absolute(1e-9).assertClose(gamma * (v[0] - mean) / Math.sqrt(ss / v.length + 1e-5), y0,
          "normalised value");
    }
    assertEquals(1L, params.get("bn.num_batches_tracked").getLong(0));
  }

  @Test
  void evalModeMatchesNetworkForward() {
    Graph.Builder b = new Graph.Builder("eval", 3, 8, 8);
    String x = b.relu(b.batchNorm(b.conv(b.input(), "c1", 4, 3, 1, 1, true), "bn1"));
    // a padded average pool: both passes count the padding (graph.Pooling)
    x = b.avgPool(b.maxPool(x, 2, 2, 0), 3, 1, 1);
    Graph g = b.build(b.linear(b.flatten(b.adaptiveAvgPool(x)), "fc", 5, true));
    Network net = Initialization.pytorchDefault(g, 3);
    Map<String, INDArray> params = new LinkedHashMap<>(net.params().asMap());
    params.get("bn1.running_mean").assign(0.3);
    params.get("bn1.running_var").assign(2.0);
    INDArray in = Nd4j.rand(DataType.FLOAT, 5, 3 * 64);
    INDArray expected = Network.of(g, org.otfuse.core.io.StateDict.of(null, params)).logits(in);
    INDArray actual = Backprop.forward(g, params, in, Backprop.Mode.EVAL).logits();
    Tolerance.absolute(1e-5).assertClose(expected, actual, "eval-mode logits");
  }

  @Test
  void averagePoolingCountsPaddingAsPytorch() {
    // nn.AvgPool2d(3, 1, 1) (count_include_pad=True) on ones: a corner sees 4 of 9 cells -> 4/9.
    Graph.Builder b = new Graph.Builder("avg", 1, 4, 4);
    Graph g = b.build(b.avgPool(b.input(), 3, 1, 1));
    INDArray y = Backprop.forward(g, new LinkedHashMap<>(), Nd4j.ones(DataType.FLOAT, 1, 16), Backprop.Mode.EVAL)
        .logits();
    assertEquals(4.0 / 9, y.getDouble(0, 0, 0, 0), 1e-6);
    assertEquals(6.0 / 9, y.getDouble(0, 0, 0, 1), 1e-6);
    assertEquals(1.0, y.getDouble(0, 0, 1, 1), 1e-6);
  }

  static double loss(Graph g, Map<String, INDArray> params, INDArray x, int[] labels) {
    Backprop.Tape t = Backprop.forward(g, params, x, Backprop.Mode.TRAIN_FROZEN_STATS);
    return Backprop.crossEntropy(t.logits(), labels).value();
  }

  static Map<String, INDArray> doubleParams(Graph g, long seed) {
    Network n = Initialization.pytorchDefault(g, seed);
    Map<String, INDArray> out = new LinkedHashMap<>();
    SplittableRandom rng = new SplittableRandom(seed + 1);
    for (Map.Entry<String, INDArray> e : n.params().asMap().entrySet()) {
      INDArray v = e.getValue();
      if (!v.dataType().isFPType()) {
        out.put(e.getKey(), v.dup());
        continue;
      }
      INDArray d = v.castTo(DataType.DOUBLE).dup();
      if (e.getKey().endsWith(".weight") && g.parameterShapes().containsKey(e.getKey().replace(".weight", ".running_mean"))) {
        // BatchNorm scale away from 1 and shift away from 0, so both gradients are exercised.
        for (long i = 0; i < d.length(); i++) {
          d.putScalar(i, 0.5 + rng.nextDouble());
        }
      }
      out.put(e.getKey(), d);
    }
    return out;
  }
}
