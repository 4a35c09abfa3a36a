package org.otfuse.core.train;

import java.util.SplittableRandom;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The CIFAR augmentation on a batch of normalised images (N x C*H*W, channel-major): a random
 * crop of the image padded by {@code padding} on every side (torchvision's
 * {@code RandomCrop(H, padding)}), then a horizontal flip with probability 1/2. Done on one Java
 * array per batch (a few milliseconds for 128 CIFAR images), not per image through ND4J.
 *
 * <p>The pad value of channel c is {@code fill[c]}: what a black pixel becomes after
 * normalisation, {@code -mean_c / std_c}, because torchvision pads the raw image with zeros
 * before {@code ToTensor} and {@code Normalize}: {@link #fill} takes it from the dataset's
 * normalisation, or, for a dataset without one, {@link #blackLevel} recovers it as the
 * per-channel minimum, exact whenever some image has a black pixel in that channel.
 */
public final class Augmenter {
  private final long[] shape;
  private final int padding;
  private final float[] fill;

  /**
   * @param imageShape C, H, W
   * @param fill per-channel pad value (length C); not modified
   */
  public Augmenter(long[] imageShape, int padding, float[] fill) {
    if (imageShape.length != 3) {
      throw new IllegalArgumentException("crop-and-flip augmentation needs C x H x W images, got "
          + java.util.Arrays.toString(imageShape));
    }
    if (fill.length != imageShape[0]) {
      throw new IllegalArgumentException("fill has " + fill.length + " values but images have " + imageShape[0]
          + " channels");
    }
    this.shape = imageShape.clone();
    this.padding = padding;
    this.fill = fill.clone();
  }

  /**
   * The pad value per channel: the dataset's normalised zero when it knows its normalisation,
   * else the per-channel minimum ({@link #blackLevel}).
   */
  public static float[] fill(org.otfuse.core.data.ImageDataset d) {
    if (d.normalisation().isPresent() && d.normalisation().get().channels() == d.imageShape()[0]) {
      float[] f = new float[(int) d.imageShape()[0]];
      for (int c = 0; c < f.length; c++) {
        f[c] = d.normalisation().get().zeroValue(c);
      }
      return f;
    }
    return blackLevel(d.features(), d.imageShape());
  }

  /** Per-channel minimum of {@code features} (N x C*H*W): the normalised value of black. */
  public static float[] blackLevel(INDArray features, long[] imageShape) {
    int c = (int) imageShape[0];
    INDArray per = features.reshape('c', features.size(0), c, features.size(1) / c).min(0, 2);
    return per.castTo(DataType.FLOAT).toFloatVector();
  }

  /** A new, augmented batch. Not modified: {@code batch}. */
  public INDArray apply(INDArray batch, SplittableRandom rng) {
    int n = (int) batch.size(0);
    int c = (int) shape[0];
    int h = (int) shape[1];
    int w = (int) shape[2];
    float[] in = batch.castTo(DataType.FLOAT).dup('c').data().asFloat();
    float[] out = new float[in.length];
    int plane = h * w;
    int image = c * plane;
    for (int i = 0; i < n; i++) {
      int dy = rng.nextInt(2 * padding + 1) - padding;
      int dx = rng.nextInt(2 * padding + 1) - padding;
      boolean flip = rng.nextBoolean();
      for (int ch = 0; ch < c; ch++) {
        int base = i * image + ch * plane;
        for (int r = 0; r < h; r++) {
          int sr = r + dy;
          int row = base + r * w;
          if (sr < 0 || sr >= h) {
            java.util.Arrays.fill(out, row, row + w, fill[ch]);
            continue;
          }
          int srow = base + sr * w;
          for (int col = 0; col < w; col++) {
            int sc = (flip ? w - 1 - col : col) + dx;
            out[row + col] = sc < 0 || sc >= w ? fill[ch] : in[srow + sc];
          }
        }
      }
    }
    return Nd4j.createFromArray(out).reshape('c', batch.shape()).castTo(batch.dataType());
  }
}
