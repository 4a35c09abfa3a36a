package org.otfuse.core.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.otfuse.core.data.ImageDataset;
import org.otfuse.core.fusion.GraphPermutationInvarianceTest;
import org.otfuse.core.graph.Initialization;
import org.otfuse.core.graph.Network;

/**
 * {@link FusionTable} on a model and a neuron-permuted copy of it, with the model's own
 * predictions as labels: everything that must give back the model's function scores 100%.
 */
class FusionTableTest {

  @Test
  void aModelAndItsPermutedCopyKeepTheirFunctionThroughEveryOtRow() {
    // a small conv net with BatchNorm (a random VGG11's deep features hardly depend on the input)
    org.otfuse.core.graph.Graph.Builder gb = new org.otfuse.core.graph.Graph.Builder("small", 1, 16, 16);
    String h = gb.maxPool(gb.relu(gb.batchNorm(gb.conv(gb.input(), "c1", 8, 3, 1, 1, true), "bn1")), 2, 2, 0);
    h = gb.relu(gb.batchNorm(gb.conv(h, "c2", 8, 3, 1, 1, true), "bn2"));
    org.otfuse.core.graph.Graph g = gb.build(gb.linear(gb.flatten(h), "fc", 10, true));
    Network a = GraphPermutationInvarianceTest.randomized(Initialization.pytorchDefault(g, 5), 6);
    Network b = GraphPermutationInvarianceTest.permuted(a, new Random(7));
    INDArray x = Nd4j.randn(9L, new long[] {96, 256}).castTo(DataType.FLOAT);
    INDArray labels = a.logits(x.reshape(96, 1, 16, 16)).argMax(1).castTo(DataType.INT);
    long distinct = java.util.Arrays.stream(labels.toIntVector()).distinct().count();
    assertTrue(distinct >= 3, "the model predicts only " + distinct + " classes: 100% would mean little; logits "
        + a.logits(x.reshape(96, 1, 16, 16)).getRows(0, 1, 2));
    ImageDataset data = new ImageDataset("own-predictions", x, labels, new long[] {1, 16, 16}, 10);
    List<FusionTable.Row> rows = FusionTable.run(a, b, data, data,
        new FusionTable.Settings(48, new double[] {1.0, 0.5}, 96, 32));
    Map<String, List<FusionTable.Row>> by = rows.stream().collect(Collectors.groupingBy(FusionTable.Row::method));
    for (String m : List.of("parent_a", "parent_b", "ensemble", "ot_weights", "ot_activations")) {
      assertEquals(100.0, by.get(m).get(0).accuracy(), 1e-9, m);
    }
    for (String m : List.of("compress_ot", "compress_magnitude")) {
      FusionTable.Row full = by.get(m).stream().filter(r -> r.widthFactor() == 1.0).findFirst().orElseThrow();
      assertEquals(100.0, full.accuracy(), 1e-9, m + " at width 1");
      FusionTable.Row half = by.get(m).stream().filter(r -> r.widthFactor() == 0.5).findFirst().orElseThrow();
      assertTrue(half.parameters() < full.parameters() / 2, m + " at width 0.5 has " + half.parameters()
          + " parameters, full " + full.parameters());
    }
    assertTrue(Double.isNaN(by.get("parent_a").get(0).accuracyBnRecomputed()));
    assertTrue(by.get("ot_weights").get(0).accuracyBnRecomputed() >= 0, "BatchNorm recomputed for fused models");
    assertEquals(6 + 2 * 2, rows.size());
  }

  @Test
  void settingsAreChecked() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new FusionTable.Settings(10, new double[] {1.5}, 10, 32));
    assertTrue(e.getMessage().contains("1.5"), e.getMessage());
  }
}
