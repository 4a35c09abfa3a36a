package org.otfuse.core.ot;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** The calloc-backed plans behave like any ND4J float64 matrix. */
class OffHeapTest {

  @Test
  void zerosAreAnOrdinaryRowMajorMatrix() {
    INDArray z = OffHeap.zeros(3, 5);
    assertEquals(DataType.DOUBLE, z.dataType());
    assertArrayEquals(new long[] {3, 5}, z.shape());
    assertEquals('c', z.ordering());
    assertEquals(0.0, z.sumNumber().doubleValue());
    z.data().asNioDouble().put(1 * 5 + 2, 4.0);
    assertEquals(4.0, z.getDouble(1, 2));
    assertEquals(4.0, z.dup().getDouble(1, 2));
    INDArray prod = z.mmul(Nd4j.ones(DataType.DOUBLE, 5, 1));
    assertEquals(4.0, prod.getDouble(1, 0));
    assertEquals(4.0, z.sum(0).getDouble(2));
    z.divi(2);
    assertEquals(2.0, z.getDouble(1, 2));
  }

  @Test
  void manyLargePlansAreFreed() {
    // 40 x 128 MiB, far more than the heap would need to keep: freed by the deallocator
    for (int k = 0; k < 40; k++) {
      INDArray z = OffHeap.zeros(4096, 4096);
      z.data().asNioDouble().put(k, 1.0);
      assertEquals(1.0, z.getDouble(0, k));
    }
  }
}
