package org.otfuse.core.graph;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A forward graph: nodes in topological order (each node's inputs come before it), one input
 * node and one output node (the logits). Output shapes are inferred when the graph is built, so
 * the flatten expansion (channels x spatial positions) and every parameter's expected shape are
 * known before any checkpoint is read. Immutable; build with {@link Builder}.
 */
public final class Graph {
  private final String name;
  private final List<Node> nodes;
  private final Map<String, Node> byId;
  private final Map<String, long[]> shapes;
  private final String output;

  private Graph(String name, List<Node> nodes, Map<String, long[]> shapes, String output) {
    this.name = name;
    this.nodes = List.copyOf(nodes);
    this.byId = new HashMap<>();
    for (Node n : nodes) {
      byId.put(n.id(), n);
    }
    this.shapes = shapes;
    this.output = output;
  }

  public String name() {
    return name;
  }

  public List<Node> nodes() {
    return nodes;
  }

  public Node node(String id) {
    Node n = byId.get(id);
    if (n == null) {
      throw new IllegalArgumentException(name + ": no node '" + id + "'");
    }
    return n;
  }

  /** Output shape of node {@code id}, without the batch axis. */
  public long[] shape(String id) {
    return shapes.get(id).clone();
  }

  public String output() {
    return output;
  }

  public Node input() {
    return nodes.get(0);
  }

  /** Expected parameter tensors, in PyTorch {@code state_dict} order, with their shapes. */
  public Map<String, long[]> parameterShapes() {
    Map<String, long[]> out = new LinkedHashMap<>();
    for (Node n : nodes) {
      if (n.op() instanceof Op.Linear l) {
        out.put(l.module() + ".weight", new long[] {l.out(), l.in()});
        if (l.bias()) {
          out.put(l.module() + ".bias", new long[] {l.out()});
        }
      } else if (n.op() instanceof Op.Conv2d c) {
        out.put(c.module() + ".weight", new long[] {c.out(), c.in(), c.kernel(), c.kernel()});
        if (c.bias()) {
          out.put(c.module() + ".bias", new long[] {c.out()});
        }
      } else if (n.op() instanceof Op.BatchNorm b) {
        for (String p : BATCHNORM_VECTORS) {
          out.put(b.module() + "." + p, new long[] {b.features()});
        }
        out.put(b.module() + ".num_batches_tracked", new long[] {});
      }
    }
    return out;
  }

  /**
   * The same graph with other channel counts: {@code outChannels} maps a Linear/Conv2d module to
   * its new output width (modules not named keep theirs); input widths, BatchNorm features and
   * shapes follow. Node ids are kept.
   */
  public Graph resized(Map<String, Integer> outChannels) {
    Builder b = new Builder(name, shape(input().id()));
    Map<String, String> ids = new HashMap<>();
    ids.put(input().id(), b.input());
    for (Node n : nodes) {
      Op op = n.op();
      String in = n.inputs().isEmpty() ? null : ids.get(n.inputs().get(0));
      String id;
      if (op instanceof Op.Input) {
        continue;
      } else if (op instanceof Op.Linear l) {
        id = b.linear(in, l.module(), outChannels.getOrDefault(l.module(), l.out()), l.bias());
      } else if (op instanceof Op.Conv2d c) {
        id = b.conv(in, c.module(), outChannels.getOrDefault(c.module(), c.out()), c.kernel(), c.stride(),
            c.padding(), c.bias());
      } else if (op instanceof Op.BatchNorm bn) {
        id = b.batchNorm(in, bn.module());
      } else if (op instanceof Op.Relu) {
        id = b.relu(in);
      } else if (op instanceof Op.MaxPool2d p) {
        id = b.maxPool(in, p.kernel(), p.stride(), p.padding());
      } else if (op instanceof Op.AvgPool2d p) {
        id = b.avgPool(in, p.kernel(), p.stride(), p.padding());
      } else if (op instanceof Op.AdaptiveAvgPool2d) {
        id = b.adaptiveAvgPool(in);
      } else if (op instanceof Op.Flatten) {
        id = b.flatten(in);
      } else if (op instanceof Op.Add) {
        id = b.add(in, ids.get(n.inputs().get(1)));
      } else {
        throw new IllegalStateException("unsupported op " + op);
      }
      if (!id.equals(n.id())) {
        throw new IllegalStateException("resizing renamed node " + n.id() + " to " + id);
      }
      ids.put(n.id(), id);
    }
    return b.build(output);
  }

  /** BatchNorm's per-channel tensors, in PyTorch's order. */
  public static final List<String> BATCHNORM_VECTORS = List.of("weight", "bias", "running_mean", "running_var");

  @Override
  public String toString() {
    return "Graph[" + name + ", " + nodes.size() + " nodes]";
  }

  /** Builds a graph node by node, inferring shapes and checking channel counts as it goes. */
  public static final class Builder {
    private final String name;
    private final List<Node> nodes = new ArrayList<>();
    private final Map<String, long[]> shapes = new HashMap<>();
    private int counter;

    public Builder(String name, long... inputShape) {
      this.name = name;
      add("input", new Op.Input(inputShape), List.of(), inputShape);
    }

    /** Id of the input node. */
    public String input() {
      return "input";
    }

    public String linear(String from, String module, int out, boolean bias) {
      long[] s = shapes.get(from);
      if (s.length != 1) {
        throw new IllegalArgumentException(name + ": " + module + " (Linear) reads " + Arrays.toString(s)
            + "; flatten first");
      }
      return add(module, new Op.Linear(module, (int) s[0], out, bias), List.of(from), new long[] {out});
    }

    public String conv(String from, String module, int out, int kernel, int stride, int padding, boolean bias) {
      long[] s = image(from, module);
      long h = Pooling.outSize(s[1], kernel, stride, padding);
      long w = Pooling.outSize(s[2], kernel, stride, padding);
      return add(module, new Op.Conv2d(module, (int) s[0], out, kernel, stride, padding, bias), List.of(from),
          new long[] {out, h, w});
    }

    public String batchNorm(String from, String module) {
      long[] s = shapes.get(from);
      return add(module, new Op.BatchNorm(module, (int) s[0], 1e-5), List.of(from), s);
    }

    public String relu(String from) {
      return add(fresh("relu"), new Op.Relu(), List.of(from), shapes.get(from));
    }

    public String maxPool(String from, int kernel, int stride, int padding) {
      return pool(from, "maxpool", new Op.MaxPool2d(kernel, stride, padding), kernel, stride, padding);
    }

    public String avgPool(String from, int kernel, int stride, int padding) {
      return pool(from, "avgpool", new Op.AvgPool2d(kernel, stride, padding), kernel, stride, padding);
    }

    public String adaptiveAvgPool(String from) {
      long[] s = image(from, "adaptive_avgpool");
      return add(fresh("adaptive_avgpool"), new Op.AdaptiveAvgPool2d(), List.of(from), new long[] {s[0], 1, 1});
    }

    public String flatten(String from) {
      long[] s = shapes.get(from);
      return add(fresh("flatten"), new Op.Flatten(), List.of(from), new long[] {Arrays.stream(s).reduce(1, (a, b) -> a * b)});
    }

    public String add(String a, String b) {
      if (!Arrays.equals(shapes.get(a), shapes.get(b))) {
        throw new IllegalArgumentException(name + ": residual add of " + a + " " + Arrays.toString(shapes.get(a))
            + " and " + b + " " + Arrays.toString(shapes.get(b)) + " needs equal shapes");
      }
      return add(fresh("add"), new Op.Add(), List.of(a, b), shapes.get(a));
    }

    /** Output shape of a node built so far. */
    public long[] shape(String id) {
      return shapes.get(id).clone();
    }

    public Graph build(String output) {
      if (!shapes.containsKey(output)) {
        throw new IllegalArgumentException(name + ": no node '" + output + "'");
      }
      return new Graph(name, nodes, new HashMap<>(shapes), output);
    }

    private String pool(String from, String kind, Op op, int kernel, int stride, int padding) {
      long[] s = image(from, kind);
      long h = Pooling.outSize(s[1], kernel, stride, padding);
      long w = Pooling.outSize(s[2], kernel, stride, padding);
      if (h < 1 || w < 1) {
        throw new IllegalArgumentException(name + ": " + kind + " " + kernel + "x" + kernel + " on a "
            + s[1] + "x" + s[2] + " image leaves nothing; the input is too small for this architecture");
      }
      return add(fresh(kind), op, List.of(from), new long[] {s[0], h, w});
    }

    private long[] image(String from, String what) {
      long[] s = shapes.get(from);
      if (s == null) {
        throw new IllegalArgumentException(name + ": no node '" + from + "'");
      }
      if (s.length != 3) {
        throw new IllegalArgumentException(name + ": " + what + " needs a C x H x W input but " + from
            + " has shape " + Arrays.toString(s));
      }
      return s;
    }

    private String fresh(String kind) {
      return kind + "_" + (counter++);
    }

    private String add(String id, Op op, List<String> inputs, long[] shape) {
      if (shapes.containsKey(id)) {
        throw new IllegalArgumentException(name + ": duplicate node '" + id + "'");
      }
      for (String in : inputs) {
        if (!shapes.containsKey(in)) {
          throw new IllegalArgumentException(name + ": node '" + id + "' reads unknown node '" + in + "'");
        }
      }
      nodes.add(new Node(id, op, inputs));
      shapes.put(id, shape.clone());
      return id;
    }
  }
}
