package org.otfuse.core.data;

import java.io.IOException;

/** One entry point for every dataset otfuse reads: dispatches on the {@link DatasetName}. */
public final class Datasets {

  private Datasets() {}

  /**
   * Loads {@code split} of {@code dataset} from {@code dir}: MNIST and Fashion-MNIST from idx files
   * ({@link MnistFamily#load}), CIFAR-10 and CIFAR-100 (fine labels) from the binary or python
   * files, extracted or archived ({@link Cifar#load}).
   */
  public static ImageDataset load(DatasetName dataset, String dir, Split split) throws IOException {
    switch (dataset) {
      case MNIST:
      case FASHION_MNIST:
        return MnistFamily.load(dataset, dir, split);
      case CIFAR10:
      case CIFAR100:
        return Cifar.load(dataset, dir, split);
      default:
        throw new IllegalArgumentException("no loader for " + dataset.cliName());
    }
  }
}
