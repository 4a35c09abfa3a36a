package org.otfuse.core.data;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.hadoop.fs.Path;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.otfuse.core.io.HadoopPaths;
import org.otfuse.core.io.TensorFormatException;

/**
 * Loads CIFAR-10 and CIFAR-100 (Krizhevsky, "Learning Multiple Layers of Features from Tiny
 * Images", 2009; https://www.cs.toronto.edu/~kriz/cifar.html) in either format its authors publish,
 * extracted or straight from the official {@code .tar.gz} archive, from any Hadoop path:
 *
 * <ul>
 *   <li>binary: {@code cifar-10-batches-bin/data_batch_1.bin .. data_batch_5.bin, test_batch.bin},
 *       records of {@code <label byte><3072 pixel bytes>}; {@code cifar-100-binary/train.bin,
 *       test.bin}, records of {@code <coarse byte><fine byte><3072 pixel bytes>};
 *   <li>python: {@code cifar-10-batches-py/data_batch_1 .. data_batch_5, test_batch} and {@code
 *       cifar-100-python/train, test}, pickled dicts (see {@link CifarPickle}) with {@code data}, a
 *       uint8 array N x 3072, and {@code labels}, or {@code fine_labels} and {@code coarse_labels}.
 * </ul>
 *
 * <p>A data directory may hold any of them; the first present of: the extracted binary folder, the
 * extracted python folder, the binary archive ({@code cifar-10-binary.tar.gz}, {@code
 * cifar-100-binary.tar.gz}), the python archive ({@code cifar-10-python.tar.gz}, {@code
 * cifar-100-python.tar.gz}) is used, and the directory may also be the extracted folder itself.
 * Training images come batch after batch in file order.
 *
 * <p>Pixels keep the files' layout, which is PyTorch's C, H, W: per image the 1024 red values, then
 * green, then blue, each plane row-major; the features are {@code (x/255 - mean[c]) / std[c]} in
 * float32 with {@link DatasetName#normalisation()}'s constants, the operations in torchvision's
 * order ({@code ToTensor}, then {@code Normalize}).
 */
public final class Cifar {
  static final int PIXELS = 3 * 32 * 32;
  private static final int CHUNK_ROWS = 1024;

  /** Which CIFAR-100 labels to use; CIFAR-10 has one kind only (use {@link #FINE}). */
  public enum Labels {
    /** CIFAR-100's 100 classes (and CIFAR-10's 10). */
    FINE,
    /** CIFAR-100's 20 superclasses. */
    COARSE
  }

  /** The two formats of the authors' files. */
  enum Format {
    BINARY,
    PYTHON
  }

  /** Where one format of one dataset lives: its folder, its archive and the member file names. */
  record Layout(DatasetName dataset, Format format, String folder, String archive, List<String> train,
      List<String> test) {
    List<String> members(Split split) {
      return split == Split.TRAIN ? train : test;
    }

    /** Bytes per record of the binary format (label bytes plus pixels). */
    int recordBytes() {
      return (dataset == DatasetName.CIFAR100 ? 2 : 1) + PIXELS;
    }
  }

  private Cifar() {}

  /** The layouts of {@code dataset}, binary first. */
  static List<Layout> layouts(DatasetName dataset) {
    switch (dataset) {
      case CIFAR10: {
        List<String> bins = new ArrayList<>();
        List<String> pys = new ArrayList<>();
        for (int b = 1; b <= 5; b++) {
          bins.add("data_batch_" + b + ".bin");
          pys.add("data_batch_" + b);
        }
        return List.of(
            new Layout(dataset, Format.BINARY, "cifar-10-batches-bin", "cifar-10-binary.tar.gz", bins,
                List.of("test_batch.bin")),
            new Layout(dataset, Format.PYTHON, "cifar-10-batches-py", "cifar-10-python.tar.gz", pys,
                List.of("test_batch")));
      }
      case CIFAR100:
        return List.of(
            new Layout(dataset, Format.BINARY, "cifar-100-binary", "cifar-100-binary.tar.gz", List.of("train.bin"),
                List.of("test.bin")),
            new Layout(dataset, Format.PYTHON, "cifar-100-python", "cifar-100-python.tar.gz", List.of("train"),
                List.of("test")));
      default:
        throw new IllegalArgumentException(dataset.cliName() + " is not a CIFAR dataset; load it with"
            + " Datasets.load or MnistFamily.load");
    }
  }

