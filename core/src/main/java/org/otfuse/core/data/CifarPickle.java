package org.otfuse.core.data;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import net.razorvine.pickle.IObjectConstructor;
import net.razorvine.pickle.Opcodes;
import net.razorvine.pickle.PickleException;
import net.razorvine.pickle.PickleUtils;
import net.razorvine.pickle.Unpickler;
import org.otfuse.core.io.TensorFormatException;

/**
 * The pickles of the CIFAR "python version": one dict per batch file with {@code data} (a numpy
 * uint8 array, N x 3072) and label lists, read with razorvine's {@link Unpickler} (the pickle
 * library Spark uses) extended with just the numpy globals such a file names.
 *
 * <p>The authors wrote the files with Python 2's cPickle in a binary protocol (1 or 2, both read;
 * protocol 0's text opcodes are razorvine's too): Python 2 {@code str} keys and array bytes
 * ({@code SHORT_BINSTRING}/{@code BINSTRING}, which razorvine returns as Latin-1 strings), the array rebuilt by {@code numpy.core.multiarray._reconstruct(numpy.ndarray, (0,), 'b')}
 * and then {@code BUILD} with numpy's state tuple {@code (version, shape, dtype, is_fortran,
 * rawdata)}, the dtype by {@code numpy.dtype('u1', 0, 1)} with state {@code (3, '|', ...)}. Files
 * re-pickled by Python 3 are read too: bytes keys, {@code _codecs.encode(str, 'latin1')} for bytes at
 * protocol 2, {@code BINBYTES} at protocols 3 and 4, {@code numpy.core.numeric._frombuffer} over an
 * in-band buffer at protocol 5, and numpy 2's {@code numpy._core} module names.
 *
 * <p>Only those globals resolve; any other fails the load (a CIFAR batch holds nothing else), and
 * razorvine's shared constructor registry is neither used for them nor modified. Every length a
 * pickle declares is checked against the bytes left before anything is allocated, so a corrupt
 * file fails with a message instead of an out-of-memory error.
 */
final class CifarPickle {

  private CifarPickle() {}

  /**
   * A numpy array of integers: kind {@code 'u'} or {@code 'i'}, item size in bytes, byte order
   * ({@code '<'}, {@code '>'}, {@code '|'} or {@code '='}), and its data in C order.
   */
  record NdArray(char kind, int itemSize, char byteOrder, long[] shape, byte[] data) {
    NdArray {
      shape = shape.clone();
    }

    @Override
    public long[] shape() {
      return shape.clone();
    }

    String dtype() {
      return "" + byteOrder + kind + itemSize;
    }

    boolean isUInt8() {
      return kind == 'u' && itemSize == 1;
    }

    long count() {
      long n = 1;
      for (long d : shape) {
        n *= d;
      }
      return n;
    }

    /** The elements as ints (for label arrays); fails when one does not fit. */
    int[] toIntArray(String source) throws TensorFormatException {
      int n = Math.toIntExact(count());
      ByteBuffer b = ByteBuffer.wrap(data).order(byteOrder == '>' ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN);
      int[] out = new int[n];
      for (int i = 0; i < n; i++) {
        long v;
        switch (itemSize) {
          case 1: v = kind == 'u' ? b.get(i) & 0xff : b.get(i); break;
          case 2: v = kind == 'u' ? b.getShort(2 * i) & 0xffff : b.getShort(2 * i); break;
          case 4: v = kind == 'u' ? b.getInt(4 * i) & 0xffffffffL : b.getInt(4 * i); break;
          default: v = b.getLong(8 * i); break;
        }
        if (v != (int) v || (kind == 'u' && itemSize == 8 && v < 0)) {
          throw new TensorFormatException(source, "label " + i + " is " + Long.toUnsignedString(v)
              + ", outside the int range");
        }
        out[i] = (int) v;
      }
      return out;
    }
  }

