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
 * </ul>
 */
public enum DatasetName {
  MNIST("mnist", 0.1307, 0.3081, "http://yann.lecun.com/exdb/mnist/",
      "https://ossci-datasets.s3.amazonaws.com/mnist/"),
  FASHION_MNIST("fashion-mnist", 0.2860, 0.3530,
      "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/");

  private final String cliName;
  private final double mean;
  private final double std;
  private final List<String> mirrors;

  DatasetName(String cliName, double mean, double std, String... mirrors) {
    this.cliName = cliName;
    this.mean = mean;
    this.std = std;
    this.mirrors = List.of(mirrors);
  }

  /** The name used on the command line and in configuration ({@code mnist}, {@code fashion-mnist}). */
  public String cliName() {
    return cliName;
  }

  public double mean() {
    return mean;
  }

  public double std() {
    return std;
  }

  /** Base URLs the idx files are downloaded from, tried in order. */
  public List<String> mirrors() {
    return mirrors;
  }

  /** Parses a command-line name; fails naming the accepted values. */
  public static DatasetName parse(String name) {
    String key = name.trim().toLowerCase(Locale.ROOT).replace('_', '-');
    for (DatasetName d : values()) {
      if (d.cliName.equals(key)) {
        return d;
      }
    }
    throw new IllegalArgumentException("unknown dataset '" + name + "'; expected one of "
        + Arrays.stream(values()).map(DatasetName::cliName).toList());
  }
}
