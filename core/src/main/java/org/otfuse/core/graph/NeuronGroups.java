package org.otfuse.core.graph;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The neuron groups of a graph: sets of (parameter, axis) pairs that share one ordering of
 * neurons, derived from the forward graph rather than written per architecture.
 *
 * <p>A Linear or Conv2d output starts a group: its weight's axis 0 and its bias; a BatchNorm,
 * ReLU or pooling after it stays in the group (BatchNorm adds its weight, bias and running
 * statistics); every consumer's weight axis 1 joins as an input member, with the flatten
 * expansion (a Linear after Flatten sees channel {@code c} at columns {@code c*S .. c*S+S-1}, S
 * the spatial positions). A residual Add ties the groups of its inputs into one. The input and
 * the output (class logits) form fixed groups that fusion does not permute by default.
 */
public final class NeuronGroups {

  /** How a parameter axis belongs to a group. */
  public enum Role {
    /** Axis 0 of a layer (or BatchNorm) whose outputs are the group's neurons. */
    OUT,
    /** The input axis (1) of a layer that consumes the group's neurons. */
    IN
  }

  /** One (parameter, axis) pair of a group; {@code expansion} spatial positions per neuron on IN axes. */
  public record Member(String param, int axis, int expansion, Role role) {}

  /**
   * A group of {@code size} neurons.
   *
   * @param producers Linear/Conv2d nodes whose outputs are this group's neurons, in graph order
   * @param preNode node whose output gives the neurons' pre-activations (activations mode)
   * @param postNode node whose output gives their post-ReLU activations
   * @param kind INPUT, OUTPUT or HIDDEN
   */
  public record Group(int id, String label, int size, Kind kind, List<Member> members, List<String> producers,
      String preNode, String postNode) {
    public Group {
      members = List.copyOf(members);
      producers = List.copyOf(producers);
    }

    /** Members with the given role. */
    public List<Member> members(Role role) {
      return members.stream().filter(m -> m.role() == role).toList();
    }

    /** The flatten expansion of this group's input axis in parameter {@code param} (1 unless flattened). */
    public int inputExpansion(String param) {
      for (Member m : members) {
        if (m.role() == Role.IN && m.param().equals(param)) {
          return m.expansion();
        }
      }
      throw new IllegalArgumentException("group " + label + " is not an input axis of " + param);
    }
  }

  /** Whether a group is the input, the output (logits) or hidden. */
  public enum Kind {
    INPUT,
    OUTPUT,
    HIDDEN
  }

  private final Graph graph;
  private final List<Group> groups;
  private final Map<String, Integer> groupOfNode;

  private NeuronGroups(Graph graph, List<Group> groups, Map<String, Integer> groupOfNode) {
    this.graph = graph;
    this.groups = List.copyOf(groups);
    this.groupOfNode = groupOfNode;
  }

  public Graph graph() {
    return graph;
  }

  /** Groups ordered by their first producer in the graph (the input group first). */
  public List<Group> groups() {
    return groups;
  }

  public Group group(int id) {
    return groups.get(id);
  }

  /** The group of the neurons at node {@code id}'s output. */
  public Group groupOf(String nodeId) {
    return groups.get(groupOfNode.get(nodeId));
  }

  /** The group a producer node reads from (the input group of its weight's axis 1). */
  public Group inputGroupOf(String producerNodeId) {
    return groupOf(graph.node(producerNodeId).inputs().get(0));
  }