  /**
   * Unpickles a CIFAR batch file.
   *
   * @param bytes the file's content (not modified)
   * @param source the file (or archive member) named in errors
   * @return the dict with every key as a string (bytes keys decoded as Latin-1); arrays as {@link
   *     NdArray}, lists as {@link List}, integers as {@link Number}
   * @throws TensorFormatException when the bytes are not such a pickle (truncated, corrupt, a global
   *     other than numpy's array machinery, a non-integer array)
   */
  static Map<String, Object> read(byte[] bytes, String source) throws TensorFormatException {
    Object top;
    Loader loader = new Loader();
    try {
      top = loader.load(new ByteArrayInputStream(bytes));
    } catch (IOException | RuntimeException e) {
      String why = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
      throw new TensorFormatException(source, "truncated or corrupt pickle: " + why.trim(), e);
    } finally {
      loader.close();
    }
    if (!(top instanceof Map<?, ?> map)) {
      throw new TensorFormatException(source, "the pickle holds " + describe(top) + ", not a dict");
    }
    Map<String, Object> out = new LinkedHashMap<>();
    for (Map.Entry<?, ?> e : map.entrySet()) {
      out.put(text(e.getKey()), finish(e.getValue(), source, text(e.getKey())));
    }
    return out;
  }

  private static Object finish(Object v, String source, String key) throws TensorFormatException {
    if (v instanceof ArrayBuilder a) {
      return a.build(source, key);
    }
    return v;
  }

  /** A key or Python 2 str as Java text: bytes decode as Latin-1, as {@code encoding='latin1'} does. */
  static String text(Object o) {
    if (o instanceof byte[] b) {
      return new String(b, StandardCharsets.ISO_8859_1);
    }
    return String.valueOf(o);
  }

  static String describe(Object o) {
    if (o == null) {
      return "None";
    }
    if (o instanceof Map) {
      return "a dict";
    }
    if (o instanceof List) {
      return "a list";
    }
    if (o instanceof Object[]) {
      return "a tuple";
    }
    if (o instanceof byte[]) {
      return "bytes";
    }
    if (o instanceof String) {
      return "a str";
    }
    if (o instanceof ArrayBuilder || o instanceof NdArray) {
      return "a numpy array";
    }
    return "a " + o.getClass().getSimpleName();
  }

  /** Python bytes from a pickled value: bytes as they are, a Python 2 str as its Latin-1 code points. */
  private static byte[] bytesOf(Object o, String what) {
    if (o instanceof byte[] b) {
      return b;
    }
    if (o instanceof String s) {
      for (int i = 0; i < s.length(); i++) {
        if (s.charAt(i) > 0xff) {
          throw new PickleException(what + " is a unicode string, not bytes");
        }
      }
      return s.getBytes(StandardCharsets.ISO_8859_1);
    }
    throw new PickleException(what + " is " + describe(o) + ", not bytes");
  }

  /** {@code numpy.dtype(typestr, align, copy)}; its state sets the byte order. */
  static final class DType {
    final char kind;
    final int itemSize;
    char byteOrder;

    DType(String typestr) {
      String t = typestr;
      char order = '=';
      if (!t.isEmpty() && "<>|=".indexOf(t.charAt(0)) >= 0) {
        order = t.charAt(0);
        t = t.substring(1);
      }
      switch (t) {
        case "uint8": case "B": t = "u1"; break;
        case "int8": case "b": t = "i1"; break;
        case "uint16": t = "u2"; break;
        case "int16": t = "i2"; break;
        case "uint32": t = "u4"; break;
        case "int32": t = "i4"; break;
        case "uint64": t = "u8"; break;
        case "int64": t = "i8"; break;
        default: break;
      }
      if (t.length() != 2 || (t.charAt(0) != 'u' && t.charAt(0) != 'i') || "1248".indexOf(t.charAt(1)) < 0) {
        throw new PickleException("numpy dtype '" + typestr + "' is not an integer type (CIFAR data is uint8)");
      }
      this.kind = t.charAt(0);
      this.itemSize = t.charAt(1) - '0';
      this.byteOrder = itemSize == 1 ? '|' : order;
    }

    void setState(Object state) {
      if (state instanceof Object[] s && s.length >= 2) {
        String order = text(s[1]);
        if (order.length() == 1 && "<>|=".indexOf(order.charAt(0)) >= 0) {
          byteOrder = itemSize == 1 ? '|' : order.charAt(0);
          return;
        }
      }
      throw new PickleException("numpy dtype state is " + describe(state) + ", not (version, byteorder, ...)");
    }

    char resolvedOrder() {
      return byteOrder == '=' ? (ByteOrder.nativeOrder() == ByteOrder.BIG_ENDIAN ? '>' : '<') : byteOrder;
    }
  }

