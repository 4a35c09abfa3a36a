package org.otfuse.core.data;

import java.util.Arrays;
import java.util.Optional;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * A labelled image set held as one float32 matrix: {@code features} is N x (C*H*W), already
 * normalised, rows in the dataset's order; {@code labels} is a length-N INT vector.
 *
 * <p>Features are laid out image by image in C, H, W order (channel planes, each row-major), the
 * layout of PyTorch's {@code ToTensor} flattened. When the dataset knows the per-channel constants
 * of the transform {@code (x/255 - mean[c]) / std[c]} that made its features ({@link
 * #normalisation()}), {@link #padded(int)} can pad images in raw pixel space.
 *
 * <p>The arrays are shared, not copied: callers must not modify them in place.
 */
public final class ImageDataset {
  private final String name;
  private final INDArray features;
  private final INDArray labels;
  private final long[] imageShape;
  private final int numClasses;
  private final Normalisation normalisation;

  /**
   * The per-channel constants of torchvision's {@code ToTensor} then {@code Normalize(mean, std)},
   * i.e. {@code (x/255 - mean[c]) / std[c]} for a raw pixel {@code x} in 0..255 of channel {@code c}.
   * Arrays are copied in and out.
   */
  public record Normalisation(double[] mean, double[] std) {
    public Normalisation {
      if (mean == null || std == null || mean.length == 0 || mean.length != std.length) {
        throw new IllegalArgumentException("normalisation needs one mean and one std per channel, got mean "
            + Arrays.toString(mean) + " and std " + Arrays.toString(std));
      }
      for (int c = 0; c < mean.length; c++) {
        if (!Double.isFinite(mean[c]) || !(std[c] > 0) || !Double.isFinite(std[c])) {
          throw new IllegalArgumentException("channel " + c + " has mean " + mean[c] + " and std " + std[c]
              + "; the mean must be finite and the std finite and > 0");
        }
      }
      mean = mean.clone();
      std = std.clone();
    }

    /** One channel with {@code mean} and {@code std}. */
    public static Normalisation of(double mean, double std) {
      return new Normalisation(new double[] {mean}, new double[] {std});
    }

    public int channels() {
      return mean.length;
    }

    @Override
    public double[] mean() {
      return mean.clone();
    }

    @Override
    public double[] std() {
      return std.clone();
    }

    /**
     * The normalised value of a raw 0 pixel of channel {@code c} in float32, as torchvision computes
     * it after {@code Pad(fill=0)}: {@code (0/255 - mean) / std}.
     */
    public float zeroValue(int c) {
      return (0f - (float) mean[c]) / (float) std[c];
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Normalisation n && Arrays.equals(mean, n.mean) && Arrays.equals(std, n.std);
    }

    @Override
    public int hashCode() {
      return 31 * Arrays.hashCode(mean) + Arrays.hashCode(std);
    }

    @Override
    public String toString() {
      return "Normalisation[mean=" + Arrays.toString(mean) + ", std=" + Arrays.toString(std) + "]";
    }
  }

  /**
   * A dataset whose normalisation is not known ({@link #normalisation()} is empty, so {@link
   * #padded(int)} is unavailable).
   *
   * @param imageShape C, H, W of one image; its product must equal the feature width
   */
  public ImageDataset(String name, INDArray features, INDArray labels, long[] imageShape, int numClasses) {
    this(name, features, labels, imageShape, numClasses, null);
  }

  /**
   * @param imageShape C, H, W of one image; its product must equal the feature width
   * @param normalisation the transform that made the features, one mean and std per channel
   *     ({@code imageShape[0]} of them); null when not known
   */
  public ImageDataset(String name, INDArray features, INDArray labels, long[] imageShape, int numClasses,
      Normalisation normalisation) {
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
    if (normalisation != null && (imageShape.length == 0 || normalisation.channels() != imageShape[0])) {
      throw new IllegalArgumentException(name + ": normalisation has " + normalisation.channels()
          + " channels but the image shape is " + Arrays.toString(imageShape));
    }
    this.imageShape = imageShape.clone();
    this.numClasses = numClasses;
    this.normalisation = normalisation;
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

  /** The per-channel transform that made the features, when known. */
  public Optional<Normalisation> normalisation() {
    return Optional.ofNullable(normalisation);
  }

  public int size() {
    return (int) features.rows();
  }

  /** The images at {@code indices}, in that order (copies). */
  public ImageDataset subset(int[] indices) {
    INDArray idx = Nd4j.createFromArray(indices);
    return new ImageDataset(name, features.getRows(indices), labels.get(idx), imageShape, numClasses,
        normalisation);
  }

  /** The first {@code n} images (views). */
  public ImageDataset head(int n) {
    int k = Math.min(n, size());
    return new ImageDataset(name, features.get(NDArrayIndex.interval(0, k), NDArrayIndex.all()),
        labels.get(NDArrayIndex.interval(0, k)), imageShape, numClasses, normalisation);
  }

  /**
   * Zero-pads every image by {@code pad} pixels on each side <em>in raw pixel space</em>, as
   * torchvision's {@code Pad(pad, fill=0)} before {@code ToTensor} and {@code Normalize}: the new
   * border holds {@link Normalisation#zeroValue(int) (0 - mean[c]) / std[c]} of its channel, the
   * interior the original features. Used to feed 28x28 MNIST to networks built for 32x32 inputs.
   *
   * @return a new dataset (fresh features; labels shared) with image shape {@code [C, H+2p, W+2p]};
   *     this one when {@code pad} is 0. Not modified: this dataset.
   * @throws IllegalStateException when the normalisation is not known
   */
  public ImageDataset padded(int pad) {
    if (pad < 0) {
      throw new IllegalArgumentException(name + ": pad is " + pad + " but must be >= 0");
    }
    if (imageShape.length != 3) {
      throw new IllegalArgumentException(name + ": padding needs images of shape [C, H, W], not "
          + Arrays.toString(imageShape));
    }
    if (pad == 0) {
      return this;
    }
    if (normalisation == null) {
      throw new IllegalStateException(name + ": padding in raw pixel space needs the per-channel mean and std of"
          + " the features' normalisation, which this dataset was built without");
    }
    long n = features.rows();
    long c = imageShape[0];
    long h = imageShape[1];
    long w = imageShape[2];
    long h2 = h + 2L * pad;
    long w2 = w + 2L * pad;
    INDArray out = Nd4j.create(features.dataType(), n, c, h2, w2);
    for (int ch = 0; ch < c; ch++) {
      out.get(NDArrayIndex.all(), NDArrayIndex.point(ch), NDArrayIndex.all(), NDArrayIndex.all())
          .assign(normalisation.zeroValue(ch));
    }
    out.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.interval(pad, pad + h),
        NDArrayIndex.interval(pad, pad + w)).assign(features.reshape('c', n, c, h, w));
    return new ImageDataset(name, out.reshape('c', n, c * h2 * w2), labels, new long[] {c, h2, w2}, numClasses,
        normalisation);
  }

  /** Labels as a Java array (a copy). */
  public int[] labelArray() {
    return labels.toIntVector();
  }
}
