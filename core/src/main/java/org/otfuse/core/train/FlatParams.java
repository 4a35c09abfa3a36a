package org.otfuse.core.train;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * The trainable tensors of a network as views into one flat buffer, in a fixed order, so that
 * the optimiser updates all of them with a handful of ND4J operations instead of a handful per
 * tensor (ND4J's per-operation dispatch costs tens of microseconds; an MLP step has only a few
 * milliseconds of arithmetic).
 */
final class FlatParams {
  private final List<String> names;
  private final List<long[]> shapes;
  private final long[] offsets;
  private final INDArray flat;

  private FlatParams(List<String> names, List<long[]> shapes, long[] offsets, INDArray flat) {
    this.names = List.copyOf(names);
    this.shapes = shapes;
    this.offsets = offsets;
    this.flat = flat;
  }

  /**
   * Copies the {@code names} tensors of {@code params} into a new flat buffer (outside any
   * workspace) and <b>replaces</b> those entries of {@code params} with views of it.
   *
   * @param params modified: the named entries become views
   */
  static FlatParams bind(Map<String, INDArray> params, List<String> names) {
    List<long[]> shapes = new ArrayList<>();
    long[] offsets = new long[names.size() + 1];
    DataType type = null;
    for (int i = 0; i < names.size(); i++) {
      INDArray t = params.get(names.get(i));
      if (t == null) {
        throw new IllegalArgumentException("no parameter " + names.get(i) + " to optimise");
      }
      type = type == null ? t.dataType() : type;
      if (t.dataType() != type) {
        throw new IllegalArgumentException(names.get(i) + " is " + t.dataType() + " but " + names.get(0) + " is "
            + type + "; trainable tensors must share one type");
      }
      shapes.add(t.shape());
      offsets[i + 1] = offsets[i] + t.length();
    }
    INDArray flat;
    try (var ignored = Workspaces.outside()) {
      flat = Nd4j.create(type == null ? DataType.FLOAT : type, Math.max(1, offsets[names.size()]));
    }
    FlatParams f = new FlatParams(names, shapes, offsets, flat);
    for (int i = 0; i < names.size(); i++) {
      INDArray v = f.view(i);
      v.assign(params.get(names.get(i)).reshape(v.shape()));
      params.put(names.get(i), v);
    }
    return f;
  }

  List<String> names() {
    return names;
  }

  INDArray flat() {
    return flat;
  }

  long length() {
    return offsets[names.size()];
  }

  /** Tensor {@code i} as a view of {@code buffer} (a flat array of this layout). */
  INDArray view(INDArray buffer, int i) {
    INDArray part = buffer.get(NDArrayIndex.interval(offsets[i], offsets[i + 1]));
    long[] s = shapes.get(i);
    return s.length == 0 ? part.reshape() : part.reshape('c', s);
  }

  INDArray view(int i) {
    return view(flat, i);
  }

  /** The gradients in this layout, one flat array (zeros for a tensor without gradient). */
  INDArray gather(Map<String, INDArray> grads) {
    // One assign per tensor into a fresh buffer: Nd4j.toFlattened is several times slower.
    INDArray out = Nd4j.create(flat.dataType(), flat.length());
    for (int i = 0; i < names.size(); i++) {
      INDArray g = grads.get(names.get(i));
      INDArray v = view(out, i);
      if (g == null) {
        v.assign(0);
      } else {
        v.assign(g.reshape(v.shape()));
      }
    }
    return out;
  }

  /** Whether {@code other} has the same names and shapes. */
  boolean sameLayout(FlatParams other) {
    if (!names.equals(other.names)) {
      return false;
    }
    for (int i = 0; i < shapes.size(); i++) {
      if (!Arrays.equals(shapes.get(i), other.shapes.get(i))) {
        return false;
      }
    }
    return true;
  }
}
