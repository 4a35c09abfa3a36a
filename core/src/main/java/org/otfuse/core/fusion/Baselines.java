package org.otfuse.core.fusion;

import java.util.List;
import org.otfuse.core.model.MlpNet;

/**
 * The baselines OT fusion is compared against (paper, Section 5): vanilla averaging of the
 * parameters as they are, without alignment. (The prediction ensemble is evaluated by
 * {@link org.otfuse.core.model.Evaluation#evaluateEnsemble}.)
 */
public final class Baselines {
  private Baselines() {}

  /**
   * The parameter average {@code s W_target + (1 - s) mean(W_others)}; with {@code s = 1/K} the
   * plain mean of all K models. All models must have the same shapes.
   */
  public static MlpNet vanillaAverage(List<MlpNet> models, int targetIndex, double ensembleStep) {
    return MlpNet.fromNetwork(GraphFusion.vanillaAverage(
        models.stream().map(MlpNet::toNetwork).toList(), targetIndex, ensembleStep, null));
  }
}