  /** Derives the groups of {@code graph} (see class comment). */
  public static NeuronGroups of(Graph graph) {
    int[] parent = new int[graph.nodes().size() + 1];
    for (int i = 0; i < parent.length; i++) {
      parent[i] = i;
    }
    Map<String, Integer> space = new HashMap<>();
    Map<String, Integer> expansion = new HashMap<>();
    int next = 0;
    for (Node node : graph.nodes()) {
      Op op = node.op();
      String in = node.inputs().isEmpty() ? null : node.inputs().get(0);
      if (op instanceof Op.Input || op instanceof Op.Linear || op instanceof Op.Conv2d) {
        space.put(node.id(), next++);
        expansion.put(node.id(), 1);
      } else if (op instanceof Op.Add) {
        int a = find(parent, space.get(in));
        int b = find(parent, space.get(node.inputs().get(1)));
        parent[Math.max(a, b)] = Math.min(a, b);
        space.put(node.id(), Math.min(a, b));
        expansion.put(node.id(), expansion.get(in));
      } else if (op instanceof Op.Flatten) {
        long[] s = graph.shape(in);
        long spatial = s.length == 3 ? s[1] * s[2] : 1;
        space.put(node.id(), space.get(in));
        expansion.put(node.id(), (int) (expansion.get(in) * spatial));
      } else {
        space.put(node.id(), space.get(in));
        expansion.put(node.id(), expansion.get(in));
      }
    }
    // Canonical group per space root, ordered by first appearance.
    Map<Integer, List<String>> nodesOfRoot = new LinkedHashMap<>();
    for (Node node : graph.nodes()) {
      nodesOfRoot.computeIfAbsent(find(parent, space.get(node.id())), k -> new ArrayList<>()).add(node.id());
    }
    int outputRoot = find(parent, space.get(graph.output()));
    int inputRoot = find(parent, space.get(graph.input().id()));
    Map<Integer, Integer> idOfRoot = new HashMap<>();
    for (Integer root : nodesOfRoot.keySet()) {
      idOfRoot.put(root, idOfRoot.size());
    }
    Map<Integer, List<Member>> members = new HashMap<>();
    Map<Integer, List<String>> producers = new HashMap<>();
    for (Node node : graph.nodes()) {
      int g = idOfRoot.get(find(parent, space.get(node.id())));
      Op op = node.op();
      String in = node.inputs().isEmpty() ? null : node.inputs().get(0);
      String module = null;
      boolean bias = false;
      if (op instanceof Op.Linear l) {
        module = l.module();
        bias = l.bias();
      } else if (op instanceof Op.Conv2d c) {
        module = c.module();
        bias = c.bias();
      }
      if (module != null) {
        List<Member> out = members.computeIfAbsent(g, k -> new ArrayList<>());
        out.add(new Member(module + ".weight", 0, 1, Role.OUT));
        if (bias) {
          out.add(new Member(module + ".bias", 0, 1, Role.OUT));
        }
        producers.computeIfAbsent(g, k -> new ArrayList<>()).add(node.id());
        int gin = idOfRoot.get(find(parent, space.get(in)));
        members.computeIfAbsent(gin, k -> new ArrayList<>())
            .add(new Member(module + ".weight", 1, expansion.get(in), Role.IN));
      } else if (op instanceof Op.BatchNorm b) {
        for (String p : Graph.BATCHNORM_VECTORS) {
          members.computeIfAbsent(g, k -> new ArrayList<>()).add(new Member(b.module() + "." + p, 0, 1, Role.OUT));
        }
      }
    }
    List<Group> groups = new ArrayList<>();
    Map<String, Integer> groupOfNode = new HashMap<>();
    for (Map.Entry<Integer, List<String>> e : nodesOfRoot.entrySet()) {
      int id = idOfRoot.get(e.getKey());
      List<String> nodes = e.getValue();
      for (String n : nodes) {
        groupOfNode.put(n, id);
      }
      Kind kind = e.getKey() == inputRoot ? Kind.INPUT : e.getKey() == outputRoot ? Kind.OUTPUT : Kind.HIDDEN;
      List<String> prod = producers.getOrDefault(id, List.of());
      int size = (int) graph.shape(nodes.get(0))[0];
      String[] taps = taps(graph, nodes, kind);
      String label = kind == Kind.INPUT ? "input" : String.join("+", prod.stream()
          .map(p -> moduleOf(graph.node(p).op())).toList());
      groups.add(new Group(id, label, size, kind, members.getOrDefault(id, List.of()), prod, taps[0], taps[1]));
    }
    return new NeuronGroups(graph, groups, groupOfNode);
  }

  /** The parameter module of a producer node's op (a Linear or a Conv2d). */
  public static String moduleOf(Op op) {
    if (op instanceof Op.Linear l) {
      return l.module();
    }
    return ((Op.Conv2d) op).module();
  }

  /**
   * Pre- and post-activation tap nodes of a group: the output of its first producer (after its
   * BatchNorm, if any) and of the first ReLU after it. Every node of a group carries the same
   * neurons, so one tap per group suffices; for a residual group it is the first member.
   */
  private static String[] taps(Graph graph, List<String> nodes, Kind kind) {
    if (kind == Kind.INPUT) {
      return new String[] {nodes.get(0), nodes.get(0)};
    }
    String firstRelu = null;
    String lastBeforeRelu = null;
    for (String id : nodes) {
      Op op = graph.node(id).op();
      if (op instanceof Op.Relu) {
        firstRelu = id;
        break;
      }
      if (op instanceof Op.Linear || op instanceof Op.Conv2d || op instanceof Op.BatchNorm || op instanceof Op.Add) {
        lastBeforeRelu = id;
      }
    }
    return new String[] {lastBeforeRelu, firstRelu != null ? firstRelu : lastBeforeRelu};
  }

  private static int find(int[] parent, int x) {
    while (parent[x] != x) {
      parent[x] = parent[parent[x]];
      x = parent[x];
    }
    return x;
  }
}
