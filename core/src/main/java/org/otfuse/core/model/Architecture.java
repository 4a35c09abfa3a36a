package org.otfuse.core.model;

import java.util.Arrays;
import java.util.Locale;

/**
 * The built-in architecture names accepted by {@code --arch}.
 *
 * <ul>
 *   <li>{@code mlpnet}: the reference implementation's MNIST MLP (28x28 = 784 inputs); widths,
 *       number of classes and bias presence are read from the checkpoint unless given.
 *   <li>{@code mlp}: any MLP; everything is read from the checkpoint.
 * </ul>
 */
public enum Architecture {
  MLPNET("mlpnet", new MlpSpec(784, null, null, null)),
  MLP("mlp", MlpSpec.INFER);

  private final String cliName;
  private final MlpSpec spec;

  Architecture(String cliName, MlpSpec spec) {
    this.cliName = cliName;
    this.spec = spec;
  }

  public String cliName() {
    return cliName;
  }

  /** What a checkpoint of this architecture must satisfy (null fields are read from it). */
  public MlpSpec spec() {
    return spec;
  }

  /** Parses {@code --arch}; an unknown name fails listing the known ones. */
  public static Architecture parse(String name) {
    String key = name.trim().toLowerCase(Locale.ROOT);
    for (Architecture a : values()) {
      if (a.cliName.equals(key)) {
        return a;
      }
    }
    throw new IllegalArgumentException("unknown architecture '" + name + "'; known: "
        + Arrays.stream(values()).map(Architecture::cliName).toList());
  }
}
