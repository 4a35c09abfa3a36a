package org.otfuse.core.model;

import java.util.Arrays;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A fully connected layer {@code y = x W^T + b} as in PyTorch's {@code nn.Linear}: {@code weight}
 * is out x in, {@code bias} has length out or is null. Parameters are float32, shared not copied.
 */
public record DenseLayer(String name, INDArray weight, INDArray bias) {

  public DenseLayer {
    if (weight.rank() != 2) {
      throw new IllegalArgumentException(name + ".weight must be 2-D (out x in) but has shape "
          + Arrays.toString(weight.shape()));
    }
    if (bias != null && (bias.rank() != 1 || bias.length() != weight.rows())) {
      throw new IllegalArgumentException(name + ".bias has shape " + Arrays.toString(bias.shape())
          + " but " + name + ".weight has " + weight.rows() + " output neurons");
    }
    weight = weight.dataType() == DataType.FLOAT ? weight : weight.castTo(DataType.FLOAT);
    bias = bias == null || bias.dataType() == DataType.FLOAT ? bias : bias.castTo(DataType.FLOAT);
  }

  public int outputs() {
    return (int) weight.rows();
  }

  public int inputs() {
    return (int) weight.columns();
  }

  public boolean hasBias() {
    return bias != null;
  }
}
