package org.otfuse.core.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/** {@link Tensors#fromStrided}: PyTorch's (offset, size, stride) views over a storage. */
class TensorsStridedTest {

  /** A float32 storage holding 0, 1, ..., n-1 in {@code order}. */
  private static ByteBuffer iota(int n, ByteOrder order) {
    ByteBuffer b = ByteBuffer.allocate(4 * n).order(order);
    for (int i = 0; i < n; i++) {
      b.putFloat(4 * i, i);
    }
    return b;
  }

  @Test
  void gathersTransposedSlicedAndBroadcastViews() {
    ByteBuffer s = iota(24, ByteOrder.LITTLE_ENDIAN);
    // storage as a 4x6 matrix; its transpose is shape [6, 4], stride [1, 6]
    INDArray t = Tensors.fromStrided(s, DataType.FLOAT, 0, new long[] {6, 4}, new long[] {1, 6});
    assertEquals(6f * 2 + 1, t.getFloat(1, 2), 0f);
    // rows 1..2, every other column from column 1: offset 7, shape [2, 3], stride [6, 2]
    INDArray v = Tensors.fromStrided(s, DataType.FLOAT, 7, new long[] {2, 3}, new long[] {6, 2});
    assertArrayEquals(new float[] {7, 9, 11, 13, 15, 17}, v.dup('c').data().asFloat(), 0f);
    // torch's expand: stride 0 repeats a row
    INDArray e = Tensors.fromStrided(s, DataType.FLOAT, 2, new long[] {3, 2}, new long[] {0, 1});
    assertArrayEquals(new float[] {2, 3, 2, 3, 2, 3}, e.dup('c').data().asFloat(), 0f);
    // contiguous fast path with an offset, big-endian storage
    INDArray c = Tensors.fromStrided(iota(10, ByteOrder.BIG_ENDIAN), DataType.FLOAT, 4, new long[] {2, 3},
        new long[] {3, 1});
    assertArrayEquals(new float[] {4, 5, 6, 7, 8, 9}, c.dup('c').data().asFloat(), 0f);
    assertEquals(0, s.position(), "storage position untouched");
  }

  @Test
  void refusesViewsPastTheStorage() {
    ByteBuffer s = iota(12, ByteOrder.LITTLE_ENDIAN);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Tensors.fromStrided(s, DataType.FLOAT, 4, new long[] {3, 3}, new long[] {3, 1}));
    assertTrue(e.getMessage().endsWith("needs 13 elements but the storage has only 12"), e.getMessage());
    assertThrows(IllegalArgumentException.class,
        () -> Tensors.fromStrided(s, DataType.FLOAT, 0, new long[] {2}, new long[] {-1}));
    INDArray empty = Tensors.fromStrided(s, DataType.FLOAT, 100, new long[] {0, 3}, new long[] {3, 1});
    assertArrayEquals(new long[] {0, 3}, empty.shape());
  }

  /**
   * {@link Tensors#dense}: an array whose buffer holds exactly its elements in C order is returned
   * as is, also when ND4J flags it a view (a reshape of a whole buffer, as Npy.read returns);
   * transposes, row slices and column slices are copied, in C order, with the same values.
   */
  @Test
  void denseCopiesOnlyWhatIsNotRowMajorFromOffsetZero() {
    INDArray whole = Nd4j.arange(24).castTo(DataType.DOUBLE).reshape('c', 4, 6);
    assertTrue(Tensors.isDense(whole));
    assertSame(whole, Tensors.dense(whole));
    INDArray reshaped = Nd4j.arange(24).castTo(DataType.DOUBLE).reshape('c', 2, 3, 4);
    assertTrue(Tensors.isDense(reshaped));
    assertSame(reshaped, Tensors.dense(reshaped));
    INDArray[] notDense = {whole.transpose(), whole.get(NDArrayIndex.interval(1, 3), NDArrayIndex.all()),
        whole.get(NDArrayIndex.all(), NDArrayIndex.interval(0, 2)), whole.dup('f')};
    for (INDArray v : notDense) {
      assertFalse(Tensors.isDense(v), v.shapeInfoToString());
      INDArray d = Tensors.dense(v);
      assertNotSame(v, d);
      assertTrue(Tensors.isDense(d));
      assertArrayEquals(v.dup('c').data().asDouble(), d.data().asDouble(), 0.0);
    }
  }
}
