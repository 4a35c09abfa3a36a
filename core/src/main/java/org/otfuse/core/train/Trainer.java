package org.otfuse.core.train;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.otfuse.core.data.ImageDataset;
import org.otfuse.core.graph.Graph;
import org.otfuse.core.graph.Network;
import org.otfuse.core.graph.Node;
import org.otfuse.core.graph.Op;
import org.otfuse.core.io.StateDict;
import org.otfuse.core.split.Shuffle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Trains any {@link Network} (MLP, VGG, ResNet, with BatchNorm in training mode) with softmax
 * cross-entropy and minibatch SGD or Adam ({@link Optimizer}), a learning-rate schedule, seeded
 * shuffling and optional crop-and-flip augmentation; the backward pass is {@link Backprop}. Also
 * the fine-tuning of a fused or loaded model: the same loop started from its parameters.
 *
 * <p>Each epoch: shuffle with the epoch's stream, one update per minibatch, then (optionally)
 * evaluate, log one progress line, and hand the state to the {@link Checkpointer}. Started with a
 * checkpointer that holds a state, training continues after its last epoch.
 */
public final class Trainer {
  private static final Logger LOG = LoggerFactory.getLogger(Trainer.class);
  private static final String WORKSPACE = "otfuse-train-step";

  private Trainer() {}

  /**
   * @param network the trained network (its own copy of the parameters)
   * @param history one entry per epoch, including epochs done before a resume
   * @param resumedAfter epochs already done when this call started (0 for a fresh run)
   */
  public record Result(Network network, List<EpochStats> history, int resumedAfter) {
    public Result {
      history = List.copyOf(history);
    }

    /** The last epoch's statistics. */
    public EpochStats last() {
      return history.get(history.size() - 1);
    }
  }

  /** Receives each epoch's statistics as soon as the epoch is done (e.g. to print them). */
  public interface Listener {
    void epochDone(EpochStats stats);
  }

  /** Trains without checkpoints or listener. Not modified: {@code init}, the datasets. */
  public static Result train(Network init, ImageDataset train, TrainOptions o, ImageDataset eval) {
    return train(init, train, o, eval, null, null);
  }

  /**
   * Trains a copy of {@code init}'s parameters on {@code train}; evaluates on {@code eval} after
   * each epoch when it is not null.
   *
   * @param checkpointer where to save after each epoch and to resume from; null for none
   * @param listener told after each epoch; null for none
   * @throws UncheckedIOException when the checkpointer fails
   */
  public static Result train(Network init, ImageDataset train, TrainOptions o, ImageDataset eval,
      Checkpointer checkpointer, Listener listener) {
    Graph graph = init.graph();
    checkData(graph, train, "training");
    if (eval != null) {
      checkData(graph, eval, "evaluation");
    }
    Map<String, INDArray> params = copy(init.params().asMap());
    List<String> trainable = trainableNames(graph);
    Optimizer optimizer = new Optimizer(o.optimizer());
    List<EpochStats> history = new ArrayList<>();
    int start = 0;
    if (checkpointer != null) {
      Optional<TrainState> s = latest(checkpointer);
      if (s.isPresent()) {
        TrainState st = s.get();
        if (st.epochsDone() > o.epochs()) {
          throw new IllegalArgumentException("the checkpoint has " + st.epochsDone() + " epochs but this run asks for "
              + o.epochs());
        }
        params = copy(st.params());
        Network.of(graph, StateDict.of("checkpoint", params)); // validates names and shapes
        optimizer.restore(st.optimizerState(), st.optimizerSteps());
        history.addAll(st.history());
        start = st.epochsDone();
        LOG.info("resuming after epoch {} of {}", start, o.epochs());
      }
    }
    Map<String, Double> profiled = Profile.ON ? Profile.millis() : null;
    FlatParams flat = FlatParams.bind(params, trainable);
    boolean hasBatchNorm = graph.nodes().stream().anyMatch(n -> n.op() instanceof Op.BatchNorm);
    int n = train.size();
    int[] labels = train.labelArray();
    long stepsPerEpoch = (n + o.batchSize() - 1) / o.batchSize();
    long totalSteps = stepsPerEpoch * o.epochs();
    Augmenter augmenter = o.augmentation() == Augmentation.CROP_FLIP
        ? new Augmenter(train.imageShape(), 4, Augmenter.fill(train))
        : null;
    for (int epoch = start; epoch < o.epochs(); epoch++) {
      long t0 = System.nanoTime();
      int[] order = Shuffle.permutation(n, stream(o.seed(), epoch, 0));
      SplittableRandom augRng = stream(o.seed(), epoch, 1);
      double lossSum = 0;
      long correct = 0;
      long seen = 0;
      long step = epoch * stepsPerEpoch;
      double firstLr = Double.NaN;
      for (int b = 0; b < n; b += o.batchSize(), step++) {
        int e = Math.min(n, b + o.batchSize());
        if (hasBatchNorm && e - b < 2) {
          continue; // BatchNorm cannot normalise a batch of one image
        }
        int[] idx = Arrays.copyOfRange(order, b, e);
        int[] y = new int[idx.length];
        for (int i = 0; i < idx.length; i++) {
          y[i] = labels[idx[i]];
        }
        double lr = o.optimizer().learningRate() * o.schedule().factor(epoch, step, totalSteps);
        if (Double.isNaN(firstLr)) {
          firstLr = lr;
        }
        long p0 = Profile.start();
        try (MemoryWorkspace ws = Workspaces.open(WORKSPACE)) {
          INDArray x = Nd4j.pullRows(train.features(), 1, idx);
          if (augmenter != null) {
            x = augmenter.apply(x, augRng);
          }
          p0 = Profile.stop("step batch", p0);
          Backprop.Tape tape = Backprop.forward(graph, params, x, Backprop.Mode.TRAIN);
          p0 = Profile.start();
          Backprop.Loss loss = Backprop.crossEntropy(tape.logits(), y);
          p0 = Profile.stop("step loss", p0);
          if (!Double.isFinite(loss.value())) {
            throw new IllegalStateException(String.format(Locale.ROOT,
                "training diverged: loss %s at epoch %d, minibatch %d (learning rate %s); lower --lr",
                loss.value(), epoch + 1, step - epoch * stepsPerEpoch, o.optimizer().learningRate()));
          }
          Map<String, INDArray> grads = Backprop.backward(tape, loss.gradient());
          p0 = Profile.start();
          INDArray g = flat.gather(grads);
          p0 = Profile.stop("step flatten gradients", p0);
          optimizer.step(flat, g, lr);
          p0 = Profile.stop("step optimizer", p0);
          lossSum += loss.value() * idx.length;
          correct += loss.correct();
        }
        Profile.stop("step workspace close", p0);
        seen += idx.length;
      }
      double seconds = (System.nanoTime() - t0) / 1e9;
      double evalAcc = Double.NaN;
      double evalLoss = Double.NaN;
      if (eval != null) {
        Evaluator.Metrics m = Evaluator.evaluate(Network.of(graph, StateDict.of(null, params)), eval);
        evalAcc = m.accuracy();
        evalLoss = m.loss();
      }
      EpochStats stats = new EpochStats(epoch + 1, firstLr, lossSum / seen, 100.0 * correct / seen, evalAcc, evalLoss,
          seen / seconds, seconds);
      history.add(stats);
      LOG.info(format(stats, o.epochs()));
      if (checkpointer != null) {
        try {
          checkpointer.save(new TrainState(epoch + 1, copy(params), copy(optimizer.state()), optimizer.steps(),
              history));
        } catch (IOException ex) {
          throw new UncheckedIOException("could not save the checkpoint after epoch " + (epoch + 1), ex);
        }
      }
      if (listener != null) {
        listener.epochDone(stats);
      }
    }
    if (Profile.ON) {
      LOG.info("CPU time of this run by phase and op (-Dotfuse.profile): {}",
          Profile.report(profiled, Profile.millis()));
    }
    return new Result(Network.of(graph, StateDict.of(null, copy(params))), history, start);
  }

