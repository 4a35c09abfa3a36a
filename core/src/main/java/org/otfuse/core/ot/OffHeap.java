package org.otfuse.core.ot;

import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.indexer.DoubleIndexer;
import org.nd4j.linalg.api.buffer.DataBuffer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Zero-filled float64 matrices for the solvers' plans, allocated with {@code calloc}: the
 * operating system hands out zero pages lazily, so a plan of {@code n x m} doubles costs nothing
 * until written or read, whereas {@code Nd4j.zeros} / {@code createUninitialized} touch every
 * page up front (about 0.4 s for 8192 x 8192 here). A permutation plan writes {@code n} entries;
 * Sinkhorn builds its kernel in the plan's own memory and scales it in place. The memory is
 * owned by the array's {@link DoublePointer} and freed by JavaCPP's deallocator once the array
 * is unreachable, like any ND4J buffer. If the direct allocation is not possible, falls back to
 * {@code Nd4j.zeros}.
 */
final class OffHeap {
  private OffHeap() {}

  /** Memory from {@code calloc}, freed with {@code free} when this pointer is collected. */
  private static final class Calloced extends DoublePointer {
    Calloced(long length) {
      super(Pointer.calloc(length, Double.BYTES));
      if (isNull()) {
        throw new OutOfMemoryError("calloc of " + length + " doubles failed");
      }
      final Pointer raw = new Pointer(this);
      capacity(length);
      limit(length);
      deallocator(() -> Pointer.free(raw));
    }
  }

  /** A new zero-filled row-major {@code rows x cols} float64 matrix. */
  static INDArray zeros(long rows, long cols) {
    long length = rows * cols;
    try {
      DoublePointer p = new Calloced(length);
      DataBuffer buffer = Nd4j.createBuffer(p, DataType.DOUBLE, length, DoubleIndexer.create(p));
      return Nd4j.create(buffer, new long[] {rows, cols}, new long[] {cols, 1}, 0, 'c');
    } catch (RuntimeException | LinkageError e) {
      return Nd4j.zeros(DataType.DOUBLE, rows, cols);
    }
  }
}