  /** Loads {@code split} of {@code dataset} (CIFAR-100 with its fine labels) from {@code dir}. */
  public static ImageDataset load(DatasetName dataset, String dir, Split split) throws IOException {
    return load(dataset, dir, split, Labels.FINE);
  }

  /**
   * Loads {@code split} of {@code dataset} from {@code dir}.
   *
   * @param labels {@link Labels#COARSE} for CIFAR-100's 20 superclasses (numClasses 20)
   * @throws FileNotFoundException when {@code dir} holds none of the four forms, or a member file
   * @throws TensorFormatException naming the file (and archive member) when a file is truncated or
   *     corrupt, or a label is out of range
   */
  public static ImageDataset load(DatasetName dataset, String dir, Split split, Labels labels)
      throws IOException {
    List<Layout> layouts = layouts(dataset);
    if (labels == Labels.COARSE && dataset != DatasetName.CIFAR100) {
      throw new IllegalArgumentException(dataset.cliName() + " has no coarse labels (only cifar100 has)");
    }
    Map<String, byte[]> files = null;
    Layout used = null;
    List<String> looked = new ArrayList<>();
    // Extracted folders first (no decompression), then archives, then dir as the folder itself.
    for (Layout l : layouts) {
      String folder = new Path(dir, l.folder()).toString();
      looked.add(folder + "/");
      if (HadoopPaths.exists(folder)) {
        files = readFolder(folder, l.members(split));
        used = l;
        break;
      }
    }
    if (files == null) {
      for (Layout l : layouts) {
        String archive = new Path(dir, l.archive()).toString();
        looked.add(archive);
        if (HadoopPaths.exists(archive)) {
          List<String> paths = l.members(split).stream().map(m -> l.folder() + "/" + m).toList();
          Map<String, byte[]> members = TarGz.read(archive, paths);
          files = new LinkedHashMap<>();
          for (String p : paths) {
            files.put(TarGz.memberSource(archive, p), members.get(p));
          }
          used = l;
          break;
        }
      }
    }
    if (files == null) {
      for (Layout l : layouts) {
        if (HadoopPaths.exists(new Path(dir, l.members(split).get(0)).toString())) {
          files = readFolder(dir, l.members(split));
          used = l;
          break;
        }
      }
    }
    if (files == null) {
      throw new FileNotFoundException("no " + dataset.cliName() + " data in " + dir + ": looked for "
          + String.join(", ", looked) + " (run `otfuse download --dataset " + dataset.cliName()
          + "` or point --data-dir at a directory holding one of them)");
    }
    List<Batch> batches = new ArrayList<>();
    for (Map.Entry<String, byte[]> f : files.entrySet()) {
      batches.add(used.format() == Format.BINARY
          ? parseBinary(f.getValue(), f.getKey(), used.dataset(), labels)
          : parsePickle(f.getValue(), f.getKey(), used.dataset(), labels));
    }
    int classes = labels == Labels.COARSE ? 20 : dataset.numClasses();
    return fromBatches(dataset.cliName() + "/" + split.name().toLowerCase(Locale.ROOT)
        + (labels == Labels.COARSE ? "-coarse" : ""), batches, classes, dataset.normalisation());
  }

  private static Map<String, byte[]> readFolder(String folder, List<String> members) throws IOException {
    Map<String, byte[]> out = new LinkedHashMap<>();
    for (String m : members) {
      String p = new Path(folder, m).toString();
      if (!HadoopPaths.exists(p)) {
        throw new FileNotFoundException(p + ": no such file (the folder " + folder + " lacks this batch;"
            + " extract the whole archive again)");
      }
      out.put(p, HadoopPaths.readAllBytes(p));
    }
    return out;
  }