  /** {@code _reconstruct(ndarray, (0,), 'b')}: an empty array that {@code BUILD} fills. */
  static final class ArrayBuilder {
    long[] shape;
    DType dtype;
    boolean fortran;
    byte[] data;

    void setState(Object state) {
      if (!(state instanceof Object[] s) || (s.length != 5 && s.length != 4)) {
        throw new PickleException("numpy array state is " + describe(state)
            + ", not (version, shape, dtype, is_fortran, rawdata)");
      }
      int o = s.length - 4;
      shape = shape(s[o]);
      if (!(s[o + 1] instanceof DType d)) {
        throw new PickleException("numpy array dtype is " + describe(s[o + 1]));
      }
      dtype = d;
      Object f = s[o + 2];
      fortran = f instanceof Boolean b ? b : f instanceof Number n && n.longValue() != 0;
      if (s[o + 3] instanceof List) {
        throw new PickleException("numpy array holds Python objects, not integers");
      }
      data = bytesOf(s[o + 3], "numpy array data");
    }

    NdArray build(String source, String key) throws TensorFormatException {
      if (shape == null) {
        throw new TensorFormatException(source, key + ": numpy array was never given its state");
      }
      return array(shape, dtype, fortran, data, source, key);
    }
  }

  static long[] shape(Object o) {
    Object[] dims;
    if (o instanceof Object[] a) {
      dims = a;
    } else if (o instanceof List<?> l) {
      dims = l.toArray();
    } else {
      throw new PickleException("numpy shape is " + describe(o) + ", not a tuple");
    }
    long[] out = new long[dims.length];
    for (int i = 0; i < dims.length; i++) {
      if (!(dims[i] instanceof Number n) || n.longValue() < 0) {
        throw new PickleException("numpy shape " + Arrays.toString(dims) + " is not a tuple of sizes");
      }
      out[i] = n.longValue();
    }
    return out;
  }

  static NdArray array(long[] shape, DType dtype, boolean fortran, byte[] data, String source, String key)
      throws TensorFormatException {
    long count = 1;
    for (long d : shape) {
      count = Math.multiplyExact(count, d);
    }
    long need = count * dtype.itemSize;
    if (data.length != need) {
      throw new TensorFormatException(source, key + ": numpy array of shape " + Arrays.toString(shape) + " and dtype "
          + dtype.kind + dtype.itemSize + " needs " + need + " bytes but has " + data.length);
    }
    byte[] c = fortran && shape.length > 1 ? fortranToC(data, shape, dtype.itemSize) : data;
    return new NdArray(dtype.kind, dtype.itemSize, dtype.resolvedOrder(), shape, c);
  }

  /** Reorders column-major elements into row-major order. */
  private static byte[] fortranToC(byte[] f, long[] shape, int item) {
    int rank = shape.length;
    long[] fStride = new long[rank];
    long s = 1;
    for (int d = 0; d < rank; d++) {
      fStride[d] = s;
      s *= shape[d];
    }
    byte[] out = new byte[f.length];
    long[] idx = new long[rank];
    long n = s;
    for (long i = 0; i < n; i++) {
      long src = 0;
      for (int d = 0; d < rank; d++) {
        src += idx[d] * fStride[d];
      }
      System.arraycopy(f, (int) (src * item), out, (int) (i * item), item);
      for (int d = rank - 1; d >= 0; d--) {
        if (++idx[d] < shape[d]) {
          break;
        }
        idx[d] = 0;
      }
    }
    return out;
  }

  private static final IObjectConstructor NDARRAY_TYPE = args -> {
    throw new PickleException("numpy.ndarray called directly");
  };

