package org.otfuse.core.io;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Conversions between raw little/big-endian tensor bytes and ND4J arrays, shared by every tensor
 * format reader. 16-bit floats (IEEE half and bfloat16) are decoded exactly to float32 and kept
 * as ND4J {@code HALF}/{@code BFLOAT16}.
 */
public final class Tensors {

  private Tensors() {}

  /**
   * Builds a C-ordered array of {@code type} and {@code shape} from {@code data}, whose elements
   * are laid out in {@code order} ('c' row-major or 'f' column-major). Not modified: {@code data}'s
   * content (its position advances).
   */
  public static INDArray fromBuffer(ByteBuffer data, DataType type, long[] shape, char order) {
    long count = 1;
    for (long d : shape) {
      count = Math.multiplyExact(count, d);
    }
    int n = Math.toIntExact(count);
    INDArray flat;
    switch (type) {
      case FLOAT: {
        float[] v = new float[n];
        data.asFloatBuffer().get(v);
        flat = Nd4j.createFromArray(v);
        break;
      }
      case DOUBLE: {
        double[] v = new double[n];
        data.asDoubleBuffer().get(v);
        flat = Nd4j.createFromArray(v);
        break;
      }
      case HALF:
      case BFLOAT16: {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
          short bits = data.getShort(data.position() + 2 * i);
          v[i] = type == DataType.HALF ? halfToFloat(bits) : Float.intBitsToFloat((bits & 0xffff) << 16);
        }
        flat = Nd4j.createFromArray(v).castTo(type);
        break;
      }
      case LONG: {
        long[] v = new long[n];
        data.asLongBuffer().get(v);
        flat = Nd4j.createFromArray(v);
        break;
      }
      case INT: {
        int[] v = new int[n];
        data.asIntBuffer().get(v);
        flat = Nd4j.createFromArray(v);
        break;
      }
      case SHORT: {
        short[] v = new short[n];
        data.asShortBuffer().get(v);
        flat = Nd4j.createFromArray(v);
        break;
      }
      case BYTE: {
        byte[] v = new byte[n];
        data.get(v);
        flat = Nd4j.createFromArray(v);
        break;
      }
      case UBYTE: {
        int[] v = new int[n];
        for (int i = 0; i < n; i++) {
          v[i] = data.get(data.position() + i) & 0xff;
        }
        flat = Nd4j.createFromArray(v).castTo(DataType.UBYTE);
        break;
      }
      case BOOL: {
        boolean[] v = new boolean[n];
        for (int i = 0; i < n; i++) {
          v[i] = data.get(data.position() + i) != 0;
        }
        flat = Nd4j.createFromArray(v);
        break;
      }
      default:
        throw new IllegalArgumentException("unsupported dtype " + type);
    }
    if (shape.length == 0) {
      return flat.reshape();
    }
    if (n == 0) {
      return Nd4j.create(type, shape);
    }
    INDArray shaped = flat.reshape(order, shape);
    return order == 'c' ? shaped : shaped.dup('c');
  }

  /**
   * Builds a C-ordered array from a strided view of a storage, as PyTorch describes a tensor:
   * element {@code (i_0, ..., i_k)} is storage element {@code offset + sum(i_j * stride[j])}.
   * Several views may share one storage; each call copies what its view needs.
   *
   * @param storage the storage's bytes, element 0 at position 0, with the file's byte order
   *     (not modified; its position is not moved)
   * @param offset the view's first element, in elements
   * @param shape the view's shape
   * @param stride the view's strides, in elements, one per axis, none negative
   * @throws IllegalArgumentException when the view reaches past the storage; the message says how
   *     many elements it needs and how many the storage has
   */
  public static INDArray fromStrided(ByteBuffer storage, DataType type, long offset, long[] shape, long[] stride) {
    if (shape.length != stride.length) {
      throw new IllegalArgumentException("shape " + java.util.Arrays.toString(shape) + " and stride "
          + java.util.Arrays.toString(stride) + " differ in rank");
    }
    int width = type.width();
    long available = storage.remaining() / width;
    long count = 1;
    long last = offset;
    for (int k = 0; k < shape.length; k++) {
      if (shape[k] < 0 || stride[k] < 0) {
        throw new IllegalArgumentException("negative size or stride: shape " + java.util.Arrays.toString(shape)
            + ", stride " + java.util.Arrays.toString(stride));
      }
      count = Math.multiplyExact(count, shape[k]);
      last = Math.addExact(last, Math.multiplyExact(Math.max(shape[k] - 1, 0), stride[k]));
    }
    if (count == 0) {
      return fromBuffer(ByteBuffer.allocate(0), type, shape, 'c');
    }
    if (offset < 0 || last >= available) {
      throw new IllegalArgumentException("the view (offset " + offset + ", shape " + java.util.Arrays.toString(shape)
          + ", stride " + java.util.Arrays.toString(stride) + ") needs " + (last + 1)
          + " elements but the storage has only " + available);
    }
    ByteBuffer src = storage.duplicate().order(storage.order());
    int n = Math.toIntExact(count);
    if (isContiguous(shape, stride)) {
      int from = src.position() + Math.toIntExact(offset * width);
      ByteBuffer view = src.position(from).limit(from + n * width).slice().order(storage.order());
      return fromBuffer(view, type, shape, 'c');
    }
    byte[] out = new byte[Math.multiplyExact(n, width)];
    int rank = shape.length;
    long[] index = new long[rank];
    long at = offset;
    int base = src.position();
    for (int i = 0; i < n; i++) {
      src.get(base + Math.toIntExact(at * width), out, i * width, width);
      for (int k = rank - 1; k >= 0; k--) {
        if (++index[k] < shape[k]) {
          at += stride[k];
          break;
        }
        at -= stride[k] * (shape[k] - 1);
        index[k] = 0;
      }
    }
    return fromBuffer(ByteBuffer.wrap(out).order(storage.order()), type, shape, 'c');
  }

  private static boolean isContiguous(long[] shape, long[] stride) {
    long expected = 1;
    for (int k = shape.length - 1; k >= 0; k--) {
      if (shape[k] != 1 && stride[k] != expected) {
        return false;
      }
      expected *= shape[k];
    }
    return true;
  }

  /**
   * {@code array} itself when its buffer holds exactly its elements in C order from offset 0 (so
   * that {@code data().asNio*()} reads them directly), else a C-order copy.
   */
  public static INDArray dense(INDArray array) {
    return isDense(array) ? array : array.dup('c');
  }

  /** Whether {@link #dense(INDArray)} returns {@code array} itself (no copy). */
  public static boolean isDense(INDArray array) {
    // by strides, not isView(): a reshape of a whole buffer is flagged a view but is dense
    return array.offset() == 0 && array.data().length() == array.length()
        && isContiguous(array.shape(), array.stride());
  }

  /** The elements of {@code array} in C order as bytes of its own dtype, in {@code byteOrder}. */
  public static byte[] toBytes(INDArray array, ByteOrder byteOrder) {
    INDArray c = array.dup('c');
    int n = Math.toIntExact(c.length());
    DataType type = c.dataType();
    ByteBuffer out = ByteBuffer.allocate(n * type.width()).order(byteOrder);
    switch (type) {
      case FLOAT:
        out.asFloatBuffer().put(c.data().asFloat());
        break;
      case DOUBLE:
        out.asDoubleBuffer().put(c.data().asDouble());
        break;
      case HALF:
      case BFLOAT16: {
        float[] v = c.castTo(DataType.FLOAT).data().asFloat();
        for (int i = 0; i < n; i++) {
          out.putShort(2 * i, type == DataType.HALF ? floatToHalf(v[i]) : floatToBfloat16(v[i]));
        }
        break;
      }
      case LONG:
        out.asLongBuffer().put(c.data().asLong());
        break;
      case INT:
        out.asIntBuffer().put(c.data().asInt());
        break;
      case SHORT: {
        int[] v = c.data().asInt();
        for (int i = 0; i < n; i++) {
          out.putShort(2 * i, (short) v[i]);
        }
        break;
      }
      case BYTE:
      case UBYTE:
      case BOOL: {
        int[] v = c.castTo(DataType.INT).data().asInt();
        for (int i = 0; i < n; i++) {
          out.put(i, (byte) v[i]);
        }
        break;
      }
      default:
        throw new IllegalArgumentException("unsupported dtype " + type);
    }
    return out.array();
  }

  /** IEEE 754 half (binary16) bits to float, exactly. */
  public static float halfToFloat(short bits) {
    int h = bits & 0xffff;
    int sign = (h & 0x8000) << 16;
    int exp = (h >>> 10) & 0x1f;
    int mant = h & 0x3ff;
    if (exp == 0) {
      if (mant == 0) {
        return Float.intBitsToFloat(sign);
      }
      float v = mant * 0x1p-24f;
      return sign == 0 ? v : -v;
    }
    if (exp == 0x1f) {
      return Float.intBitsToFloat(sign | 0x7f800000 | (mant << 13));
    }
    return Float.intBitsToFloat(sign | ((exp + 112) << 23) | (mant << 13));
  }

  /** Float to IEEE 754 half bits, rounding to nearest even. */
  public static short floatToHalf(float f) {
    int bits = Float.floatToIntBits(f);
    int sign = (bits >>> 16) & 0x8000;
    int exp = (bits >>> 23) & 0xff;
    int mant = bits & 0x7fffff;
    if (exp == 0xff) {
      return (short) (sign | 0x7c00 | (mant != 0 ? 0x200 : 0));
    }
    int e = exp - 127 + 15;
    if (e >= 0x1f) {
      return (short) (sign | 0x7c00);
    }
    if (e <= 0) {
      if (e < -10) {
        return (short) sign;
      }
      mant |= 0x800000;
      int shift = 14 - e;
      int half = mant >> shift;
      int rem = mant & ((1 << shift) - 1);
      int mid = 1 << (shift - 1);
      if (rem > mid || (rem == mid && (half & 1) == 1)) {
        half++;
      }
      return (short) (sign | half);
    }
    int half = (e << 10) | (mant >> 13);
    int rem = mant & 0x1fff;
    if (rem > 0x1000 || (rem == 0x1000 && (half & 1) == 1)) {
      half++;
    }
    return (short) (sign | half);
  }

  /** Float to bfloat16 bits, rounding to nearest even. */
  public static short floatToBfloat16(float f) {
    int bits = Float.floatToIntBits(f);
    if (Float.isNaN(f)) {
      return (short) ((bits >>> 16) | 0x40);
    }
    int rounding = 0x7fff + ((bits >>> 16) & 1);
    return (short) ((bits + rounding) >>> 16);
  }
}
