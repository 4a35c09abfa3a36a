package org.otfuse.core.io;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The named tensors of a model, in file order, named as in PyTorch's {@code state_dict()} (for
 * example {@code fc1.weight}, {@code bn1.running_mean}, {@code bn1.num_batches_tracked}).
 *
 * <p>Immutable as a map: names cannot be added, removed or replaced ({@link #with} returns a copy).
 * The {@link INDArray}s themselves are <b>shared, not copied</b>: {@link #of}, {@link #get},
 * {@link #asMap} and {@link #with} hand out the very arrays they were given, so a caller that
 * modifies one in place (ND4J's {@code addi}, {@code assign}, ...) changes it for every holder.
 * Use {@code dup()} before in-place work on a tensor you did not create.
 *
 * <p>Equality is identity; compare tensors by name when two state dicts must be compared.
 */
public final class StateDict {

  private final String source;
  private final Map<String, INDArray> tensors;

  private StateDict(String source, LinkedHashMap<String, INDArray> tensors) {
    this.source = source;
    this.tensors = Collections.unmodifiableMap(tensors);
  }

  /**
   * A state dict holding the entries of {@code tensors} in its iteration order.
   *
   * @param source the file the tensors came from, for error messages; null for in-memory ones
   * @param tensors name to tensor; not modified (its entries are copied, the arrays are shared)
   * @throws NullPointerException when a name or tensor is null
   */
  public static StateDict of(String source, Map<String, INDArray> tensors) {
    LinkedHashMap<String, INDArray> copy = new LinkedHashMap<>();
    for (Map.Entry<String, INDArray> e : tensors.entrySet()) {
      String name = Objects.requireNonNull(e.getKey(), "tensor name is null");
      copy.put(name, Objects.requireNonNull(e.getValue(), () -> "tensor '" + name + "' is null"));
    }
    return new StateDict(source, copy);
  }

  /** The file these tensors were read from; null when built in memory. */
  public String source() {
    return source;
  }

  /** The tensor names in order (unmodifiable). */
  public Set<String> names() {
    return tensors.keySet();
  }

  /** Whether a tensor of that name is present. */
  public boolean contains(String name) {
    return tensors.containsKey(name);
  }

  /**
   * The tensor {@code name} (shared, not copied).
   *
   * @throws MissingTensorException naming the source file, {@code name} and the names present
   */
  public INDArray get(String name) {
    INDArray t = tensors.get(name);
    if (t == null) {
      throw new MissingTensorException(source, name, new ArrayList<>(tensors.keySet()));
    }
    return t;
  }

  /** The tensor {@code name} (shared, not copied), or empty when absent. */
  public Optional<INDArray> find(String name) {
    return Optional.ofNullable(tensors.get(name));
  }

  /** All tensors as an unmodifiable, ordered map (the arrays are shared, not copied). */
  public Map<String, INDArray> asMap() {
    return tensors;
  }

  /** The number of tensors. */
  public int size() {
    return tensors.size();
  }

  /**
   * A copy with {@code name} set to {@code value}: an existing name keeps its position, a new one
   * goes last. Not modified: this state dict. The source is kept.
   */
  public StateDict with(String name, INDArray value) {
    Objects.requireNonNull(name, "tensor name is null");
    Objects.requireNonNull(value, () -> "tensor '" + name + "' is null");
    LinkedHashMap<String, INDArray> copy = new LinkedHashMap<>(tensors);
    copy.put(name, value);
    return new StateDict(source, copy);
  }

  /** The source and each tensor's name, dtype and shape (no values). */
  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder("StateDict(")
        .append(source == null ? "in-memory" : source).append(", ").append(size()).append(" tensors");
    String sep = ": ";
    for (Map.Entry<String, INDArray> e : tensors.entrySet()) {
      sb.append(sep).append(e.getKey()).append(' ').append(e.getValue().dataType())
          .append(Arrays.toString(e.getValue().shape()));
      sep = ", ";
    }
    return sb.append(')').toString();
  }
}