  /**
   * Images of one file: image {@code r}'s pixel {@code k} is {@code raw[offset + r*stride + k]}.
   */
  record Batch(byte[] raw, int offset, int stride, int count, int[] labels) {}

  static Batch parseBinary(byte[] data, String source, DatasetName dataset, Labels which)
      throws TensorFormatException {
    boolean c100 = dataset == DatasetName.CIFAR100;
    int rec = (c100 ? 2 : 1) + PIXELS;
    if (data.length == 0 || data.length % rec != 0) {
      throw new TensorFormatException(source, (data.length == 0 ? "empty" : "truncated or corrupt") + ": "
          + data.length + " bytes is not a whole number of " + rec + "-byte records (" + (c100
          ? "coarse label, fine label" : "label") + ", 3072 pixels)");
    }
    int n = data.length / rec;
    int[] labels = new int[n];
    int pick = c100 && which == Labels.FINE ? 1 : 0;
    for (int r = 0; r < n; r++) {
      if (c100) {
        int coarse = data[r * rec] & 0xff;
        int fine = data[r * rec + 1] & 0xff;
        if (coarse >= 20 || fine >= 100) {
          throw new TensorFormatException(source, "record " + r + " has coarse label " + coarse
              + " and fine label " + fine + " (must be < 20 and < 100): not a CIFAR-100 file or corrupt");
        }
      } else if ((data[r * rec] & 0xff) >= 10) {
        throw new TensorFormatException(source, "record " + r + " has label " + (data[r * rec] & 0xff)
            + " (must be < 10): not a CIFAR-10 file or corrupt");
      }
      labels[r] = data[r * rec + pick] & 0xff;
    }
    return new Batch(data, c100 ? 2 : 1, rec, n, labels);
  }

  static Batch parsePickle(byte[] bytes, String source, DatasetName dataset, Labels which)
      throws TensorFormatException {
    Map<String, Object> d = CifarPickle.read(bytes, source);
    Object data = d.get("data");
    if (!(data instanceof CifarPickle.NdArray a)) {
      throw new TensorFormatException(source, data == null ? "no 'data' entry (keys: " + d.keySet() + ")"
          : "'data' is " + CifarPickle.describe(data) + ", not a numpy array");
    }
    long[] shape = a.shape();
    long flat = shape.length == 0 ? 0 : a.count() / Math.max(1, shape[0]);
    if (!a.isUInt8() || shape.length < 2 || flat != PIXELS) {
      throw new TensorFormatException(source, "'data' is a " + a.dtype() + " array of shape "
          + Arrays.toString(shape) + "; expected uint8 of shape [N, 3072]");
    }
    int n = Math.toIntExact(shape[0]);
    String key = dataset == DatasetName.CIFAR100 ? (which == Labels.COARSE ? "coarse_labels" : "fine_labels")
        : "labels";
    int limit = dataset == DatasetName.CIFAR100 && which == Labels.COARSE ? 20 : dataset.numClasses();
    int[] labels = labelList(d.get(key), key, source, d);
    if (labels.length != n) {
      throw new TensorFormatException(source, "'" + key + "' has " + labels.length + " labels but 'data' has "
          + n + " images");
    }
    for (int i = 0; i < n; i++) {
      if (labels[i] < 0 || labels[i] >= limit) {
        throw new TensorFormatException(source, "'" + key + "'[" + i + "] is " + labels[i] + " (must be in [0, "
            + limit + "))");
      }
    }
    if (dataset == DatasetName.CIFAR100) {
      // Check the other kind too, so that a file with broken coarse labels fails either way.
      String other = which == Labels.COARSE ? "fine_labels" : "coarse_labels";
      if (d.containsKey(other) && labelList(d.get(other), other, source, d).length != n) {
        throw new TensorFormatException(source, "'" + other + "' and 'data' disagree on the number of images");
      }
    }
    return new Batch(a.data(), 0, PIXELS, n, labels);
  }

