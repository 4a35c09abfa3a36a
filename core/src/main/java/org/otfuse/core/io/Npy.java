package org.otfuse.core.io;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * NumPy {@code .npy} files (format versions 1.0, 2.0 and 3.0): little- or big-endian
 * {@code f2 f4 f8 i1 i2 i4 i8 u1 b1}, C or Fortran order, any rank. Arrays come back in C order
 * with the file's dtype ({@code f2} as ND4J {@code HALF}); writing produces version 1.0, C order,
 * little-endian.
 */
public final class Npy {

  private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
  private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([<>|=])([a-z])(\\d+)'");
  private static final Pattern FORTRAN = Pattern.compile("'fortran_order'\\s*:\\s*(True|False)");
  private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");

  private Npy() {}

  /** Reads the {@code .npy} file at {@code path} (local or any Hadoop file system). */
  public static INDArray read(String path) throws IOException {
    return parse(HadoopPaths.readAllBytes(path), path);
  }

  /**
   * Parses {@code .npy} bytes. {@code source} names the file (or zip entry) in error messages.
   *
   * @throws TensorFormatException when the bytes are not a complete, supported {@code .npy}
   */
  public static INDArray parse(byte[] bytes, String source) throws TensorFormatException {
    if (bytes.length < 10 || !Arrays.equals(Arrays.copyOf(bytes, 6), MAGIC)) {
      throw new TensorFormatException(source, "not a .npy file (missing the \\x93NUMPY magic)");
    }
    ByteBuffer buf = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    int major = bytes[6] & 0xff;
    int headerLen;
    int headerStart;
    if (major == 1) {
      headerLen = buf.getShort(8) & 0xffff;
      headerStart = 10;
    } else if (major == 2 || major == 3) {
      if (bytes.length < 12) {
        throw new TensorFormatException(source, "truncated .npy header");
      }
      headerLen = buf.getInt(8);
      headerStart = 12;
    } else {
      throw new TensorFormatException(source, "unsupported .npy format version " + major + " (expected 1, 2 or 3)");
    }
    if (headerLen < 0 || headerStart + headerLen > bytes.length) {
      throw new TensorFormatException(source, "truncated .npy header: it declares " + headerLen
          + " bytes but the file has " + (bytes.length - headerStart));
    }
    String header = new String(bytes, headerStart, headerLen, StandardCharsets.ISO_8859_1);
    Matcher d = DESCR.matcher(header);
    Matcher f = FORTRAN.matcher(header);
    Matcher s = SHAPE.matcher(header);
    if (!d.find() || !f.find() || !s.find()) {
      throw new TensorFormatException(source, "unsupported .npy header " + header.trim());
    }
    ByteOrder order = ">".equals(d.group(1)) ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN;
    String kind = d.group(2);
    int width = Integer.parseInt(d.group(3));
    DataType type = dataType(kind, width, source);
    boolean fortran = "True".equals(f.group(1));
    long[] shape = Arrays.stream(s.group(1).split(","))
        .map(String::trim)
        .filter(t -> !t.isEmpty())
        .mapToLong(Long::parseLong)
        .toArray();
    long count = 1;
    for (long dim : shape) {
      count = Math.multiplyExact(count, dim);
    }
    int dataStart = headerStart + headerLen;
    long need = count * width;
    if (bytes.length - dataStart < need) {
      throw new TensorFormatException(source, "truncated .npy data: shape " + Arrays.toString(shape)
          + " of " + kind + width + " needs " + need + " bytes but the file has " + (bytes.length - dataStart));
    }
    ByteBuffer data = ByteBuffer.wrap(bytes, dataStart, (int) need).slice().order(order);
    return Tensors.fromBuffer(data, type, shape, fortran ? 'f' : 'c');
  }

  /** Writes {@code array} as a version 1.0 {@code .npy} file, atomically. */
  public static void write(INDArray array, String path) throws IOException {
    HadoopPaths.writeBytes(path, toBytes(array));
  }

  /** Serialises {@code array} as version 1.0 {@code .npy} bytes (C order, little-endian). */
  public static byte[] toBytes(INDArray array) {
    String descr = descr(array.dataType());
    long[] shape = array.shape();
    StringBuilder sb = new StringBuilder("{'descr': '").append(descr)
        .append("', 'fortran_order': False, 'shape': (");
    for (long dim : shape) {
      sb.append(dim).append(", ");
    }
    if (shape.length > 1) {
      sb.setLength(sb.length() - 2);
    } else if (shape.length == 1) {
      sb.setLength(sb.length() - 1);
    }
    sb.append("), }");
    int unpadded = 10 + sb.length() + 1;
    int pad = (64 - unpadded % 64) % 64;
    sb.append(" ".repeat(pad)).append('\n');
    byte[] header = sb.toString().getBytes(StandardCharsets.ISO_8859_1);
    byte[] data = Tensors.toBytes(array, ByteOrder.LITTLE_ENDIAN);
    ByteArrayOutputStream out = new ByteArrayOutputStream(10 + header.length + data.length);
    out.writeBytes(MAGIC);
    out.write(1);
    out.write(0);
    out.write(header.length & 0xff);
    out.write((header.length >> 8) & 0xff);
    out.writeBytes(header);
    out.writeBytes(data);
    return out.toByteArray();
  }

  private static DataType dataType(String kind, int width, String source) throws TensorFormatException {
    String key = kind + width;
    switch (key) {
      case "f2": return DataType.HALF;
      case "f4": return DataType.FLOAT;
      case "f8": return DataType.DOUBLE;
      case "i1": return DataType.BYTE;
      case "i2": return DataType.SHORT;
      case "i4": return DataType.INT;
      case "i8": return DataType.LONG;
      case "u1": return DataType.UBYTE;
      case "b1": return DataType.BOOL;
      default:
        throw new TensorFormatException(source, "unsupported .npy dtype " + key
            + " (supported: f2 f4 f8 i1 i2 i4 i8 u1 b1)");
    }
  }

  private static String descr(DataType type) {
    switch (type) {
      case HALF: return "<f2";
      case FLOAT: return "<f4";
      case DOUBLE: return "<f8";
      case BYTE: return "|i1";
      case SHORT: return "<i2";
      case INT: return "<i4";
      case LONG: return "<i8";
      case UBYTE: return "|u1";
      case BOOL: return "|b1";
      default:
        throw new IllegalArgumentException("cannot write dtype " + type + " to .npy");
    }
  }
}
