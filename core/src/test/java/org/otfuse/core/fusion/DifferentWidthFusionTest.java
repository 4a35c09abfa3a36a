package org.otfuse.core.fusion;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.otfuse.core.model.DenseLayer;
import org.otfuse.core.model.MlpNet;
import org.otfuse.core.testing.Tolerance;
import org.otfuse.core.train.MlpTrainer;

/**
 * Fusion across widths (non-square plans): a model whose first hidden layer has every neuron
 * duplicated (outgoing weights halved) computes the same function as the original; fusing the
 * two, onto either of them as target, must give that function back at the target's width.
 */
class DifferentWidthFusionTest {
  static final Tolerance LOGITS = Tolerance.absolute(1e-4);

  @ParameterizedTest
  @EnumSource(FusionMode.class)
  void fusingAModelWithItsWidenedTwinKeepsTheFunctionAtEitherWidth(FusionMode mode) {
    MlpNet a = MlpTrainer.initialize(20, new int[] {12, 8, 5}, true, 9);
    MlpNet wide = widened(a);
    INDArray x = Nd4j.randn(4L, new long[] {16, 20}).castTo(DataType.FLOAT);
    LOGITS.assertClose(a.logProbs(x), wide.logProbs(x), "the widened twin computes the same function");
    INDArray samples = Nd4j.randn(6L, new long[] {40, 20}).castTo(DataType.FLOAT);
    FusionOptions o = FusionOptions.defaults().withMode(mode);
    MlpNet narrow = OtFusion.fuse(List.of(wide, a), 1, o, samples).fused();
    assertArrayEquals(new int[] {12, 8, 5}, narrow.widths());
    LOGITS.assertClose(a.logProbs(x), narrow.logProbs(x), mode + " onto the narrow model");
    MlpNet broad = OtFusion.fuse(List.of(a, wide), 1, o, samples).fused();
    assertArrayEquals(new int[] {24, 8, 5}, broad.widths());
    LOGITS.assertClose(a.logProbs(x), broad.logProbs(x), mode + " onto the wide model");
  }

  /** Every neuron of the first hidden layer twice, each copy with half the outgoing weight. */
  static MlpNet widened(MlpNet net) {
    int n = net.layer(0).outputs();
    int[] dup = new int[2 * n];
    for (int i = 0; i < n; i++) {
      dup[2 * i] = i;
      dup[2 * i + 1] = i;
    }
    List<DenseLayer> layers = new ArrayList<>(net.layers());
    DenseLayer l0 = net.layer(0);
    DenseLayer l1 = net.layer(1);
    layers.set(0, new DenseLayer(l0.name(), l0.weight().getRows(dup), l0.bias().get(Nd4j.createFromArray(dup))));
    layers.set(1, new DenseLayer(l1.name(), l1.weight().getColumns(dup).muli(0.5f), l1.bias()));
    return net.withLayers(layers);
  }
}
