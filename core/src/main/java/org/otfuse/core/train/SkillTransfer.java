package org.otfuse.core.train;

import java.util.ArrayList;
import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.otfuse.core.data.ImageDataset;
import org.otfuse.core.fusion.FusionOptions;
import org.otfuse.core.fusion.GraphFusion;
import org.otfuse.core.graph.Network;

/**
 * The skill-transfer experiment of Singh and Jaggi (2020, Section 5.1, Figure 2): model A was
 * trained on one special label plus a fraction of the others, model B on the rest (never the
 * special label). For each weight {@code w} of model A, compare on the full test set and on the
 * special label: the weighted prediction ensemble ({@code w log p_A + (1-w) log p_B}), vanilla
 * parameter averaging ({@code w A + (1-w) B}) and OT fusion (A aligned onto B, then
 * {@code w A' + (1-w) B}); plus A and B alone.
 *
 * <p>The alignment is solved once (it does not depend on the weight) with {@code options}; the
 * target model is B.
 */
public final class SkillTransfer {
  private SkillTransfer() {}

  /**
   * @param method "A", "B", "ensemble", "vanilla" or "ot"
   * @param weightA weight of model A (NaN for A and B alone)
   * @param accuracy percent on the whole test set
   * @param labelAccuracy percent on the test images of the special label
   */
  public record Row(String method, double weightA, double accuracy, double labelAccuracy, double loss) {}

  /**
   * @param samples activation samples for activations-mode fusion (null in weights mode)
   */
  public static List<Row> run(Network a, Network b, ImageDataset test, int label, double[] weightsA,
      FusionOptions options, INDArray samples) {
    List<Row> rows = new ArrayList<>();
    rows.add(row("A", Double.NaN, Evaluator.evaluate(a, test), label));
    rows.add(row("B", Double.NaN, Evaluator.evaluate(b, test), label));
    Network aligned = GraphFusion.align(a, b, options, samples).aligned();
    for (double w : weightsA) {
      if (!(w >= 0 && w <= 1)) {
        throw new IllegalArgumentException("weight of model A is " + w + " but must be in [0, 1]");
      }
      rows.add(row("ensemble", w, Evaluator.evaluateEnsemble(List.of(a, b), new double[] {w, 1 - w}, test), label));
      rows.add(row("vanilla", w, Evaluator.evaluate(GraphFusion.average(b, List.of(a), 1 - w), test), label));
      rows.add(row("ot", w, Evaluator.evaluate(GraphFusion.average(b, List.of(aligned), 1 - w), test), label));
    }
    return rows;
  }

  private static Row row(String method, double w, Evaluator.Metrics m, int label) {
    return new Row(method, w, m.accuracy(), m.classAccuracy(label), m.loss());
  }
}
