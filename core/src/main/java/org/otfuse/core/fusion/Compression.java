package org.otfuse.core.fusion;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.otfuse.core.graph.Network;
import org.otfuse.core.graph.NeuronGroups;
import org.otfuse.core.graph.NeuronGroups.Group;
import org.otfuse.core.io.StateDict;
import org.otfuse.core.model.MlpNet;
import org.otfuse.core.ot.CostNormalization;
import org.otfuse.core.ot.GroundCost;
import org.otfuse.core.ot.GroundMetric;
import org.otfuse.core.ot.TransportPlan;
import org.otfuse.core.ot.TransportSolver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Compression of one model into a narrower one by optimal transport (paper, Section 5: fusion
 * into a smaller target), over neuron groups, and the magnitude-pruning baseline.
 *
 * <p>Per hidden group, in the same order as weights-mode fusion (a group is handled once one of
 * its producers has its input axis mapped), the {@code n} neurons {@code x_i} (the rows of the
 * ready producers' weights with their input axis already mapped, and biases; mass {@code 1/n})
 * are summarised by {@code m = round(n f)} neurons {@code y_j} (mass {@code 1/m}) forming a
 * free-support Wasserstein barycenter: starting from {@code m} neurons picked by farthest-point
 * traversal (first the largest norm, then each time the neuron farthest from those picked),
 * alternate {@code T = argmin <T, M(X, Y)>} (exact OT, squared euclidean cost) and
 * {@code Y = diag(1/b) T^T X} until {@code Y} moves by less than 1e-6 relative (at most 30 rounds):
 * OT k-means with balanced clusters. Every OUT axis of the group (weights, biases, BatchNorm
 * vectors) is then mapped by {@code T diag(1/b)} (each kept neuron is the mean of those it
 * replaces) and every IN axis by {@code diag(1/a) T} (a kept neuron's outgoing weights are the
 * <em>sum</em> of those it replaces, since it stands in for all of their activations). With factor
 * 1 the plan is a permutation and the function is kept exactly.
 *
 * <p>Chosen over the paper's "fuse with a smaller, separately trained target" because it needs no
 * second model; the OT step and the transport of parameters are those of {@link GraphFusion}.
 */
public final class Compression {
  private static final Logger LOG = LoggerFactory.getLogger(Compression.class);
  private static final int MAX_ROUNDS = 30;
  private static final double MOVE_TOL = 1e-6;

  private Compression() {}

  /** The compressed model and one report per hidden layer. */
  public record Result(MlpNet compressed, List<LayerReport> reports) {}

  /** The compressed network and one report per hidden group. */
  public record NetworkResult(Network compressed, List<LayerReport> reports) {}

  /** Width of a group of {@code n} neurons after compression by {@code factor}: at least 1. */
  public static int targetWidth(int n, double factor) {
    if (!(factor > 0 && factor <= 1)) {
      throw new IllegalArgumentException("width factor is " + factor + " but must be in (0, 1]");
    }
    return Math.max(1, (int) Math.round(n * factor));
  }

  /** MLP view of {@link #compress(Network, double, FusionOptions)}. */
  public static Result compress(MlpNet big, double widthFactor, FusionOptions options) {
    NetworkResult r = compress(big.toNetwork(), widthFactor, options);
    return new Result(MlpNet.fromNetwork(r.compressed()), r.reports());
  }

  /** MLP view of {@link #pruneByMagnitude(Network, double)}. */
  public static MlpNet pruneByMagnitude(MlpNet big, double widthFactor) {
    return MlpNet.fromNetwork(pruneByMagnitude(big.toNetwork(), widthFactor));
  }

  /** Compresses every hidden group of {@code big} by {@code widthFactor} (see class comment). */
  public static NetworkResult compress(Network big, double widthFactor, FusionOptions options) {
    targetWidth(1, widthFactor);
    NeuronGroups sg = NeuronGroups.of(big.graph());
    TransportSolver solver = OtFusion.solver(options);
    Map<Integer, INDArray> outPlans = new HashMap<>();
    Map<Integer, INDArray> inPlans = new HashMap<>();
    Set<Integer> done = new TreeSet<>();
    Set<Integer> pending = new TreeSet<>();
    for (Group g : sg.groups()) {
      (g.kind() == NeuronGroups.Kind.HIDDEN ? pending : done).add(g.id());
    }
    Map<String, Integer> sizes = new HashMap<>();
    List<LayerReport> reports = new ArrayList<>();
    while (!pending.isEmpty()) {
      Group g = null;
      for (int id : pending) {
        if (!ready(sg, sg.group(id), done).isEmpty()) {
          g = sg.group(id);
          break;
        }
      }
      if (g == null) {
        throw new IllegalStateException("no group among " + pending + " has a producer with a mapped input");
      }
      long t0 = System.nanoTime();
      INDArray x = features(big, sg, ready(sg, g, done), inPlans);
      int n = (int) x.rows();
      int m = targetWidth(n, widthFactor);
      INDArray a = Nd4j.valueArrayOf(new long[] {n}, 1.0 / n, DataType.DOUBLE);
      INDArray b = Nd4j.valueArrayOf(new long[] {m}, 1.0 / m, DataType.DOUBLE);
      INDArray y = x.getRows(farthestPoints(x, m));
      TransportPlan plan = null;
      int rounds = 0;
      while (rounds < MAX_ROUNDS) {
        rounds++;
        plan = solver.solve(a, b, GroundCost.compute(x, y, GroundMetric.SQEUCLIDEAN, CostNormalization.NONE));
        INDArray next = plan.plan().transpose().mmul(x).muliColumnVector(b.rdiv(1.0).reshape(m, 1));
        double move = next.sub(y).norm2Number().doubleValue() / Math.max(1e-300, y.norm2Number().doubleValue());
        y = next;
        if (move < MOVE_TOL) {
          break;
        }
      }
      INDArray t = plan.plan();
      outPlans.put(g.id(), GraphFusion.outPlan(t, true));
      inPlans.put(g.id(), GraphFusion.inPlan(t, true));
      for (String p : g.producers()) {
        sizes.put(NeuronGroups.moduleOf(big.graph().node(p).op()), m);
      }
      double seconds = (System.nanoTime() - t0) / 1e9;
      reports.add(new LayerReport(g.label(), n, m, true, plan.cost(), OtFusion.entropy(t), OtFusion.density(t),
          rounds, seconds));
      LOG.info("compress group {} ({}): {} -> {} neurons, {} barycenter rounds, {} s", g.id(), g.label(), n, m,
          rounds, String.format("%.3f", seconds));
      done.add(g.id());
      pending.remove(g.id());
    }
    Map<String, INDArray> params = GraphFusion.transport(big, sg, outPlans, inPlans);
    return new NetworkResult(Network.of(big.graph().resized(sizes), StateDict.of(null, params)), reports);
  }

  /**
   * Baseline: keep, per hidden group, the {@code round(n f)} neurons whose producers' incoming
   * weights (and biases) have the largest L2 norm, in their original order; drop the rest on every
   * axis of the group.
   */
  public static Network pruneByMagnitude(Network big, double widthFactor) {
    NeuronGroups sg = NeuronGroups.of(big.graph());
    Map<Integer, INDArray> select = new HashMap<>();
    Map<String, Integer> sizes = new HashMap<>();
    for (Group g : sg.groups()) {
      if (g.kind() != NeuronGroups.Kind.HIDDEN) {
        continue;
      }
      INDArray x = features(big, sg, g.producers(), Map.of());
      int m = targetWidth(g.size(), widthFactor);
      int[] kept = largestNorms(x, m);
      Arrays.sort(kept);
      INDArray s = Nd4j.zeros(DataType.DOUBLE, g.size(), m);
      for (int j = 0; j < m; j++) {
        s.putScalar(kept[j], j, 1.0);
      }
      select.put(g.id(), s);
      for (String p : g.producers()) {
        sizes.put(NeuronGroups.moduleOf(big.graph().node(p).op()), m);
      }
    }
    Map<String, INDArray> params = GraphFusion.transport(big, sg, select, select);
    return Network.of(big.graph().resized(sizes), StateDict.of(null, params));
  }

  private static List<String> ready(NeuronGroups sg, Group g, Set<Integer> done) {
    List<String> out = new ArrayList<>();
    for (String p : g.producers()) {
      if (done.contains(sg.inputGroupOf(p).id())) {
        out.add(p);
      }
    }
    return out;
  }

  /** Rows: the producers' weights (input axis mapped by {@code inPlans}) and biases, float64. */
  private static INDArray features(Network net, NeuronGroups sg, List<String> producers,
      Map<Integer, INDArray> inPlans) {
    List<INDArray> cols = new ArrayList<>();
    for (String p : producers) {
      String module = NeuronGroups.moduleOf(net.graph().node(p).op());
      Group in = sg.inputGroupOf(p);
      INDArray plan = inPlans.get(in.id());
      INDArray w = net.param(module + ".weight");
      if (plan != null) {
        w = PlanAlgebra.apply(w, 1, plan, in.inputExpansion(module + ".weight"));
      }
      cols.add(w.reshape('c', w.size(0), w.length() / w.size(0)));
      if (net.params().contains(module + ".bias")) {
        cols.add(net.param(module + ".bias").reshape(-1, 1));
      }
    }
    INDArray x = cols.size() == 1 ? cols.get(0) : Nd4j.hstack(cols.toArray(new INDArray[0]));
    return x.castTo(DataType.DOUBLE);
  }

  /**
   * Deterministic farthest-point traversal: the row of largest norm, then repeatedly the row
   * whose distance to the rows picked so far is largest (ties: lower index). Identical rows are
   * picked only once every distinct row has been.
   */
  static int[] farthestPoints(INDArray x, int k) {
    int[] picked = new int[k];
    picked[0] = largestNorms(x, 1)[0];
    INDArray minDist = distancesTo(x, picked[0]);
    minDist.putScalar(picked[0], -1.0);
    for (int i = 1; i < k; i++) {
      picked[i] = Nd4j.argMax(minDist).getInt(0);
      // Rows picked earlier stay at -1 (distances are >= 0); mark the new one.
      minDist = Nd4j.math().min(minDist, distancesTo(x, picked[i]));
      minDist.putScalar(picked[i], -1.0);
    }
    return picked;
  }

  private static INDArray distancesTo(INDArray x, int row) {
    return x.subRowVector(x.getRow(row)).norm2(1);
  }

  /** Indices of the {@code k} rows of largest L2 norm, largest first (ties: lower index first). */
  static int[] largestNorms(INDArray x, int k) {
    double[] norms = x.norm2(1).castTo(DataType.DOUBLE).toDoubleVector();
    Integer[] idx = new Integer[norms.length];
    for (int i = 0; i < idx.length; i++) {
      idx[i] = i;
    }
    Arrays.sort(idx, (p, q) -> norms[q] != norms[p] ? Double.compare(norms[q], norms[p]) : Integer.compare(p, q));
    int[] out = new int[k];
    for (int i = 0; i < k; i++) {
      out[i] = idx[i];
    }
    return out;
  }
}
