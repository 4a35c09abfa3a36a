package org.otfuse.core.fusion;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.otfuse.core.model.Evaluation;
import org.otfuse.core.model.MlpNet;
import org.otfuse.core.testing.Tolerance;
import org.otfuse.core.train.MlpTrainer;

class CompressionTest {

  @Test
  void factorOneKeepsTheFunction() {
    for (boolean bias : new boolean[] {false, true}) {
      MlpNet net = MlpTrainer.initialize(12, new int[] {10, 8, 3}, bias, 3);
      MlpNet same = Compression.compress(net, 1.0, FusionOptions.defaults()).compressed();
      INDArray x = Nd4j.randn(9L, new long[] {16, 12}).castTo(DataType.FLOAT);
      Tolerance.absolute(1e-5).assertClose(net.logProbs(x), same.logProbs(x), "bias=" + bias);
    }
  }

  @Test
  void duplicatedNeuronsMergeBackExactly() {
    // A layer whose neurons come in identical pairs compresses to half its width without changing
    // the function: each pair merges into one neuron whose outgoing weights are the pair's sum.
    MlpNet small = MlpTrainer.initialize(6, new int[] {4, 3}, true, 5);
    INDArray w1 = small.layer(0).weight();
    INDArray b1 = small.layer(0).bias();
    int[] dup = {0, 0, 1, 1, 2, 2, 3, 3};
    INDArray w2 = small.layer(1).weight().getColumns(dup).muli(0.5f);
    MlpNet doubled = small.withLayers(List.of(
        new org.otfuse.core.model.DenseLayer("fc1", w1.getRows(dup), b1.get(Nd4j.createFromArray(dup))),
        new org.otfuse.core.model.DenseLayer("fc2", w2, small.layer(1).bias())));
    INDArray x = Nd4j.randn(2L, new long[] {20, 6}).castTo(DataType.FLOAT);
    Tolerance.absolute(1e-5).assertClose(small.logProbs(x), doubled.logProbs(x), "doubled model");
    MlpNet halved = Compression.compress(doubled, 0.5, FusionOptions.defaults()).compressed();
    assertArrayEquals(new int[] {4, 3}, halved.widths());
    Tolerance.absolute(1e-5).assertClose(small.logProbs(x), halved.logProbs(x), "compressed back");
  }

  @Test
  void otCompressionBeatsMagnitudePruningOnTheReferenceModel() throws Exception {
    MlpNet big = ReferenceMnist.models().get(1);
    MlpNet ot = Compression.compress(big, 0.5, FusionOptions.defaults()).compressed();
    MlpNet pruned = Compression.pruneByMagnitude(big, 0.5);
    assertArrayEquals(new int[] {200, 100, 50, 10}, ot.widths());
    assertArrayEquals(new int[] {200, 100, 50, 10}, pruned.widths());
    double accOt = Evaluation.evaluate(ot, ReferenceMnist.test()).accuracy();
    double accPruned = Evaluation.evaluate(pruned, ReferenceMnist.test()).accuracy();
    assertTrue(accOt > accPruned, "OT " + accOt + " vs magnitude pruning " + accPruned);
  }
}
