package org.otfuse.core.backend;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * {@code |actual - expected| <= abs + rel |expected|}: the one closeness assertion of the backend
 * tests, as {@link org.otfuse.core.testing.Tolerance} but on plain arrays (that class also
 * compares ND4J arrays, which the GPU machine does not carry).
 */
record Closeness(double abs, double rel) {

  static Closeness relative(double rel) {
    return new Closeness(0, rel);
  }

  static Closeness absolute(double abs) {
    return new Closeness(abs, 0);
  }

  void assertClose(double expected, double actual, String what) {
    if (!(Math.abs(actual - expected) <= abs + rel * Math.abs(expected))) {
      fail(what + ": expected " + expected + " but was " + actual + " (" + this + ")");
    }
  }

  void assertClose(double[] expected, double[] actual, String what) {
    if (expected.length != actual.length) {
      fail(what + ": length " + actual.length + " but expected " + expected.length);
    }
    for (int i = 0; i < expected.length; i++) {
      if (!(Math.abs(actual[i] - expected[i]) <= abs + rel * Math.abs(expected[i]))) {
        fail(what + ": element " + i + " expected " + expected[i] + " but was " + actual[i]
            + " (" + this + ")");
      }
    }
  }
}
