package org.otfuse.core.ot;

import java.util.Arrays;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.BooleanIndexing;
import org.nd4j.linalg.indexing.conditions.Conditions;

/** Argument checks shared by the package; every message names the tensor and what was found. */
final class Checks {
  private Checks() {}

  static String shape(INDArray x) {
    return Arrays.toString(x.shape());
  }

  static void requireNonNull(Object x, String name) {
    if (x == null) {
      throw new IllegalArgumentException(name + " must not be null");
    }
  }

  /** {@code x} is a floating-point matrix (rank 2). */
  static void requireMatrix(INDArray x, String name) {
    requireNonNull(x, name);
    if (x.rank() != 2) {
      throw new IllegalArgumentException(name + " must be a 2-d matrix but has shape " + shape(x));
    }
    requireFloatingPoint(x, name);
  }

  static void requireFloatingPoint(INDArray x, String name) {
    if (!x.dataType().isFPType()) {
      throw new IllegalArgumentException(
          name + " must have a floating-point dtype but has " + x.dataType());
    }
  }

  /**
   * {@code x} is a vector of {@code length} entries: rank 1, or rank 2 with one dimension 1.
   * Returns it as a rank-1 float64 array (a new array unless it already was one; not modified).
   */
  static INDArray vector(INDArray x, long length, String name, String why) {
    requireNonNull(x, name);
    boolean isVector = x.rank() == 1 || (x.rank() == 2 && (x.size(0) == 1 || x.size(1) == 1));
    if (!isVector || x.length() != length) {
      throw new IllegalArgumentException(name + " must be a vector of length " + length + " (" + why
          + ") but has shape " + shape(x));
    }
    requireFloatingPoint(x, name);
    INDArray v = x.rank() == 1 ? x : x.reshape(length);
    return v.dataType() == DataType.DOUBLE ? v : v.castTo(DataType.DOUBLE);
  }

  /** Fails when {@code x} holds a NaN or an infinity, naming the first such entry (row-major). */
  static void requireFinite(INDArray x, String name) {
    // fast path: one native reduction; a NaN or an infinity makes the sum non-finite
    if (x.length() == 0 || Double.isFinite(x.sumNumber().doubleValue())) {
      return;
    }
    // the sum may also overflow on huge finite entries: look for the culprit exactly
    if (!BooleanIndexing.or(x, Conditions.notFinite())) {
      return;
    }
    INDArray flat = x.dup('c').reshape(x.length());
    long idx = flat.isNaN().castTo(DataType.INT32).add(flat.isInfinite().castTo(DataType.INT32))
        .argMax().getLong(0);
    throw new IllegalArgumentException(name + index(x, idx) + " = " + flat.getDouble(idx)
        + " is not finite; " + name + " has shape " + shape(x));
  }

  /** {@code "[i, j]"} for the row-major flat index {@code idx} of {@code x}. */
  static String index(INDArray x, long idx) {
    if (x.rank() != 2) {
      return "[" + idx + "]";
    }
    return "[" + idx / x.size(1) + ", " + idx % x.size(1) + "]";
  }
}
