package org.otfuse.core.testing;

import static org.junit.jupiter.api.Assertions.fail;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Named tolerances and the one closeness assertion the tests use (after Spark's TestingUtils):
 * {@code |actual - expected| <= abs + rel * |expected|}.
 */
public record Tolerance(double abs, double rel) {

  public static Tolerance absolute(double abs) {
    return new Tolerance(abs, 0);
  }

  public static Tolerance relative(double rel) {
    return new Tolerance(0, rel);
  }

  public void assertClose(double expected, double actual, String what) {
    if (!(Math.abs(actual - expected) <= abs + rel * Math.abs(expected))) {
      fail(what + ": expected " + expected + " but was " + actual + " (" + this + ")");
    }
  }

  /** Element-wise closeness of two arrays of the same shape. */
  public void assertClose(INDArray expected, INDArray actual, String what) {
    if (!java.util.Arrays.equals(expected.shape(), actual.shape())) {
      fail(what + ": shape " + java.util.Arrays.toString(actual.shape()) + " but expected "
          + java.util.Arrays.toString(expected.shape()));
    }
    double[] e = expected.castTo(DataType.DOUBLE).dup('c').data().asDouble();
    double[] a = actual.castTo(DataType.DOUBLE).dup('c').data().asDouble();
    for (int i = 0; i < e.length; i++) {
      if (!(Math.abs(a[i] - e[i]) <= abs + rel * Math.abs(e[i]))) {
        fail(what + ": element " + i + " expected " + e[i] + " but was " + a[i] + " (" + this + ")");
      }
    }
  }
}
