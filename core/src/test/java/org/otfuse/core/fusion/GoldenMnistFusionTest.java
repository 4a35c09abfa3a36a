package org.otfuse.core.fusion;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.otfuse.core.io.Npy;
import org.otfuse.core.model.Evaluation;
import org.otfuse.core.model.MlpNet;
import org.otfuse.core.testing.Fixtures;
import org.otfuse.core.testing.Tolerance;

/**
 * Golden values of the reference implementation (sidak/otfusion, run unmodified; how they were
 * produced is in src/test/resources/fixtures/otfusion-mnist/README.md).
 */
class GoldenMnistFusionTest {
  /** Accuracies are reported to two decimals; the issue allows 0.05 points. */
  static final Tolerance ACCURACY = Tolerance.absolute(0.05);
  /** Fused tensors: relative Frobenius error (the reference's 1/(1/n + 1e-7) scaling is ~1e-5). */
  static final double FUSED_REL_FROBENIUS = 1e-4;
  /** Per-layer OT costs are printed by the reference to 5-6 significant digits. */
  static final Tolerance OT_COST = Tolerance.relative(1e-4);

  @Test
  void parentsAndBaselinesMatchTheReferenceAccuracies() throws Exception {
    List<MlpNet> m = ReferenceMnist.models();
    ACCURACY.assertClose(97.72, Evaluation.evaluate(m.get(0), ReferenceMnist.test()).accuracy(), "model 0");
    ACCURACY.assertClose(97.75, Evaluation.evaluate(m.get(1), ReferenceMnist.test()).accuracy(), "model 1");
    ACCURACY.assertClose(97.88, Evaluation.evaluateEnsemble(m, ReferenceMnist.test()).accuracy(), "ensemble");
    ACCURACY.assertClose(73.84, Evaluation.evaluate(Baselines.vanillaAverage(m, 1, 0.5), ReferenceMnist.test())
        .accuracy(), "vanilla average");
  }

  @Test
  void weightsModeExactReproducesTheReferenceFusedModel() throws Exception {
    OtFusion.Result r = OtFusion.fuse(ReferenceMnist.models(), 1, FusionOptions.defaults(), null);
    for (int l = 0; l < 4; l++) {
      String name = "fc" + (l + 1);
      INDArray expected = Npy.read(Fixtures.path("otfusion-mnist/wts_exact/fused_" + name + ".weight.npy"))
          .castTo(DataType.DOUBLE);
      INDArray got = r.fused().layer(l).weight().castTo(DataType.DOUBLE);
      double rel = got.sub(expected).norm2Number().doubleValue() / expected.norm2Number().doubleValue();
      assertTrue(rel < FUSED_REL_FROBENIUS, name + ": relative Frobenius error " + rel);
    }
    double[] costs = {0.81676, 0.84323, 0.88769};
    for (int l = 0; l < costs.length; l++) {
      OT_COST.assertClose(costs[l], r.reports().get(0).get(l).otCost(), "OT cost of fc" + (l + 1));
    }
    ACCURACY.assertClose(95.58, Evaluation.evaluate(r.fused(), ReferenceMnist.test()).accuracy(), "OT fusion");
  }

  @Test
  void aligningTheOutputLayerAsTheReferenceDoesGivesItsCostAndTheSameModel() throws Exception {
    OtFusion.Result r = OtFusion.fuse(ReferenceMnist.models(), 1, FusionOptions.defaults().withAlignOutput(true), null);
    OT_COST.assertClose(1.49805, r.reports().get(0).get(3).otCost(), "OT cost of fc4");
    ACCURACY.assertClose(95.58, Evaluation.evaluate(r.fused(), ReferenceMnist.test()).accuracy(), "OT fusion");
  }

  @Test
  void activationsModeReproducesTheReference() throws Exception {
    INDArray samples = Npy.read(Fixtures.path("otfusion-mnist/activation_samples_normalized.npy"));
    samples = samples.reshape(samples.size(0), 784);
    FusionOptions o = FusionOptions.defaults().withMode(FusionMode.ACTIVATIONS).withAlignOutput(true);
    OtFusion.Result r = OtFusion.fuse(ReferenceMnist.models(), 1, o, samples);
    double[] costs = {12.2026, 9.3021, 14.1359, 22.8271};
    for (int l = 0; l < costs.length; l++) {
      OT_COST.assertClose(costs[l], r.reports().get(0).get(l).otCost(), "activation OT cost of fc" + (l + 1));
    }
    ACCURACY.assertClose(95.93, Evaluation.evaluate(r.fused(), ReferenceMnist.test()).accuracy(), "OT fusion (acts)");
    // The default keeps the output layer in place; on these trained models its plan is the identity anyway.
    OtFusion.Result kept = OtFusion.fuse(ReferenceMnist.models(), 1, o.withAlignOutput(false), samples);
    assertEquals(Evaluation.evaluate(r.fused(), ReferenceMnist.test()).accuracy(),
        Evaluation.evaluate(kept.fused(), ReferenceMnist.test()).accuracy(), 0.05);
  }
}
