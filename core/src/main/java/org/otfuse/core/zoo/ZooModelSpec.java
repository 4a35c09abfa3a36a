package org.otfuse.core.zoo;

import java.io.Serializable;
import java.util.List;
import java.util.stream.Collectors;
import org.otfuse.core.data.DatasetName;

/**
 * One model of a zoo to train: dataset, architecture (with its classes and input shape), seed,
 * training split and recipe. Its {@link #modelId()} is a readable, deterministic directory name.
 */
public record ZooModelSpec(DatasetName dataset, ModelArch arch, long seed, ZooSplit split, ZooRecipe recipe)
    implements Serializable {
  private static final long serialVersionUID = 2L;

  public ZooModelSpec {
    if (dataset == null || arch == null || split == null || recipe == null) {
      throw new IllegalArgumentException("zoo model: dataset, arch, split and recipe must be set, got " + dataset
          + ", " + arch + ", " + split + ", " + recipe);
    }
    if (recipe.engine() == ZooRecipe.Engine.MLP && !plainMlp(arch)) {
      throw new IllegalArgumentException("zoo model " + arch + ": trainer = mlp trains plain MLPs (arch = mlp"
          + " without BatchNorm) only; use trainer = graph or auto");
    }
    if (recipe.engine() == ZooRecipe.Engine.MLP && !recipe.isMlpRecipe()) {
      throw new IllegalArgumentException("zoo model " + arch + ": trainer = mlp runs schedule = constant,"
          + " weight-decay = 0 and augmentation = none only, got schedule = " + recipe.schedule() + ", weight-decay = "
          + recipe.weightDecay() + ", augmentation = " + recipe.augmentationName() + "; use trainer = graph or auto");
    }
  }

  /**
   * An MLP on flat inputs trained with the original recipe (constant rate, no weight decay, no
   * augmentation): the zoo models of earlier otfuse versions, with the same ids.
   */
  public static ZooModelSpec mlp(DatasetName dataset, List<Integer> hidden, boolean bias, long seed, ZooSplit split,
      int epochs, int batchSize, double learningRate, double momentum, int trainLimit) {
    return new ZooModelSpec(dataset, mlpArch(dataset, hidden, bias), seed, split,
        ZooRecipe.sgd(epochs, batchSize, learningRate, momentum, trainLimit));
  }

  /** A plain MLP with {@code hidden} widths on {@code dataset}'s flattened images. */
  static ModelArch mlpArch(DatasetName dataset, List<Integer> hidden, boolean bias) {
    long features = 1;
    for (long d : dataset.imageShape()) {
      features *= d;
    }
    return new ModelArch("mlp", null, 1.0, hidden, bias, false, dataset.numClasses(), List.of(features));
  }

  private static boolean plainMlp(ModelArch a) {
    return a.isMlp() && !a.batchNorm() && a.conf() == null;
  }

  /** The training loop that runs this model ({@link ZooRecipe.Engine#AUTO} resolved). */
  public ZooRecipe.Engine engine() {
    if (recipe.engine() != ZooRecipe.Engine.AUTO) {
      return recipe.engine();
    }
    return plainMlp(arch) && recipe.isMlpRecipe() ? ZooRecipe.Engine.MLP : ZooRecipe.Engine.GRAPH;
  }

  /**
   * {@code <dataset>_<arch label>[-nobias][-bn]_s<seed>_<split>_e<epochs>[_n<limit>]}, for example
   * {@code fashion-mnist_mlp-64x32_s0_full_e2} or {@code cifar10_vgg11-w0.25-nobias_s1_full_e300};
   * see {@link ModelArch#label()} (a file architecture's bias and BatchNorm are its own, not in the
   * id). Two specs with the same id train the same model: the learning rate, momentum, batch
   * size, schedule, weight decay, augmentation and training loop are not part of the id (change
   * them with a new zoo directory).
   */
  public String modelId() {
    String flags = arch.isConf() ? "" : (arch.bias() ? "" : "-nobias") + (arch.batchNorm() ? "-bn" : "");
    return dataset.cliName() + "_" + arch.label() + flags + "_s" + seed + "_" + split.name() + "_e" + recipe.epochs()
        + (recipe.trainLimit() > 0 ? "_n" + recipe.trainLimit() : "");
  }

  /**
   * The settings of the training run in words; a checkpoint of a run with other settings is not
   * resumed ({@link org.otfuse.core.train.RunDirectory}).
   */
  public String fingerprint() {
    return "model=" + modelId() + "; arch=" + arch + (arch.conf() == null ? "" : "; arch_conf_hash="
        + Integer.toHexString(arch.conf().hashCode())) + "; split=" + split.name() + "; init_seed=" + seed + "; "
        + recipe.trainOptions(seed);
  }

  /** {@code 64x32}. */
  public static String widthsLabel(List<Integer> hidden) {
    return hidden.stream().map(String::valueOf).collect(Collectors.joining("x"));
  }
}
