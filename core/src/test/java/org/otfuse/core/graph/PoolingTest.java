package org.otfuse.core.graph;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.otfuse.core.io.StateDict;

/** {@link Network}'s pools follow PyTorch: average pooling counts the zero padding. */
class PoolingTest {

  @Test
  void paddedAveragePoolCountsPaddingInTheNetworkForwardPass() {
    // nn.AvgPool2d(3, 1, 1) on ones: a corner sees 4 of 9 cells, an edge 6, the middle 9
    Graph.Builder b = new Graph.Builder("avg", 1, 4, 4);
    Graph g = b.build(b.avgPool(b.input(), 3, 1, 1));
    INDArray y = Network.of(g, StateDict.of(null, Map.of())).forward(Nd4j.ones(DataType.FLOAT, 1, 16),
        java.util.Set.of(g.output())).get(g.output());
    assertArrayEquals(new long[] {1, 1, 4, 4}, y.shape());
    assertEquals(4.0 / 9, y.getDouble(0, 0, 0, 0), 1e-6);
    assertEquals(6.0 / 9, y.getDouble(0, 0, 0, 1), 1e-6);
    assertEquals(1.0, y.getDouble(0, 0, 1, 1), 1e-6);
  }

  @Test
  void stridedPoolsMatchDirectLoops() {
    INDArray x = Nd4j.rand(DataType.DOUBLE, 2, 3, 7, 7).subi(0.5);
    int k = 3;
    int s = 2;
    int p = 1;
    INDArray max = Pooling.forward(Pooling.Kind.MAX, x, k, s, p);
    INDArray avg = Pooling.forward(Pooling.Kind.AVG, x, k, s, p);
    assertArrayEquals(new long[] {2, 3, 4, 4}, max.shape());
    for (int n = 0; n < 2; n++) {
      for (int c = 0; c < 3; c++) {
        for (int i = 0; i < 4; i++) {
          for (int j = 0; j < 4; j++) {
            double m = Double.NEGATIVE_INFINITY;
            double sum = 0;
            for (int di = 0; di < k; di++) {
              for (int dj = 0; dj < k; dj++) {
                int r = i * s - p + di;
                int q = j * s - p + dj;
                if (r >= 0 && r < 7 && q >= 0 && q < 7) {
                  m = Math.max(m, x.getDouble(n, c, r, q));
                  sum += x.getDouble(n, c, r, q);
                }
              }
            }
            assertEquals(m, max.getDouble(n, c, i, j), 1e-12, "max at " + i + "," + j);
            assertEquals(sum / (k * k), avg.getDouble(n, c, i, j), 1e-12, "avg at " + i + "," + j);
          }
        }
      }
    }
  }

  @Test
  void aNonImageInputIsRefusedWithItsShape() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Pooling.forward(Pooling.Kind.AVG, Nd4j.ones(3, 4), 2, 2, 0));
    assertEquals(true, e.getMessage().contains("[3, 4]"), e.getMessage());
  }
}
