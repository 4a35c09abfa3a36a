package org.otfuse.core.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The files {@code src/test/resources/io/make_torch_fixtures.py} wrote with PyTorch 1.13 and numpy
 * 1.24, and the exact-equality check the io tests share.
 */
final class IoFixtures {
  private IoFixtures() {}

  /** Absolute path of {@code io/<name>}; fails the test when it is missing. */
  static String path(String name) {
    URL url = IoFixtures.class.getResource("/io/" + name);
    if (url == null) {
      throw new AssertionError("test fixture missing: io/" + name);
    }
    try {
      return Path.of(url.toURI()).toString();
    } catch (URISyntaxException e) {
      throw new AssertionError(e);
    }
  }

  /** One line of torch_expected_dtypes.txt: a tensor's name, torch dtype and shape. */
  record Expected(String name, String torchDtype, long[] shape) {
    DataType nd4jType() {
      switch (torchDtype) {
        case "float32": return DataType.FLOAT;
        case "float64": return DataType.DOUBLE;
        case "float16": return DataType.HALF;
        case "bfloat16": return DataType.BFLOAT16;
        case "int64": return DataType.LONG;
        case "int32": return DataType.INT;
        case "int16": return DataType.SHORT;
        case "int8": return DataType.BYTE;
        case "uint8": return DataType.UBYTE;
        case "bool": return DataType.BOOL;
        default: throw new AssertionError("unexpected dtype " + torchDtype);
      }
    }
  }

  /** torch_expected_dtypes.txt, in state_dict order. */
  static List<Expected> expectedTensors() throws IOException {
    List<Expected> out = new ArrayList<>();
    for (String line : Files.readAllLines(Path.of(path("torch_expected_dtypes.txt")))) {
      if (line.isBlank()) {
        continue;
      }
      String[] f = line.split(" ", -1);
      long[] shape = f[2].isEmpty() ? new long[0]
          : Arrays.stream(f[2].split(",")).mapToLong(Long::parseLong).toArray();
      out.add(new Expected(f[0], f[1], shape));
    }
    return out;
  }

  /**
   * Asserts {@code actual} has {@code type}, {@code expected}'s shape and exactly its values
   * (compared as doubles, bit for bit; every value here is exactly representable as a double).
   */
  static void assertExactly(INDArray expected, INDArray actual, DataType type, String what) {
    assertEquals(type, actual.dataType(), what + ": dtype");
    assertArrayEquals(expected.shape(), actual.shape(), what + ": shape");
    if (expected.length() == 0) {
      assertEquals(0, actual.length(), what + ": length");
      return;
    }
    double[] e = expected.castTo(DataType.DOUBLE).dup('c').data().asDouble();
    double[] a = actual.castTo(DataType.DOUBLE).dup('c').data().asDouble();
    assertArrayEquals(e, a, 0.0, what + ": values");
    if (type == DataType.LONG) {
      assertArrayEquals(expected.castTo(DataType.LONG).dup('c').data().asLong(), actual.dup('c').data().asLong(),
          what + ": int64 values");
    }
    if (expected.dataType() == actual.dataType()) {
      assertTrue(expected.equals(actual), what + ": INDArray.equals");
    }
  }
}