  private static int[] labelList(Object o, String key, String source, Map<String, Object> d)
      throws TensorFormatException {
    if (o == null) {
      throw new TensorFormatException(source, "no '" + key + "' entry (keys: " + d.keySet() + ")");
    }
    if (o instanceof CifarPickle.NdArray a) {
      if (a.shape().length != 1) {
        throw new TensorFormatException(source, "'" + key + "' has shape " + Arrays.toString(a.shape())
            + ", not a vector");
      }
      return a.toIntArray(source);
    }
    if (!(o instanceof List<?> list)) {
      throw new TensorFormatException(source, "'" + key + "' is " + CifarPickle.describe(o) + ", not a list");
    }
    int[] out = new int[list.size()];
    for (int i = 0; i < out.length; i++) {
      Object v = list.get(i);
      if (!(v instanceof Integer || v instanceof Long || v instanceof Short || v instanceof Byte)) {
        throw new TensorFormatException(source, "'" + key + "'[" + i + "] is " + CifarPickle.describe(v)
            + ", not an integer");
      }
      long x = ((Number) v).longValue();
      if (x != (int) x) {
        throw new TensorFormatException(source, "'" + key + "'[" + i + "] is " + x + ", outside the int range");
      }
      out[i] = (int) x;
    }
    return out;
  }

  /**
   * Builds a normalised dataset from raw CIFAR pixels: {@code pixels} holds {@code labels.length}
   * images of 3072 bytes (R plane, G plane, B plane, each 32x32 row-major). Not modified: the
   * arguments.
   */
  public static ImageDataset fromPixels(String name, byte[] pixels, int[] labels, int numClasses,
      ImageDataset.Normalisation norm) {
    if (pixels.length != (long) labels.length * PIXELS) {
      throw new IllegalArgumentException(name + ": " + pixels.length + " pixel bytes for " + labels.length
          + " images of 3072");
    }
    return fromBatches(name, List.of(new Batch(pixels, 0, PIXELS, labels.length, labels)), numClasses, norm);
  }

  private static ImageDataset fromBatches(String name, List<Batch> batches, int numClasses,
      ImageDataset.Normalisation norm) {
    int total = 0;
    for (Batch b : batches) {
      total = Math.addExact(total, b.count());
    }
    INDArray x = Nd4j.create(DataType.FLOAT, total, PIXELS);
    int[] y = new int[total];
    int row = 0;
    for (Batch b : batches) {
      System.arraycopy(b.labels(), 0, y, row, b.count());
      for (int r0 = 0; r0 < b.count(); r0 += CHUNK_ROWS) {
        int rows = Math.min(CHUNK_ROWS, b.count() - r0);
        float[] chunk = new float[rows * PIXELS];
        for (int r = 0; r < rows; r++) {
          int src = b.offset() + (r0 + r) * b.stride();
          int dst = r * PIXELS;
          for (int k = 0; k < PIXELS; k++) {
            chunk[dst + k] = b.raw()[src + k] & 0xff;
          }
        }
        x.get(NDArrayIndex.interval(row + r0, row + r0 + rows), NDArrayIndex.all())
            .assign(Nd4j.createFromArray(chunk).reshape('c', rows, PIXELS));
      }
      row += b.count();
    }
    // Same float32 operations, in the same order, as torchvision's ToTensor (x/255) then Normalize
    // ((x - mean[c]) / std[c]): broadcast over rows with one constant per column.
    double[] mean = norm.mean();
    double[] std = norm.std();
    int plane = PIXELS / mean.length;
    float[] m = new float[PIXELS];
    float[] s = new float[PIXELS];
    for (int c = 0; c < mean.length; c++) {
      Arrays.fill(m, c * plane, (c + 1) * plane, (float) mean[c]);
      Arrays.fill(s, c * plane, (c + 1) * plane, (float) std[c]);
    }
    x.divi(255f).subiRowVector(Nd4j.createFromArray(m)).diviRowVector(Nd4j.createFromArray(s));
    return new ImageDataset(name, x, Nd4j.createFromArray(y), new long[] {3, 32, 32}, numClasses, norm);
  }
}
