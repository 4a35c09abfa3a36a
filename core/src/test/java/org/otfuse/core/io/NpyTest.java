package org.otfuse.core.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.otfuse.core.testing.Fixtures;

class NpyTest {

  @Test
  void readsSharedFixtureShapesAndValues() throws Exception {
    INDArray a = Npy.read(Fixtures.path("ot/rect_uniform_n300_m200_a.npy"));
    assertArrayEquals(new long[] {300}, a.shape());
    assertEquals(DataType.DOUBLE, a.dataType());
    assertEquals(1.0 / 300, a.getDouble(7), 1e-15);
    INDArray w = Npy.read(Fixtures.path("otfusion-mnist/checkpoints/model_0/fc4.weight.npy"));
    assertArrayEquals(new long[] {10, 100}, w.shape());
    assertEquals(DataType.FLOAT, w.dataType());
  }

  @Test
  void roundTripsEveryDtypeAndShape(@TempDir Path dir) throws Exception {
    INDArray base = Nd4j.linspace(-3, 3, 24, DataType.DOUBLE).reshape(2, 3, 4);
    for (DataType t : new DataType[] {DataType.DOUBLE, DataType.FLOAT, DataType.HALF, DataType.LONG,
        DataType.INT, DataType.SHORT, DataType.BYTE}) {
      INDArray x = base.castTo(t);
      String f = dir.resolve("x_" + t + ".npy").toString();
      Npy.write(x, f);
      INDArray y = Npy.read(f);
      assertEquals(t, y.dataType(), "dtype of " + f);
      assertArrayEquals(x.shape(), y.shape());
      assertTrue(x.equals(y), "values of " + t);
    }
    INDArray scalar = Nd4j.scalar(2.5);
    String f = dir.resolve("s.npy").toString();
    Npy.write(scalar, f);
    assertEquals(2.5, Npy.read(f).getDouble(0), 0);
  }

  @Test
  void halfPrecisionConversionIsExactOnRepresentableValues() {
    for (float v : new float[] {0f, -0f, 1f, -2.5f, 65504f, 6.1035156e-5f, 5.9604645e-8f, 0.333251953125f}) {
      assertEquals(v, Tensors.halfToFloat(Tensors.floatToHalf(v)), 0, "half " + v);
    }
    assertEquals(1.5f, Float.intBitsToFloat((Tensors.floatToBfloat16(1.5f) & 0xffff) << 16), 0);
  }

  @Test
  void truncatedFileNamesTheFile(@TempDir Path dir) throws Exception {
    byte[] ok = Npy.toBytes(Nd4j.rand(DataType.FLOAT, 5, 5));
    Path f = dir.resolve("cut.npy");
    Files.write(f, Arrays.copyOf(ok, ok.length - 4));
    TensorFormatException e = assertThrows(TensorFormatException.class, () -> Npy.read(f.toString()));
    assertTrue(e.getMessage().startsWith(f.toString()), e.getMessage());
    assertTrue(e.getMessage().contains("truncated"), e.getMessage());
  }
}