  private static IObjectConstructor resolve(String module, String name) {
    switch (module + "." + name) {
      case "numpy.core.multiarray._reconstruct":
      case "numpy._core.multiarray._reconstruct":
        return args -> {
          if (args.length < 1 || args[0] != NDARRAY_TYPE) {
            throw new PickleException("_reconstruct of something other than numpy.ndarray");
          }
          return new ArrayBuilder();
        };
      case "numpy.ndarray":
        return NDARRAY_TYPE;
      case "numpy.dtype":
        return args -> {
          if (args.length < 1) {
            throw new PickleException("numpy.dtype called without a type");
          }
          return new DType(text(args[0]));
        };
      case "numpy.core.numeric._frombuffer":
      case "numpy._core.numeric._frombuffer":
        return args -> {
          if (args.length != 4 || !(args[1] instanceof DType d)) {
            throw new PickleException("_frombuffer expects (buffer, dtype, shape, order)");
          }
          ArrayBuilder a = new ArrayBuilder();
          a.shape = shape(args[2]);
          a.dtype = d;
          a.fortran = "F".equals(text(args[3]));
          a.data = bytesOf(args[0], "numpy array buffer");
          return a;
        };
      case "_codecs.encode":
        return args -> {
          if (args.length != 2 || !(args[0] instanceof String s)) {
            throw new PickleException("_codecs.encode expects (str, encoding)");
          }
          String enc = text(args[1]).toLowerCase(java.util.Locale.ROOT).replace('_', '-');
          if (!enc.equals("latin1") && !enc.equals("latin-1") && !enc.equals("iso-8859-1")) {
            throw new PickleException("_codecs.encode with encoding " + enc + " (expected latin1)");
          }
          return bytesOf(s, "_codecs.encode argument");
        };
      case "__builtin__.bytes":
      case "builtins.bytes":
      case "__builtin__.bytearray":
      case "builtins.bytearray":
        return args -> {
          if (args.length == 0) {
            return new byte[0];
          }
          if (args[0] instanceof List<?> l) {
            byte[] b = new byte[l.size()];
            for (int i = 0; i < b.length; i++) {
              b[i] = (byte) ((Number) l.get(i)).intValue();
            }
            return b;
          }
          return bytesOf(args[0], "bytes argument").clone();
        };
      default:
        throw new PickleException("unsupported global " + module + "." + name
            + " (a CIFAR batch holds only a dict of lists, strings and numpy integer arrays)");
    }
  }

  /** Razorvine's unpickler with private globals and length checks; one per file, not thread-safe. */
  private static final class Loader extends Unpickler {

    @Override
    protected Object dispatch(short key) throws PickleException, IOException {
      switch (key) {
        case Opcodes.GLOBAL: {
          String module = PickleUtils.readline(input);
          String name = PickleUtils.readline(input);
          stack.add(resolve(module, name));
          return NO_RETURN_VALUE;
        }
        case Opcodes.STACK_GLOBAL: {
          Object name = stack.pop();
          Object module = stack.pop();
          stack.add(resolve(text(module), text(name)));
          return NO_RETURN_VALUE;
        }
        case Opcodes.BUILD: {
          Object state = stack.pop();
          Object target = stack.peek();
          if (target instanceof ArrayBuilder a) {
            a.setState(state);
          } else if (target instanceof DType d) {
            d.setState(state);
          } else {
            throw new PickleException("BUILD on " + describe(target));
          }
          return NO_RETURN_VALUE;
        }
        case Opcodes.PERSID:
        case Opcodes.BINPERSID:
          throw new PickleException("persistent ids are not expected in a CIFAR batch");
        case Opcodes.BINSTRING:
        case Opcodes.BINBYTES:
        case Opcodes.BINUNICODE:
        case Opcodes.LONG4:
          checkLength(4);
          return super.dispatch(key);
        case Opcodes.BINBYTES8:
        case Opcodes.BINUNICODE8:
        case Opcodes.BYTEARRAY8:
          checkLength(8);
          return super.dispatch(key);
        default:
          return super.dispatch(key);
      }
    }

    /** Peeks at a little-endian length of {@code width} bytes and fails if fewer bytes remain. */
    private void checkLength(int width) throws IOException {
      ByteArrayInputStream in = (ByteArrayInputStream) input;
      in.mark(width);
      byte[] b = in.readNBytes(width);
      in.reset();
      if (b.length < width) {
        throw new PickleException("pickle ends inside a length field");
      }
      long len = 0;
      for (int i = width - 1; i >= 0; i--) {
        len = (len << 8) | (b[i] & 0xff);
      }
      if (width == 4) {
        len = (int) len; // BINSTRING's length is signed
      }
      long left = in.available() - width;
      if (len < 0 || len > left) {
        throw new PickleException("a value claims " + len + " bytes but only " + left + " remain");
      }
    }
  }
}
