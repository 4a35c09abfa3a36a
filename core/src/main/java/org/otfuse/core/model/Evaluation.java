package org.otfuse.core.model;

import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.otfuse.core.data.ImageDataset;

/**
 * Test-set metrics: accuracy in percent and mean negative log-likelihood, for one model or for
 * the prediction ensemble of several (the mean of their log-softmax outputs, as the reference
 * implementation averages them).
 */
public final class Evaluation {

  /** Accuracy (percent, 0..100) and mean NLL loss over {@code n} examples. */
  public record Metrics(double accuracy, double loss, int n) {}

  private static final int BATCH = 2000;

  private Evaluation() {}

  /** Evaluates one network on every example of {@code data}, in batches. */
  public static Metrics evaluate(MlpNet net, ImageDataset data) {
    return evaluateEnsemble(List.of(net), data);
  }

  /** Evaluates the ensemble whose log-probabilities are the mean of the members' log-softmax. */
  public static Metrics evaluateEnsemble(List<MlpNet> nets, ImageDataset data) {
    long correct = 0;
    double lossSum = 0;
    int n = data.size();
    for (int start = 0; start < n; start += BATCH) {
      int end = Math.min(n, start + BATCH);
      INDArray x = data.features().get(org.nd4j.linalg.indexing.NDArrayIndex.interval(start, end),
          org.nd4j.linalg.indexing.NDArrayIndex.all());
      INDArray y = data.labels().get(org.nd4j.linalg.indexing.NDArrayIndex.interval(start, end));
      INDArray mean = null;
      for (MlpNet net : nets) {
        INDArray lp = net.logProbs(x);
        mean = mean == null ? lp : mean.addi(lp);
      }
      mean.divi(nets.size());
      correct += countCorrect(mean, y);
      lossSum += nllSum(mean, y);
    }
    return new Metrics(100.0 * correct / n, lossSum / n, n);
  }

  /** Number of rows whose arg-max equals the label. */
  public static long countCorrect(INDArray scores, INDArray labels) {
    INDArray pred = Nd4j.argMax(scores, 1).castTo(DataType.INT);
    return pred.eq(labels.castTo(DataType.INT).reshape(pred.shape())).castTo(DataType.INT).sumNumber().longValue();
  }

  /** Sum over rows of {@code -logProbs[i, label_i]}. */
  public static double nllSum(INDArray logProbs, INDArray labels) {
    return -oneHot(labels, (int) logProbs.columns(), logProbs.dataType()).muli(logProbs).sumNumber().doubleValue();
  }

  /** N x classes one-hot matrix of {@code labels}. */
  public static INDArray oneHot(INDArray labels, int classes, DataType type) {
    int[] y = labels.toIntVector();
    float[] v = new float[y.length * classes];
    for (int i = 0; i < y.length; i++) {
      if (y[i] < 0 || y[i] >= classes) {
        throw new IllegalArgumentException("label " + y[i] + " at row " + i + " is outside 0.." + (classes - 1));
      }
      v[i * classes + y[i]] = 1f;
    }
    return Nd4j.createFromArray(v).reshape(y.length, classes).castTo(type);
  }
}
