package org.otfuse.core.data;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;
import org.otfuse.core.io.HadoopPaths;
import org.otfuse.core.io.TensorFormatException;

/**
 * The idx format of MNIST-style datasets (magic {@code 0x00 0x00 type rank}, big-endian
 * dimensions, then the data), read raw or gzip-compressed (detected by the gzip magic, not the
 * file name). Only unsigned-byte data (type {@code 0x08}) is used by image datasets.
 */
public final class Idx {

  /** An idx array of unsigned bytes: {@code dims} and the row-major data. */
  public record UByteArray(int[] dims, byte[] data) {
    public UByteArray {
      dims = dims.clone();
    }

    @Override
    public int[] dims() {
      return dims.clone();
    }

    /** Element {@code i} of the flat data as 0..255. */
    public int get(int i) {
      return data[i] & 0xff;
    }
  }

  private Idx() {}

  /** Reads an idx file of unsigned bytes from any Hadoop path; {@code .gz} content is inflated. */
  public static UByteArray read(String path) throws IOException {
    return parse(decompress(HadoopPaths.readAllBytes(path), path), path);
  }

  /** Inflates gzip content (by magic), or returns the bytes unchanged. */
  static byte[] decompress(byte[] bytes, String source) throws IOException {
    if (bytes.length >= 2 && (bytes[0] & 0xff) == 0x1f && (bytes[1] & 0xff) == 0x8b) {
      try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(bytes))) {
        return in.readAllBytes();
      } catch (IOException e) {
        throw new TensorFormatException(source, "corrupt gzip data: " + e.getMessage(), e);
      }
    }
    return bytes;
  }

  /** Parses idx bytes; {@code source} names the file in errors. */
  public static UByteArray parse(byte[] bytes, String source) throws TensorFormatException {
    if (bytes.length < 4 || bytes[0] != 0 || bytes[1] != 0) {
      throw new TensorFormatException(source, "not an idx file (first bytes must be 00 00)");
    }
    int type = bytes[2] & 0xff;
    int rank = bytes[3] & 0xff;
    if (type != 0x08) {
      throw new TensorFormatException(source, String.format(
          "idx data type 0x%02x is not supported (expected 0x08, unsigned byte)", type));
    }
    if (bytes.length < 4 + 4 * rank) {
      throw new TensorFormatException(source, "truncated idx header");
    }
    ByteBuffer buf = ByteBuffer.wrap(bytes);
    int[] dims = new int[rank];
    long count = 1;
    for (int i = 0; i < rank; i++) {
      dims[i] = buf.getInt(4 + 4 * i);
      count *= dims[i];
    }
    int start = 4 + 4 * rank;
    if (bytes.length - start < count) {
      throw new TensorFormatException(source, "truncated idx data: dims " + Arrays.toString(dims)
          + " need " + count + " bytes but the file has " + (bytes.length - start));
    }
    return new UByteArray(dims, Arrays.copyOfRange(bytes, start, start + (int) count));
  }
}
