package org.otfuse.core.data;

import java.util.Arrays;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * A labelled image set held as one float32 matrix: {@code features} is N x (C*H*W), already
 * normalised, rows in the dataset's order; {@code labels} is a length-N INT vector.
 *
 * <p>The arrays are shared, not copied: callers must not modify them in place.
 */
public final class ImageDataset {
  private final String name;
  private final INDArray features;
  private final INDArray labels;
  private final long[] imageShape;
  private final int numClasses;

  /**
   * @param imageShape C, H, W of one image; its product must equal the feature width
   */
  public ImageDataset(String name, INDArray features, INDArray labels, long[] imageShape, int numClasses) {
    if (features.rank() != 2 || labels.rank() != 1 || features.rows() != labels.length()) {
      throw new IllegalArgumentException(name + ": features " + Arrays.toString(features.shape())
          + " and labels " + Arrays.toString(labels.shape()) + " do not describe the same N images");
    }
    long flat = Arrays.stream(imageShape).reduce(1, (a, b) -> a * b);
    if (flat != features.columns()) {
      throw new IllegalArgumentException(name + ": image shape " + Arrays.toString(imageShape)
          + " has " + flat + " values but features have " + features.columns() + " columns");
    }
    this.name = name;
    this.features = features;
    this.labels = labels.dataType() == DataType.INT ? labels : labels.castTo(DataType.INT);
    this.imageShape = imageShape.clone();
    this.numClasses = numClasses;
  }

  public String name() {
    return name;
  }

  /** N x D float32 normalised features (shared; do not modify). */
  public INDArray features() {
    return features;
  }

  /** Length-N INT labels (shared; do not modify). */
  public INDArray labels() {
    return labels;
  }

  public long[] imageShape() {
    return imageShape.clone();
  }

  public int numClasses() {
    return numClasses;
  }

  public int size() {
    return (int) features.rows();
  }

  /** The images at {@code indices}, in that order (copies). */
  public ImageDataset subset(int[] indices) {
    INDArray idx = Nd4j.createFromArray(indices);
    return new ImageDataset(name, features.getRows(indices), labels.get(idx), imageShape, numClasses);
  }

  /** The first {@code n} images (views). */
  public ImageDataset head(int n) {
    int k = Math.min(n, size());
    return new ImageDataset(name, features.get(NDArrayIndex.interval(0, k), NDArrayIndex.all()),
        labels.get(NDArrayIndex.interval(0, k)), imageShape, numClasses);
  }

  /** Labels as a Java array (a copy). */
  public int[] labelArray() {
    return labels.toIntVector();
  }
}
