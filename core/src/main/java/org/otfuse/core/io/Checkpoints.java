package org.otfuse.core.io;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * Reads the tensors of a checkpoint whatever its format, judged by content, not by file name:
 *
 * <ul>
 *   <li>a zip archive with {@code <archive>/data.pkl}: a PyTorch zip checkpoint ({@link TorchCheckpoint});
 *   <li>a zip archive with {@code .npy} entries: NumPy {@code .npz} ({@link Npz});
 *   <li>a pickle starting with PyTorch's magic number: a legacy PyTorch checkpoint;
 *   <li>an 8-byte length followed by a JSON object: safetensors ({@link Safetensors});
 *   <li>{@code \x93NUMPY}: a single {@code .npy} array ({@link Npy}), named by the file name without
 *       its last extension ({@code fc1.weight.npy} holds {@code fc1.weight}).
 * </ul>
 */
public final class Checkpoints {

  private static final byte[] NPY_MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};

  private Checkpoints() {}

  /**
   * Reads the state dict in the file at {@code path}, in any supported format.
   *
   * @throws TensorFormatException naming {@code path} when the content is none of the supported
   *     formats (the message shows its first bytes in hex) or is corrupt
   */
  public static StateDict read(String path) throws IOException {
    byte[] bytes = HadoopPaths.readAllBytes(path);
    if (ZipBytes.looksLikeZip(bytes)) {
      ZipBytes zip = ZipBytes.open(bytes, path);
      boolean torch = zip.entries().stream()
          .anyMatch(e -> e.name().equals("data.pkl") || e.name().matches("[^/]+/data\\.pkl"));
      if (torch) {
        return TorchCheckpoint.parseZip(zip, path);
      }
      if (Npz.hasNpyEntries(zip)) {
        return Npz.parse(zip, path);
      }
      List<String> names = new ArrayList<>();
      zip.entries().stream().limit(10).forEach(e -> names.add(e.name()));
      throw new TensorFormatException(path, "zip archive with neither <archive>/data.pkl (PyTorch) nor .npy"
          + " entries (NumPy .npz); its entries start with " + names);
    }
    if (TorchCheckpoint.looksLikeLegacy(bytes)) {
      return TorchCheckpoint.parse(bytes, path);
    }
    if (bytes.length >= NPY_MAGIC.length && java.util.Arrays.equals(bytes, 0, NPY_MAGIC.length, NPY_MAGIC, 0,
        NPY_MAGIC.length)) {
      return StateDict.of(path, Map.of(stem(path), Npy.parse(bytes, path)));
    }
    if (Safetensors.looksLikeSafetensors(bytes)) {
      return Safetensors.parse(bytes, path);
    }
    throw new TensorFormatException(path, "unknown checkpoint format (not a PyTorch zip or legacy file,"
        + " safetensors, .npz or .npy); first bytes: "
        + (bytes.length == 0 ? "none, the file is empty"
            : HexFormat.ofDelimiter(" ").formatHex(bytes, 0, Math.min(bytes.length, 16))));
  }

  /** The file name without directories and without its last extension. */
  static String stem(String path) {
    String name = path.substring(path.lastIndexOf('/') + 1);
    int dot = name.lastIndexOf('.');
    return dot > 0 ? name.substring(0, dot) : name;
  }
}
