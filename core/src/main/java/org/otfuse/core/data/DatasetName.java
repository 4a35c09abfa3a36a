package org.otfuse.core.data;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The datasets otfuse reads, with the per-channel normalisation {@code (x/255 - mean)/std} the
 * reference implementation applies.
 *
 * <ul>
 *   <li>MNIST: mean 0.1307, std 0.3081 (the reference's and torchvision's constants).
 *   <li>Fashion-MNIST: mean 0.2860, std 0.3530, computed over its 60,000 training images
 *       (0.28604, 0.35302 to five digits).
 *   <li>CIFAR-10: mean (0.4914, 0.4822, 0.4465), std (0.2023, 0.1994, 0.2010) for R, G, B: the
 *       constants of kuangliu's pytorch-cifar, used by the CIFAR training code of the otfusion
 *       reference (its {@code --cifar-style-data} pipeline; the plain torchvision loader in its
 *       {@code data.py} uses 0.5 and 0.5 instead). That std is not the per-pixel std of the
 *       training set, about (0.247, 0.243, 0.261); it is kept so that models trained the
 *       reference's way see the inputs they were trained on.
 *   <li>CIFAR-100: mean (0.5071, 0.4865, 0.4409), std (0.2673, 0.2564, 0.2762), the per-channel
 *       mean and std of its 50,000 training images (weiaicunzai/pytorch-cifar100's
 *       {@code CIFAR100_TRAIN_MEAN} and {@code CIFAR100_TRAIN_STD} to four digits).
 * </ul>
 */
public enum DatasetName {
  MNIST("mnist", 10, new long[] {1, 28, 28}, ImageDataset.Normalisation.of(0.1307, 0.3081),
      "http://yann.lecun.com/exdb/mnist/", "https://ossci-datasets.s3.amazonaws.com/mnist/"),
  FASHION_MNIST("fashion-mnist", 10, new long[] {1, 28, 28}, ImageDataset.Normalisation.of(0.2860, 0.3530),
      "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"),
  CIFAR10("cifar10", 10, new long[] {3, 32, 32},
      new ImageDataset.Normalisation(new double[] {0.4914, 0.4822, 0.4465}, new double[] {0.2023, 0.1994, 0.2010}),
      "https://www.cs.toronto.edu/~kriz/"),
  CIFAR100("cifar100", 100, new long[] {3, 32, 32},
      new ImageDataset.Normalisation(new double[] {0.5071, 0.4865, 0.4409}, new double[] {0.2673, 0.2564, 0.2762}),
      "https://www.cs.toronto.edu/~kriz/");

  private final String cliName;
  private final int numClasses;
  private final long[] imageShape;
  private final ImageDataset.Normalisation normalisation;
  private final List<String> mirrors;

  DatasetName(String cliName, int numClasses, long[] imageShape, ImageDataset.Normalisation normalisation,
      String... mirrors) {
    this.cliName = cliName;
    this.numClasses = numClasses;
    this.imageShape = imageShape;
    this.normalisation = normalisation;
    this.mirrors = List.of(mirrors);
  }

  /**
   * The name used on the command line and in configuration ({@code mnist}, {@code fashion-mnist},
   * {@code cifar10}, {@code cifar100}).
   */
  public String cliName() {
    return cliName;
  }

  /** The mean of the one-channel datasets (MNIST, Fashion-MNIST); see {@link #normalisation()} for CIFAR. */
  public double mean() {
    return singleChannel().mean()[0];
  }

  /** The std of the one-channel datasets (MNIST, Fashion-MNIST); see {@link #normalisation()} for CIFAR. */
  public double std() {
    return singleChannel().std()[0];
  }

  private ImageDataset.Normalisation singleChannel() {
    if (normalisation.channels() != 1) {
      throw new UnsupportedOperationException(cliName + " is normalised per channel ("
          + normalisation.channels() + " channels); use normalisation()");
    }
    return normalisation;
  }

  /** The per-channel mean and std of the reference transform. */
  public ImageDataset.Normalisation normalisation() {
    return normalisation;
  }

  /** Number of classes (CIFAR-100: its 100 fine labels). */
  public int numClasses() {
    return numClasses;
  }

  /** C, H, W of one image. */
  public long[] imageShape() {
    return imageShape.clone();
  }

  /**
   * Base URLs the files are downloaded from, tried in order: the idx files of MNIST and
   * Fashion-MNIST, the official archive of CIFAR.
   */
  public List<String> mirrors() {
    return mirrors;
  }

  /**
   * Whether {@code name}, as typed on a command line or in configuration, names the dataset whose
   * command-line name is {@code cliName}: surrounding blanks and case are ignored, {@code _} is
   * read as {@code -}, and hyphens may be left in where {@code cliName} has none
   * ({@code Fashion_MNIST} is {@code fashion-mnist}, {@code CIFAR-100} is {@code cifar100}).
   */
  public static boolean matches(String cliName, String name) {
    String key = name.trim().toLowerCase(Locale.ROOT).replace('_', '-');
    return cliName.equals(key) || cliName.equals(key.replace("-", ""));
  }

  /** Parses a command-line name ({@link #matches}); fails naming the accepted values. */
  public static DatasetName parse(String name) {
    for (DatasetName d : values()) {
      if (matches(d.cliName, name)) {
        return d;
      }
    }
    throw new IllegalArgumentException("unknown dataset '" + name + "'; expected one of "
        + Arrays.stream(values()).map(DatasetName::cliName).toList());
  }
}
