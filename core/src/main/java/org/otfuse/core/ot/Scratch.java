package org.otfuse.core.ot;

import java.util.ArrayList;
import java.util.List;
import org.nd4j.linalg.api.buffer.DataBuffer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A small bounded pool of off-heap buffers for temporaries that never leave one call (the
 * float64 copies of a ground cost's inputs). A fresh ND4J buffer costs its first-touch page
 * faults: casting a 512 x 4608 float32 matrix to float64 into new memory took 53 ms per cast in a
 * loop, into reused memory 0.15 ms (JMH {@code CastBenchmark} of the benchmarks module, 2 cores;
 * docs/benchmarks.md). Buffers are leased exclusively, so threads never share one, and are kept
 * after use only while the pool holds at most {@link #MAX_POOLED_BYTES}; larger requests are
 * plain allocations that the garbage collector frees as usual.
 */
final class Scratch implements AutoCloseable {

  /** The most bytes the pool keeps between leases (all threads together). */
  static final long MAX_POOLED_BYTES = 96L << 20;

  private static final List<DataBuffer> POOL = new ArrayList<>();
  private static long pooledBytes;

  private final DataBuffer buffer;
  private final INDArray matrix;
  private boolean closed;

  private Scratch(DataBuffer buffer, INDArray matrix) {
    this.buffer = buffer;
    this.matrix = matrix;
  }

  /**
   * Leases an uninitialised row-major {@code rows x cols} matrix of {@code type}; valid until
   * {@link #close()}, after which neither it nor a view of it may be used.
   */
  static Scratch matrix(DataType type, long rows, long cols) {
    long length = rows * cols;
    DataBuffer buffer = takePooled(type, length);
    if (buffer == null) {
      buffer = Nd4j.createUninitialized(type, Math.max(1, length)).data();
    }
    INDArray m = Nd4j.create(buffer, new long[] {rows, cols}, new long[] {cols, 1}, 0, 'c', type);
    return new Scratch(buffer, m);
  }

  /** The leased matrix. */
  INDArray get() {
    if (closed) {
      throw new IllegalStateException("scratch matrix used after its lease was closed");
    }
    return matrix;
  }

  private static synchronized DataBuffer takePooled(DataType type, long length) {
    int best = -1;
    for (int i = 0; i < POOL.size(); i++) {
      DataBuffer b = POOL.get(i);
      if (b.dataType() == type && b.length() >= length
          && (best < 0 || b.length() < POOL.get(best).length())) {
        best = i;
      }
    }
    if (best < 0) {
      return null;
    }
    DataBuffer b = POOL.remove(best);
    pooledBytes -= bytes(b);
    return b;
  }

  private static long bytes(DataBuffer b) {
    return b.length() * b.getElementSize();
  }

  /** Returns the buffer to the pool, evicting the smallest pooled buffers to make room. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    long size = bytes(buffer);
    if (size > MAX_POOLED_BYTES) {
      return;
    }
    synchronized (Scratch.class) {
      // keep the newest; evict the smallest pooled buffers until it fits
      while (pooledBytes + size > MAX_POOLED_BYTES && !POOL.isEmpty()) {
        int smallest = 0;
        for (int i = 1; i < POOL.size(); i++) {
          if (POOL.get(i).length() < POOL.get(smallest).length()) {
            smallest = i;
          }
        }
        pooledBytes -= bytes(POOL.remove(smallest));
      }
      POOL.add(buffer);
      pooledBytes += size;
    }
  }

  /** Bytes now pooled (for tests). */
  static synchronized long pooledBytes() {
    return pooledBytes;
  }
}
