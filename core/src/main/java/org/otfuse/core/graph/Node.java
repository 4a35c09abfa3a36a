package org.otfuse.core.graph;

import java.util.List;

/** A named node of the forward graph: an operation applied to the outputs of {@code inputs}. */
public record Node(String id, Op op, List<String> inputs) {
  public Node {
    inputs = List.copyOf(inputs);
  }
}
