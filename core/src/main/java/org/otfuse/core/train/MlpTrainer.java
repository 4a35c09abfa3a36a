package org.otfuse.core.train;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.otfuse.core.data.ImageDataset;
import org.otfuse.core.model.DenseLayer;
import org.otfuse.core.model.Evaluation;
import org.otfuse.core.model.MlpNet;
import org.otfuse.core.split.Shuffle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Trains an {@link MlpNet} with cross-entropy and minibatch SGD with momentum. The backward pass
 * is written out with ND4J matrix products (for softmax cross-entropy,
 * {@code dZ_L = (softmax(z_L) - Y)/B}; {@code dW_l = dZ_l^T a_{l-1}}; {@code dZ_{l-1} = (dZ_l W_l) * [z_{l-1} > 0]}).
 * Logs one progress line per epoch.
 */
public final class MlpTrainer {
  private static final Logger LOG = LoggerFactory.getLogger(MlpTrainer.class);

  private MlpTrainer() {}

  /**
   * A freshly initialised MLP with PyTorch's {@code nn.Linear} default: weights and biases
   * uniform in {@code [-1/sqrt(in), 1/sqrt(in)]}, from {@code seed}. Layers are named fc1, fc2, ...
   */
  public static MlpNet initialize(int inputDim, int[] widths, boolean bias, long seed) {
    Random rng = new Random(seed);
    List<DenseLayer> layers = new ArrayList<>();
    int in = inputDim;
    for (int i = 0; i < widths.length; i++) {
      int out = widths[i];
      float bound = (float) (1.0 / Math.sqrt(in));
      layers.add(new DenseLayer("fc" + (i + 1), uniform(rng, bound, out, in), bias ? uniform(rng, bound, out) : null));
      in = out;
    }
    return new MlpNet(layers);
  }

  private static INDArray uniform(Random rng, float bound, long... shape) {
    long n = 1;
    for (long d : shape) {
      n *= d;
    }
    float[] v = new float[(int) n];
    for (int i = 0; i < v.length; i++) {
      v[i] = (rng.nextFloat() * 2f - 1f) * bound;
    }
    return Nd4j.createFromArray(v).reshape(shape);
  }

  /**
   * Trains a copy of {@code init} on {@code train}; evaluates on {@code eval} after each epoch
   * when it is not null. Not modified: {@code init}.
   */
  public static MlpNet train(MlpNet init, ImageDataset train, SgdOptions o, ImageDataset eval) {
    int depth = init.depth();
    INDArray[] w = new INDArray[depth];
    INDArray[] b = new INDArray[depth];
    INDArray[] vw = new INDArray[depth];
    INDArray[] vb = new INDArray[depth];
    for (int l = 0; l < depth; l++) {
      DenseLayer layer = init.layer(l);
      w[l] = layer.weight().dup();
      vw[l] = Nd4j.zerosLike(w[l]);
      if (layer.hasBias()) {
        b[l] = layer.bias().dup();
        vb[l] = Nd4j.zerosLike(b[l]);
      }
    }
    Random rng = new Random(o.seed());
    int n = train.size();
    int classes = init.numClasses();
    MlpNet current = init;
    for (int epoch = 1; epoch <= o.epochs(); epoch++) {
      long t0 = System.nanoTime();
      int[] order = Shuffle.permutation(n, rng);
      double lossSum = 0;
      long correct = 0;
      for (int start = 0; start < n; start += o.batchSize()) {
        int end = Math.min(n, start + o.batchSize());
        int[] idx = java.util.Arrays.copyOfRange(order, start, end);
        INDArray x = train.features().getRows(idx);
        INDArray y = Evaluation.oneHot(train.labels().get(Nd4j.createFromArray(idx)), classes, DataType.FLOAT);
        MlpNet net = build(init, w, b);
        MlpNet.Forward f = net.forward(x, true);
        INDArray logp = f.logProbs();
        lossSum += -y.mul(logp).sumNumber().doubleValue();
        correct += Evaluation.countCorrect(logp, Nd4j.argMax(y, 1));
        INDArray dz = Transforms.exp(logp, true).subi(y).divi(end - start);
        for (int l = depth - 1; l >= 0; l--) {
          INDArray aPrev = l == 0 ? x : f.post().get(l - 1);
          INDArray gw = dz.transpose().mmul(aPrev);
          INDArray dPrev = l > 0 ? dz.mmul(w[l]).muli(f.pre().get(l - 1).gt(0).castTo(DataType.FLOAT)) : null;
          vw[l].muli(o.momentum()).addi(gw);
          w[l].subi(vw[l].mul(o.learningRate()));
          if (b[l] != null) {
            vb[l].muli(o.momentum()).addi(dz.sum(0));
            b[l].subi(vb[l].mul(o.learningRate()));
          }
          dz = dPrev;
        }
      }
      current = build(init, w, b);
      double seconds = (System.nanoTime() - t0) / 1e9;
      String evalPart = "";
      if (eval != null) {
        Evaluation.Metrics m = Evaluation.evaluate(current, eval);
        evalPart = String.format(", eval accuracy %.2f%% loss %.4f", m.accuracy(), m.loss());
      }
      LOG.info(String.format("epoch %d/%d: train loss %.4f, train accuracy %.2f%%%s, %.0f images/s",
          epoch, o.epochs(), lossSum / n, 100.0 * correct / n, evalPart, n / seconds));
    }
    return current;
  }

  private static MlpNet build(MlpNet init, INDArray[] w, INDArray[] b) {
    List<DenseLayer> layers = new ArrayList<>();
    for (int l = 0; l < w.length; l++) {
      layers.add(new DenseLayer(init.layer(l).name(), w[l], b[l]));
    }
    return init.withLayers(layers);
  }
}
