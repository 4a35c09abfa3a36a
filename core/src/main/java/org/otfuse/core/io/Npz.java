package org.otfuse.core.io;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * NumPy {@code .npz} archives ({@code numpy.savez} and {@code numpy.savez_compressed}): a zip
 * archive of {@code <name>.npy} entries, stored or deflated. A tensor's name is its entry name
 * without {@code .npy}; entries that are not {@code .npy} files are skipped. Writing produces
 * stored (uncompressed) entries, as {@code numpy.savez} does, in the state dict's order.
 */
public final class Npz {

  private static final Logger LOG = LoggerFactory.getLogger(Npz.class);
  private static final String SUFFIX = ".npy";

  private Npz() {}

  /**
   * Reads every {@code .npy} entry of the archive at {@code path}, in archive order.
   *
   * @throws TensorFormatException naming {@code path} (and the entry, as {@code path!entry}) when the
   *     archive or an array is truncated or corrupt
   */
  public static StateDict read(String path) throws IOException {
    byte[] bytes = HadoopPaths.readAllBytes(path);
    if (!ZipBytes.looksLikeZip(bytes)) {
      throw new TensorFormatException(path, "not a .npz file: it does not start like a zip archive");
    }
    return parse(ZipBytes.open(bytes, path), path);
  }

  /** {@link #read} on an archive already opened; {@code source} names it in messages. */
  static StateDict parse(ZipBytes zip, String source) throws TensorFormatException {
    Map<String, INDArray> out = new LinkedHashMap<>();
    for (ZipBytes.Entry e : zip.entries()) {
      if (!e.name().endsWith(SUFFIX)) {
        LOG.debug("{}: skipping entry {} (not a .npy file)", source, e.name());
        continue;
      }
      String name = e.name().substring(0, e.name().length() - SUFFIX.length());
      if (out.containsKey(name)) {
        throw new TensorFormatException(source, "entry " + e.name() + " appears twice");
      }
      out.put(name, Npy.parse(zip.bytes(e), source + "!" + e.name()));
    }
    return StateDict.of(source, out);
  }

  /** Whether the archive holds at least one {@code .npy} entry. */
  static boolean hasNpyEntries(ZipBytes zip) {
    return zip.entries().stream().anyMatch(e -> e.name().endsWith(SUFFIX));
  }

  /**
   * Writes {@code tensors} to {@code path} as an {@code .npz} archive of stored {@code <name>.npy}
   * entries, atomically.
   *
   * @throws IllegalArgumentException naming the tensor when .npy cannot hold its dtype (bfloat16)
   */
  public static void write(StateDict tensors, String path) throws IOException {
    Map<String, byte[]> entries = new LinkedHashMap<>();
    for (Map.Entry<String, INDArray> e : tensors.asMap().entrySet()) {
      try {
        entries.put(e.getKey() + SUFFIX, Npy.toBytes(e.getValue()));
      } catch (IllegalArgumentException ex) {
        throw new IllegalArgumentException("tensor " + e.getKey() + ": " + ex.getMessage(), ex);
      }
    }
    HadoopPaths.writeAtomically(path, out -> {
      ZipOutputStream zip = new ZipOutputStream(out);
      for (Map.Entry<String, byte[]> e : entries.entrySet()) {
        byte[] data = e.getValue();
        ZipEntry z = new ZipEntry(e.getKey());
        z.setMethod(ZipEntry.STORED);
        z.setSize(data.length);
        z.setCompressedSize(data.length);
        CRC32 crc = new CRC32();
        crc.update(data);
        z.setCrc(crc.getValue());
        z.setTime(315532800000L + 86_400_000L); // 1980-01-02: fixed, so equal inputs give equal files
        zip.putNextEntry(z);
        zip.write(data);
        zip.closeEntry();
      }
      zip.finish();
    });
  }
}
