package org.otfuse.core.ot;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** The scratch pool: leases are exclusive, memory is reused after a lease closes, the pool is bounded. */
class ScratchTest {

  @Test
  void aClosedLeaseIsReusedAndOpenLeasesNeverShareMemory() {
    INDArray first;
    long address;
    try (Scratch a = Scratch.matrix(DataType.DOUBLE, 300, 70)) {
      first = a.get();
      assertArrayEquals(new long[] {300, 70}, first.shape());
      assertEquals('c', first.ordering());
      address = first.data().address();
      try (Scratch b = Scratch.matrix(DataType.DOUBLE, 300, 70)) {
        assertTrue(b.get().data().address() != address, "two open leases share a buffer");
      }
    }
    try (Scratch c = Scratch.matrix(DataType.DOUBLE, 200, 70)) {
      // a smaller request takes a pooled buffer that is large enough
      INDArray m = c.get();
      assertArrayEquals(new long[] {200, 70}, m.shape());
      assertTrue(m.data().length() >= 200 * 70);
      INDArray src = Nd4j.rand(DataType.FLOAT, 200, 70);
      m.assign(src);
      assertEquals(src.getFloat(199, 69), m.getDouble(199, 69), 0.0);
      assertEquals(src.castTo(DataType.DOUBLE), m);
    }
  }

  /** A pooled buffer is held by the pool, not freed by ND4J's deallocator once its first array is gone. */
  @Test
  void pooledMemorySurvivesGarbageCollection() throws InterruptedException {
    long address;
    try (Scratch a = Scratch.matrix(DataType.DOUBLE, 1000, 1000)) {
      a.get().assign(7.0);
      address = a.get().data().address();
    }
    for (int i = 0; i < 3; i++) {
      System.gc();
      Thread.sleep(50);
    }
    try (Scratch b = Scratch.matrix(DataType.DOUBLE, 1000, 1000)) {
      assertEquals(address, b.get().data().address(), "the pooled buffer was not reused");
      assertEquals(7.0, b.get().getDouble(999, 999), 0.0, "the pooled buffer's contents changed");
      b.get().assign(3.0);
      assertEquals(3000000.0, b.get().sumNumber().doubleValue(), 0.0);
    }
  }

  @Test
  void typesAreNotMixedAndUseAfterCloseFails() {
    Scratch f = Scratch.matrix(DataType.FLOAT, 10, 10);
    assertSame(DataType.FLOAT, f.get().dataType());
    f.close();
    assertThrows(IllegalStateException.class, f::get);
    try (Scratch d = Scratch.matrix(DataType.DOUBLE, 10, 10)) {
      assertSame(DataType.DOUBLE, d.get().dataType());
    }
  }

  @Test
  void thePoolStaysBounded() {
    long big = Scratch.MAX_POOLED_BYTES / Double.BYTES / 1000 + 1; // rows of 1000 doubles
    try (Scratch a = Scratch.matrix(DataType.DOUBLE, big, 1000)) {
      assertNotSame(null, a.get());
    }
    assertTrue(Scratch.pooledBytes() <= Scratch.MAX_POOLED_BYTES, "pool holds " + Scratch.pooledBytes());
    for (int i = 0; i < 5; i++) {
      try (Scratch a = Scratch.matrix(DataType.DOUBLE, 1 + i, Scratch.MAX_POOLED_BYTES / Double.BYTES / 4)) {
        a.get();
      }
      assertTrue(Scratch.pooledBytes() <= Scratch.MAX_POOLED_BYTES, "pool holds " + Scratch.pooledBytes());
    }
  }
}
