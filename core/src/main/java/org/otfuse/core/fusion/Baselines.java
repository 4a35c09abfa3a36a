package org.otfuse.core.fusion;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.otfuse.core.model.DenseLayer;
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
    MlpNet target = models.get(targetIndex);
    float s = (float) ensembleStep;
    float others = (1f - s) / (models.size() - 1);
    List<DenseLayer> layers = new ArrayList<>();
    for (int l = 0; l < target.depth(); l++) {
      DenseLayer t = target.layer(l);
      INDArray w = t.weight().mul(s);
      INDArray b = t.hasBias() ? t.bias().mul(s) : null;
      for (int k = 0; k < models.size(); k++) {
        if (k == targetIndex) {
          continue;
        }
        DenseLayer o = models.get(k).layer(l);
        if (!Arrays.equals(o.weight().shape(), t.weight().shape()) || o.hasBias() != t.hasBias()) {
          throw new IllegalArgumentException(t.name() + ".weight has shape " + Arrays.toString(o.weight().shape())
              + " in model " + k + " but " + Arrays.toString(t.weight().shape()) + " in model " + targetIndex
              + "; vanilla averaging needs identical shapes");
        }
        w.addi(o.weight().mul(others));
        if (b != null) {
          b.addi(o.bias().mul(others));
        }
      }
      layers.add(new DenseLayer(t.name(), w, b));
    }
    return target.withLayers(layers);
  }
}
