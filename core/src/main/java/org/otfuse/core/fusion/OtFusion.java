package org.otfuse.core.fusion;

import java.util.ArrayList;
import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.otfuse.core.model.DenseLayer;
import org.otfuse.core.graph.Network;
import org.otfuse.core.graph.NeuronGroups;
import org.otfuse.core.model.MlpNet;
import org.otfuse.core.ot.ExactOt;
import org.otfuse.core.ot.Sinkhorn;
import org.otfuse.core.ot.SinkhornOptions;
import org.otfuse.core.ot.TransportSolver;

/**
 * Layer-wise OT fusion of MLPs (Singh and Jaggi 2020, Algorithm 1): the MLP view of
 * {@link GraphFusion}, which does the work over neuron groups.
 *
 * <p>Each source model is aligned onto the target, layer by layer. For layer {@code l} with
 * source weights {@code W} (n x p) and the previous layer's (corrected) plan {@code T_{l-1}}
 * (p x q):
 *
 * <ol>
 *   <li>{@code Â = W T_{l-1}}: the input axis is put in the target's order (paper eq. 3);
 *   <li>the ground cost {@code M} (n x m) between source and target neurons, from the rows of
 *       {@code [Â | b]} and the target's {@code [W' | b']} (weights mode) or from each neuron's
 *       activations on the samples in the original models (activations mode);
 *   <li>{@code T_l = argmin <T, M>} over plans with uniform marginals (eq. 1), exactly or by
 *       Sinkhorn; with correction each column {@code j} is divided by its mass {@code b_j} so that
 *       target neuron {@code j} receives a convex combination of source neurons;
 *   <li>the aligned layer is {@code T_l^T Â} (past correction) or {@code T_l^T W}, and its bias
 *       {@code T_l^T b}.
 * </ol>
 *
 * The fused layer is {@code s W_target + (1 - s) mean_k(aligned_k)} with {@code s} the ensemble
 * step (eq. 4 with the target's weight {@code s}). The output layer's neurons are class labels
 * and are kept in place unless {@link FusionOptions#alignOutput()} asks otherwise.
 *
 * <p>Cost and plan are float64; plans are applied to the float32 parameters in float32, as the
 * reference does.
 */
public final class OtFusion {
  private OtFusion() {}

  /** One source model put into the target's neuron order, with the plans that did it. */
  public record Alignment(List<DenseLayer> layers, List<INDArray> plans, List<LayerReport> reports) {}

  /** A fused model and, per aligned source model, its per-layer reports. */
  public record Result(MlpNet fused, List<List<LayerReport>> reports) {}

  /**
   * Fuses {@code models} onto {@code models.get(targetIndex)}; the MLP view of
   * {@link GraphFusion#fuse}, which does the work over neuron groups.
   *
   * @param samples activation samples (S x inputDim, float32); required in activations mode
   */
  public static Result fuse(List<MlpNet> models, int targetIndex, FusionOptions options, INDArray samples) {
    List<Network> nets = new ArrayList<>();
    for (MlpNet m : models) {
      nets.add(m.toNetwork());
    }
    GraphFusion.Result r = GraphFusion.fuse(nets, targetIndex, options, samples);
    return new Result(MlpNet.fromNetwork(r.fused()), r.reports());
  }

  /** Aligns {@code source}'s neurons onto {@code target}'s, layer by layer (see class comment). */
  public static Alignment align(MlpNet source, MlpNet target, FusionOptions options, INDArray samples) {
    GraphFusion.Alignment a = GraphFusion.align(source.toNetwork(), target.toNetwork(), options, samples);
    NeuronGroups groups = NeuronGroups.of(a.aligned().graph());
    List<INDArray> plans = new ArrayList<>();
    for (int l = 0; l < source.depth(); l++) {
      plans.add(a.plans().get(groups.groupOf(source.layer(l).name()).id()));
    }
    return new Alignment(MlpNet.fromNetwork(a.aligned()).layers(), plans, a.reports());
  }

  static TransportSolver solver(FusionOptions o) {
    return o.solver() == SolverKind.EXACT
        ? new ExactOt()
        : new Sinkhorn(new SinkhornOptions(o.reg(), o.sinkhornTolerance(), o.sinkhornMaxIterations()));
  }

  /** Entropy of the plan normalised to mass 1 (0 log 0 = 0), as in the layer reports. */
  public static double entropy(INDArray t) {
    return entropy(PlanAlgebra.entries(t));
  }

  /** {@link #entropy(INDArray)} of the row-major entries of a plan. */
  static double entropy(double[] p) {
    double total = 0;
    for (double v : p) {
      total += v;
    }
    double h = 0;
    for (double v : p) {
      if (v > 0) {
        double q = v / total;
        h -= q * Math.log(Math.max(q, Double.MIN_NORMAL));
      }
    }
    return h;
  }

  /** Fraction of plan entries above 1e-12 of the largest, as in the layer reports. */
  public static double density(INDArray t) {
    return density(PlanAlgebra.entries(t));
  }

  /** {@link #density(INDArray)} of the row-major entries of a plan. */
  static double density(double[] p) {
    double max = Double.NEGATIVE_INFINITY;
    for (double v : p) {
      max = Math.max(max, v);
    }
    double thr = max * 1e-12;
    long above = 0;
    for (double v : p) {
      if (v > thr) {
        above++;
      }
    }
    return (double) above / p.length;
  }

}
