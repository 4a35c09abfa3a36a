package org.otfuse.core.data;

/** Which half of a dataset: the training or the test split. */
public enum Split {
  TRAIN("train"),
  TEST("t10k");

  private final String idxPrefix;

  Split(String idxPrefix) {
    this.idxPrefix = idxPrefix;
  }

  /** File name of the idx images file, without {@code .gz}. */
  public String imagesFile() {
    return idxPrefix + "-images-idx3-ubyte";
  }

  /** File name of the idx labels file, without {@code .gz}. */
  public String labelsFile() {
    return idxPrefix + "-labels-idx1-ubyte";
  }
}
