package org.otfuse.core.zoo;

import java.io.Serializable;
import java.util.List;
import java.util.stream.Collectors;
import org.otfuse.core.data.DatasetName;

/**
 * One model of a zoo to train: dataset, MLP hidden widths, bias, seed, training split and SGD
 * settings. Its {@link #modelId()} is a readable, deterministic directory name.
 *
 * @param trainLimit use only the first {@code trainLimit} images of the split (0 = all), for quick runs
 */
public record ZooModelSpec(
    DatasetName dataset, List<Integer> hidden, boolean bias, long seed, ZooSplit split, int epochs,
    int batchSize, double learningRate, double momentum, int trainLimit) implements Serializable {
  private static final long serialVersionUID = 1L;

  public ZooModelSpec {
    hidden = List.copyOf(hidden);
    if (hidden.isEmpty() || hidden.stream().anyMatch(w -> w < 1)) {
      throw new IllegalArgumentException("hidden widths " + hidden + " must be a non-empty list of widths >= 1");
    }
    if (epochs < 1 || batchSize < 1 || !(learningRate > 0) || !(momentum >= 0 && momentum < 1) || trainLimit < 0) {
      throw new IllegalArgumentException("zoo model " + dataset + " " + hidden + ": epochs=" + epochs
          + " (>= 1), batch-size=" + batchSize + " (>= 1), learning-rate=" + learningRate + " (> 0), momentum="
          + momentum + " ([0, 1)), train-limit=" + trainLimit + " (>= 0)");
    }
  }

  /**
   * {@code <dataset>_mlp-<w1>x<w2>..[-nobias]_s<seed>_<split>_e<epochs>[_n<limit>]}, for example
   * {@code fashion-mnist_mlp-64x32_s0_full_e2}. Two specs with the same id train the same model
   * (learning rate, momentum and batch size are not part of the id: change them with a new zoo).
   */
  public String modelId() {
    return dataset.cliName() + "_mlp-" + widthsLabel(hidden) + (bias ? "" : "-nobias") + "_s" + seed + "_"
        + split.name() + "_e" + epochs + (trainLimit > 0 ? "_n" + trainLimit : "");
  }

  /** {@code 64x32}. */
  public static String widthsLabel(List<Integer> hidden) {
    return hidden.stream().map(String::valueOf).collect(Collectors.joining("x"));
  }
}
