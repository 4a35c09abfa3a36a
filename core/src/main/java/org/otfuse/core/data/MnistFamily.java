package org.otfuse.core.data;

import java.io.IOException;
import java.util.Arrays;
import org.apache.hadoop.fs.Path;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.otfuse.core.io.HadoopPaths;
import org.otfuse.core.io.TensorFormatException;

/**
 * Loads MNIST and Fashion-MNIST from a directory of idx files ({@code train-images-idx3-ubyte},
 * {@code t10k-labels-idx1-ubyte}, ..., each raw or with {@code .gz}) and applies the reference
 * transform {@code (x/255 - mean)/std} in float32, images flattened row-major to 784 columns.
 */
public final class MnistFamily {

  private MnistFamily() {}

  /** Loads {@code split} of {@code dataset} from {@code dir}. */
  public static ImageDataset load(DatasetName dataset, String dir, Split split) throws IOException {
    if (dataset.normalisation().channels() != 1) {
      throw new IllegalArgumentException(dataset.cliName() + " is not an idx dataset; load it with"
          + " Datasets.load or Cifar.load");
    }
    String images = locate(dir, split.imagesFile());
    String labels = locate(dir, split.labelsFile());
    Idx.UByteArray img = Idx.read(images);
    Idx.UByteArray lab = Idx.read(labels);
    int[] dims = img.dims();
    if (dims.length != 3) {
      throw new TensorFormatException(images, "expected 3 idx dimensions (N, H, W) but found "
          + Arrays.toString(dims));
    }
    if (lab.dims().length != 1 || lab.dims()[0] != dims[0]) {
      throw new TensorFormatException(labels, "has " + Arrays.toString(lab.dims())
          + " labels but " + images + " has " + dims[0] + " images");
    }
    return fromBytes(dataset.cliName() + "/" + split.name().toLowerCase(java.util.Locale.ROOT),
        img.data(), dims[0], dims[1], dims[2], labelInts(lab), dataset);
  }

  /** Builds a normalised dataset from raw 0..255 pixel bytes (N x H x W, row-major). */
  public static ImageDataset fromBytes(String name, byte[] pixels, int n, int h, int w, int[] labels,
      DatasetName norm) {
    float[] v = new float[pixels.length];
    for (int i = 0; i < v.length; i++) {
      v[i] = pixels[i] & 0xff;
    }
    INDArray x = Nd4j.createFromArray(v).reshape('c', n, (long) h * w);
    // Same float32 operation order as torchvision: ToTensor (x/255), then Normalize ((x-m)/s).
    x.divi(255f).subi((float) norm.mean()).divi((float) norm.std());
    INDArray y = Nd4j.createFromArray(labels);
    return new ImageDataset(name, x, y, new long[] {1, h, w}, 10, norm.normalisation());
  }

  static int[] labelInts(Idx.UByteArray lab) {
    int[] out = new int[lab.dims()[0]];
    for (int i = 0; i < out.length; i++) {
      out[i] = lab.get(i);
    }
    return out;
  }

  /** The path of {@code base} or {@code base.gz} inside {@code dir}; fails naming both. */
  static String locate(String dir, String base) throws IOException {
    String raw = new Path(dir, base).toString();
    String gz = raw + ".gz";
    if (HadoopPaths.exists(gz)) {
      return gz;
    }
    if (HadoopPaths.exists(raw)) {
      return raw;
    }
    throw new java.io.FileNotFoundException("neither " + gz + " nor " + raw + " exists"
        + " (run `submit/otfuse download` or point --data-dir at a directory with the idx files)");
  }

  /** Labels of an idx labels file as ints (used to order the npm digits). */
  public static int[] readLabels(String path) throws IOException {
    return labelInts(Idx.read(path));
  }
}
