package org.otfuse.core.io;

import java.util.List;

/**
 * A tensor asked for by name is not in a {@link StateDict}. The message names the file the state
 * dict came from, the missing tensor and the tensors that are there, for example {@code
 * model_0/final.checkpoint: no tensor 'fc5.weight'; the state_dict has 4 tensors: [fc1.weight,
 * fc2.weight, fc3.weight, fc4.weight]}.
 */
public class MissingTensorException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;
  private static final int MAX_LISTED = 40;

  private final String source;
  private final String name;

  /**
   * @param source the file the state dict came from, or null for one built in memory
   * @param name the tensor that was asked for
   * @param present the names that are there, in order (not modified)
   */
  public MissingTensorException(String source, String name, List<String> present) {
    super(message(source, name, present));
    this.source = source;
    this.name = name;
  }

  /** The file the state dict came from; null for one built in memory. */
  public String source() {
    return source;
  }

  /** The tensor that was asked for. */
  public String name() {
    return name;
  }

  private static String message(String source, String name, List<String> present) {
    StringBuilder sb = new StringBuilder(source == null ? "(in-memory state_dict)" : source)
        .append(": no tensor '").append(name).append("'; the state_dict has ")
        .append(present.size()).append(present.size() == 1 ? " tensor: " : " tensors: ");
    if (present.size() <= MAX_LISTED) {
      sb.append(present);
    } else {
      sb.append(present.subList(0, MAX_LISTED)).setLength(sb.length() - 1);
      sb.append(", ... and ").append(present.size() - MAX_LISTED).append(" more]");
    }
    return sb.toString();
  }
}