  /** The progress line of one epoch. */
  public static String format(EpochStats s, int epochs) {
    String eval = Double.isNaN(s.evalAccuracy()) ? ""
        : String.format(Locale.ROOT, ", test acc %.2f%% loss %.4f", s.evalAccuracy(), s.evalLoss());
    return String.format(Locale.ROOT, "epoch %d/%d: lr %.5f, train loss %.4f acc %.2f%%%s, %.0f images/s (%.1f s)",
        s.epoch(), epochs, s.learningRate(), s.trainLoss(), s.trainAccuracy(), eval, s.imagesPerSecond(), s.seconds());
  }

  /** Names of the tensors the optimiser updates: Linear/Conv2d weights and biases, BatchNorm affine. */
  public static List<String> trainableNames(Graph g) {
    List<String> out = new ArrayList<>();
    for (Node node : g.nodes()) {
      if (node.op() instanceof Op.Linear l) {
        out.add(l.module() + ".weight");
        if (l.bias()) {
          out.add(l.module() + ".bias");
        }
      } else if (node.op() instanceof Op.Conv2d c) {
        out.add(c.module() + ".weight");
        if (c.bias()) {
          out.add(c.module() + ".bias");
        }
      } else if (node.op() instanceof Op.BatchNorm b) {
        out.add(b.module() + ".weight");
        out.add(b.module() + ".bias");
      }
    }
    return out;
  }

  /** The random stream of {@code (seed, epoch, purpose)}: 0 shuffling, 1 augmentation. */
  static SplittableRandom stream(long seed, int epoch, int purpose) {
    long h = seed * 0x9E3779B97F4A7C15L + epoch * 0xBF58476D1CE4E5B9L + purpose * 0x94D049BB133111EBL;
    return new SplittableRandom(h);
  }

  private static Optional<TrainState> latest(Checkpointer c) {
    try {
      return c.latest();
    } catch (IOException e) {
      throw new UncheckedIOException("could not read the checkpoint", e);
    }
  }

  /** Fresh, writable copies (float32 for floating-point tensors; counters stay int64). */
  static Map<String, INDArray> copy(Map<String, INDArray> params) {
    Map<String, INDArray> out = new LinkedHashMap<>();
    params.forEach((k, v) -> out.put(k, v.dataType().isFPType() && v.dataType() != DataType.FLOAT
        ? v.castTo(DataType.FLOAT) : v.dup()));
    return out;
  }

  private static void checkData(Graph g, ImageDataset d, String what) {
    long[] in = g.shape(g.input().id());
    long features = Arrays.stream(in).reduce(1, (a, b) -> a * b);
    if (d.features().columns() != features) {
      throw new IllegalArgumentException(what + " data " + d.name() + " has " + d.features().columns()
          + " features per image (" + Arrays.toString(d.imageShape()) + ") but " + g.name() + " reads "
          + Arrays.toString(in));
    }
    int classes = (int) g.shape(g.output())[0];
    if (d.numClasses() > classes) {
      throw new IllegalArgumentException(what + " data " + d.name() + " has " + d.numClasses() + " classes but "
          + g.name() + " outputs " + classes);
    }
  }
}
