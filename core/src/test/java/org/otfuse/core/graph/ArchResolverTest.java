package org.otfuse.core.graph;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.otfuse.core.io.StateDict;

/** MLP architectures read from a checkpoint's {@code fcK} tensors, and the error when there are none. */
class ArchResolverTest {

  @Test
  void mlpWidthsComeFromTheStateDict() {
    Map<String, INDArray> p = new LinkedHashMap<>();
    p.put("fc1.weight", Nd4j.zeros(DataType.FLOAT, 7, 5));
    p.put("fc2.weight", Nd4j.zeros(DataType.FLOAT, 3, 7));
    Graph g = ArchResolver.resolve("mlp", ArchResolver.Told.NOTHING, StateDict.of("m.safetensors", p));
    assertArrayEquals(new long[] {7, 5}, g.parameterShapes().get("fc1.weight"));
    assertArrayEquals(new long[] {3, 7}, g.parameterShapes().get("fc2.weight"));
  }

  @Test
  void anMlpWithoutFc1IsRefusedNamingTheFile() {
    Map<String, INDArray> p = new LinkedHashMap<>();
    p.put("features.0.weight", Nd4j.zeros(DataType.FLOAT, 4, 3, 3, 3));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> ArchResolver.resolve("mlpnet", ArchResolver.Told.NOTHING, StateDict.of("vgg.safetensors", p)));
    assertTrue(e.getMessage().contains("vgg.safetensors") && e.getMessage().contains("no fc1.weight")
        && e.getMessage().contains("features.0.weight"), e.getMessage());
  }
}
