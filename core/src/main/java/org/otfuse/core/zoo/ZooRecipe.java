package org.otfuse.core.zoo;

import java.io.Serializable;
import java.util.Locale;
import org.otfuse.core.train.Augmentation;
import org.otfuse.core.train.LrSchedule;
import org.otfuse.core.train.OptimizerOptions;
import org.otfuse.core.train.SgdOptions;
import org.otfuse.core.train.TrainOptions;

/**
 * How a zoo model is trained: SGD with momentum (PyTorch's update rule), a learning-rate
 * schedule, coupled weight decay, augmentation, and which training loop runs it
 * (HOCON block {@code otfuse.zoo.models}; every key is documented in reference.conf).
 *
 * @param epochs training epochs
 * @param batchSize minibatch size
 * @param learningRate base learning rate
 * @param momentum SGD momentum in [0, 1)
 * @param weightDecay L2 weight decay (>= 0)
 * @param schedule {@code constant}, {@code cosine} or {@code step:EVERY:GAMMA} ({@link LrSchedule#parse})
 * @param augmentation training-time augmentation
 * @param trainLimit use only the first {@code trainLimit} images of the split (0 = all)
 * @param engine which training loop; see {@link Engine}
 */
public record ZooRecipe(int epochs, int batchSize, double learningRate, double momentum, double weightDecay,
    String schedule, Augmentation augmentation, int trainLimit, Engine engine) implements Serializable {
  private static final long serialVersionUID = 1L;

  /** The training loop of a zoo model. */
  public enum Engine {
    /**
     * {@link #MLP} for a plain MLP trained with the original recipe (constant rate, no weight
     * decay, no augmentation), else {@link #GRAPH}.
     */
    AUTO,
    /**
     * {@link org.otfuse.core.train.MlpTrainer}: fixed-rate SGD with momentum on plain MLPs, the loop
     * of zoos trained by earlier otfuse versions (same initialisation, shuffling and numbers).
     */
    MLP,
    /**
     * {@link org.otfuse.core.train.Trainer}: any architecture, BatchNorm, schedules, weight decay,
     * augmentation, and a checkpoint per epoch that a retried task resumes from.
     */
    GRAPH
  }

  public ZooRecipe {
    if (epochs < 1 || batchSize < 1 || !(learningRate > 0) || !(momentum >= 0 && momentum < 1) || !(weightDecay >= 0)
        || trainLimit < 0) {
      throw new IllegalArgumentException("zoo training: epochs=" + epochs + " (>= 1), batch-size=" + batchSize
          + " (>= 1), learning-rate=" + learningRate + " (> 0), momentum=" + momentum + " ([0, 1)), weight-decay="
          + weightDecay + " (>= 0), train-limit=" + trainLimit + " (>= 0)");
    }
    if (augmentation == null || engine == null) {
      throw new IllegalArgumentException("zoo training: augmentation and engine must be set, got " + augmentation
          + ", " + engine);
    }
    schedule = LrSchedule.parse(schedule).toString();
  }

  /** The original MLP recipe: constant rate, no weight decay, no augmentation, engine {@link Engine#AUTO}. */
  public static ZooRecipe sgd(int epochs, int batchSize, double learningRate, double momentum, int trainLimit) {
    return new ZooRecipe(epochs, batchSize, learningRate, momentum, 0, "constant", Augmentation.NONE, trainLimit,
        Engine.AUTO);
  }

  /** Whether the original MLP loop can run this recipe (constant rate, no weight decay, no augmentation). */
  public boolean isMlpRecipe() {
    return schedule.equals("constant") && weightDecay == 0 && augmentation == Augmentation.NONE;
  }

  /** The parsed schedule. */
  public LrSchedule lrSchedule() {
    return LrSchedule.parse(schedule);
  }

  /** The options of {@link org.otfuse.core.train.Trainer} for initialisation seed {@code seed}. */
  public TrainOptions trainOptions(long seed) {
    return new TrainOptions(epochs, batchSize, OptimizerOptions.sgd(learningRate, momentum, weightDecay),
        lrSchedule(), augmentation, seed);
  }

  /**
   * The options of {@link org.otfuse.core.train.MlpTrainer}; the shuffling seed differs from the
   * initialisation seed but is fixed by it (as zoos trained by earlier versions).
   */
  public SgdOptions sgdOptions(long seed) {
    return new SgdOptions(epochs, batchSize, learningRate, momentum, seed * 1_000_003L + 17);
  }

  /** {@code none} or {@code crop-flip}. */
  public String augmentationName() {
    return augmentation.name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  /** Parses {@code none} or {@code crop-flip}; fails naming the accepted values. */
  public static Augmentation parseAugmentation(String s) {
    String k = s.trim().toLowerCase(Locale.ROOT).replace('_', '-');
    if (k.equals("none")) {
      return Augmentation.NONE;
    }
    if (k.equals("crop-flip")) {
      return Augmentation.CROP_FLIP;
    }
    throw new IllegalArgumentException("augmentation '" + s + "' is not none or crop-flip");
  }
}
