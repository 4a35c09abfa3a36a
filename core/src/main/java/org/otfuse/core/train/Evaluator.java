package org.otfuse.core.train;

import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.otfuse.core.data.ImageDataset;
import org.otfuse.core.graph.Network;

/**
 * Accuracy and mean negative log-likelihood of any {@link Network} (inference mode: BatchNorm
 * running statistics), or of the prediction ensemble of several (mean of their log-softmax
 * outputs, as the reference implementation), with per-class accuracy for label-specific claims
 * such as the skill-transfer experiment.
 */
public final class Evaluator {
  private static final int BATCH = 1000;

  private Evaluator() {}

  /**
   * @param accuracy percent correct (0..100)
   * @param loss mean NLL
   * @param classCorrect correct predictions per true label
   * @param classCount images per true label
   */
  public record Metrics(double accuracy, double loss, int n, long[] classCorrect, long[] classCount) {
    public Metrics {
      classCorrect = classCorrect.clone();
      classCount = classCount.clone();
    }

    /** Accuracy in percent on the images whose true label is {@code label} (NaN when none). */
    public double classAccuracy(int label) {
      return classCount[label] == 0 ? Double.NaN : 100.0 * classCorrect[label] / classCount[label];
    }

    @Override
    public long[] classCorrect() {
      return classCorrect.clone();
    }

    @Override
    public long[] classCount() {
      return classCount.clone();
    }
  }

  public static Metrics evaluate(Network net, ImageDataset data) {
    return evaluateEnsemble(List.of(net), data);
  }

  /** The ensemble whose log-probabilities are the mean of the members' log-softmax outputs. */
  public static Metrics evaluateEnsemble(List<Network> nets, ImageDataset data) {
    double[] w = new double[nets.size()];
    java.util.Arrays.fill(w, 1.0 / nets.size());
    return evaluateEnsemble(nets, w, data);
  }

  /**
   * The weighted prediction ensemble: log-probabilities {@code sum_k w_k log softmax(z_k)} (the
   * weights need not sum to 1; arg-max and, for weights summing to 1, the loss are as usual).
   */
  public static Metrics evaluateEnsemble(List<Network> nets, double[] weights, ImageDataset data) {
    if (weights.length != nets.size()) {
      throw new IllegalArgumentException(weights.length + " ensemble weights for " + nets.size() + " networks");
    }
    int n = data.size();
    int k = nets.get(0).numClasses();
    long[] correct = new long[k];
    long[] count = new long[k];
    double lossSum = 0;
    for (int start = 0; start < n; start += BATCH) {
      int end = Math.min(n, start + BATCH);
      int[] y = data.labels().get(NDArrayIndex.interval(start, end)).toIntVector();
      int[] pred;
      float[] lp;
      try (var ws = Workspaces.open("otfuse-eval")) {
      INDArray x = data.features().get(NDArrayIndex.interval(start, end), NDArrayIndex.all());
      INDArray mean = null;
      for (int m = 0; m < nets.size(); m++) {
        INDArray l = nets.get(m).logProbs(x).muli(weights[m]);
        mean = mean == null ? l : mean.addi(l);
      }
      pred = Nd4j.argMax(mean, 1).castTo(DataType.INT).toIntVector();
      lp = mean.castTo(DataType.FLOAT).dup('c').data().asFloat();
      }
      for (int i = 0; i < y.length; i++) {
        count[y[i]]++;
        if (pred[i] == y[i]) {
          correct[y[i]]++;
        }
        lossSum -= lp[i * k + y[i]];
      }
    }
    long c = 0;
    for (long v : correct) {
      c += v;
    }
    return new Metrics(100.0 * c / n, lossSum / n, n, correct, count);
  }
}
