package org.otfuse.core.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class StateDictTest {

  private static Map<String, INDArray> sample() {
    Map<String, INDArray> m = new LinkedHashMap<>();
    m.put("fc2.weight", Nd4j.zeros(DataType.FLOAT, 3, 2));
    m.put("fc1.weight", Nd4j.ones(DataType.FLOAT, 2, 4));
    m.put("bn.num_batches_tracked", Nd4j.scalar(5L));
    return m;
  }

  @Test
  void keepsInsertionOrderAndCopiesTheMapButSharesArrays() {
    Map<String, INDArray> m = sample();
    StateDict sd = StateDict.of("a.pt", m);
    m.put("extra", Nd4j.scalar(1.0));
    assertEquals(List.of("fc2.weight", "fc1.weight", "bn.num_batches_tracked"), List.copyOf(sd.names()));
    assertEquals(3, sd.size());
    assertEquals("a.pt", sd.source());
    assertSame(m.get("fc1.weight"), sd.get("fc1.weight"));
    assertTrue(sd.contains("fc1.weight"));
    assertFalse(sd.contains("extra"));
    assertSame(m.get("fc2.weight"), sd.find("fc2.weight").orElseThrow());
    assertThrows(UnsupportedOperationException.class, () -> sd.asMap().put("x", Nd4j.scalar(1.0)));
    assertThrows(UnsupportedOperationException.class, () -> sd.names().remove("fc1.weight"));
  }

  @Test
  void withReturnsACopyKeepingPositions() {
    StateDict sd = StateDict.of(null, sample());
    INDArray replacement = Nd4j.rand(DataType.FLOAT, 3, 2);
    StateDict replaced = sd.with("fc2.weight", replacement);
    StateDict added = sd.with("fc3.bias", replacement);
    assertEquals(List.copyOf(sd.names()), List.copyOf(replaced.names()));
    assertSame(replacement, replaced.get("fc2.weight"));
    assertEquals(0.0, sd.get("fc2.weight").sumNumber().doubleValue(), 0.0);
    assertEquals("fc3.bias", List.copyOf(added.names()).get(3));
    assertEquals(3, sd.size());
    assertNull(added.source());
  }

  @Test
  void missingTensorMessageInMemory() {
    StateDict sd = StateDict.of(null, sample());
    MissingTensorException e = assertThrows(MissingTensorException.class, () -> sd.get("fc9.bias"));
    assertEquals("(in-memory state_dict): no tensor 'fc9.bias'; the state_dict has 3 tensors: "
        + "[fc2.weight, fc1.weight, bn.num_batches_tracked]", e.getMessage());
    assertNull(e.source());
  }

  @Test
  void missingTensorMessageListsAtMostFortyNames() {
    Map<String, INDArray> m = new LinkedHashMap<>();
    for (int i = 0; i < 45; i++) {
      m.put("t" + i, Nd4j.scalar(1.0));
    }
    MissingTensorException e = assertThrows(MissingTensorException.class,
        () -> StateDict.of("big.pt", m).get("nope"));
    assertTrue(e.getMessage().endsWith("t38, t39, ... and 5 more]"), e.getMessage());
  }

  @Test
  void rejectsNullsAndDescribesItself() {
    Map<String, INDArray> m = new LinkedHashMap<>();
    m.put("w", null);
    NullPointerException e = assertThrows(NullPointerException.class, () -> StateDict.of("f", m));
    assertEquals("tensor 'w' is null", e.getMessage());
    assertEquals("StateDict(x.pt, 3 tensors: fc2.weight FLOAT[3, 2], fc1.weight FLOAT[2, 4], "
        + "bn.num_batches_tracked LONG[])", StateDict.of("x.pt", sample()).toString());
  }
}
