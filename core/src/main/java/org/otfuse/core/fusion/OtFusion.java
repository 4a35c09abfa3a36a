package org.otfuse.core.fusion;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.otfuse.core.model.DenseLayer;
import org.otfuse.core.model.MlpNet;
import org.otfuse.core.ot.ExactOt;
import org.otfuse.core.ot.GroundCost;
import org.otfuse.core.ot.Sinkhorn;
import org.otfuse.core.ot.SinkhornOptions;
import org.otfuse.core.ot.TransportPlan;
import org.otfuse.core.ot.TransportSolver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Layer-wise OT fusion of MLPs (Singh and Jaggi 2020, Algorithm 1).
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
  private static final Logger LOG = LoggerFactory.getLogger(OtFusion.class);

  private OtFusion() {}

  /** One source model put into the target's neuron order, with the plans that did it. */
  public record Alignment(List<DenseLayer> layers, List<INDArray> plans, List<LayerReport> reports) {}

  /** A fused model and, per aligned source model, its per-layer reports. */
  public record Result(MlpNet fused, List<List<LayerReport>> reports) {}

  /**
   * Fuses {@code models} onto {@code models.get(targetIndex)}.
   *
   * @param samples activation samples (S x inputDim, float32); required in activations mode
   */
  public static Result fuse(List<MlpNet> models, int targetIndex, FusionOptions options, INDArray samples) {
    if (models.size() < 2) {
      throw new IllegalArgumentException("fusion needs at least 2 models, got " + models.size());
    }
    if (targetIndex < 0 || targetIndex >= models.size()) {
      throw new IllegalArgumentException("target index " + targetIndex + " is outside 0.." + (models.size() - 1));
    }
    MlpNet target = models.get(targetIndex);
    List<Alignment> aligned = new ArrayList<>();
    List<List<LayerReport>> reports = new ArrayList<>();
    for (int k = 0; k < models.size(); k++) {
      if (k != targetIndex) {
        LOG.info("aligning model {} onto model {} ({} mode, {} OT)", k, targetIndex,
            options.mode().name().toLowerCase(java.util.Locale.ROOT), options.solver().name().toLowerCase(java.util.Locale.ROOT));
        Alignment a = align(models.get(k), target, options, samples);
        aligned.add(a);
        reports.add(a.reports());
      }
    }
    float s = (float) options.ensembleStep();
    float others = (1f - s) / aligned.size();
    List<DenseLayer> fused = new ArrayList<>();
    for (int l = 0; l < target.depth(); l++) {
      DenseLayer t = target.layer(l);
      INDArray w = t.weight().mul(s);
      INDArray b = t.hasBias() ? t.bias().mul(s) : null;
      for (Alignment a : aligned) {
        DenseLayer al = a.layers().get(l);
        w.addi(al.weight().mul(others));
        if (b != null) {
          b.addi(al.bias().mul(others));
        }
      }
      fused.add(new DenseLayer(t.name(), w, b));
    }
    return new Result(target.withLayers(fused), reports);
  }

  /** Aligns {@code source}'s neurons onto {@code target}'s, layer by layer (see class comment). */
  public static Alignment align(MlpNet source, MlpNet target, FusionOptions options, INDArray samples) {
    checkCompatible(source, target);
    List<INDArray> srcActs = null;
    List<INDArray> tgtActs = null;
    if (options.mode() == FusionMode.ACTIVATIONS) {
      if (samples == null) {
        throw new IllegalArgumentException("activations mode needs activation samples (--activation-samples)");
      }
      MlpNet.Forward fs = source.forward(samples, true);
      MlpNet.Forward ft = target.forward(samples, true);
      boolean pre = options.activationPoint() == ActivationPoint.PRE;
      srcActs = pre ? fs.pre() : fs.post();
      tgtActs = pre ? ft.pre() : ft.post();
    }
    TransportSolver solver = solver(options);
    List<DenseLayer> out = new ArrayList<>();
    List<INDArray> plans = new ArrayList<>();
    List<LayerReport> reports = new ArrayList<>();
    INDArray previous = null; // float32 plan of the previous layer, p x q
    for (int l = 0; l < source.depth(); l++) {
      DenseLayer sl = source.layer(l);
      DenseLayer tl = target.layer(l);
      INDArray alignedIn = previous == null ? sl.weight() : sl.weight().mmul(previous);
      boolean last = l == source.depth() - 1;
      if (last && !options.alignOutput()) {
        out.add(new DenseLayer(tl.name(), alignedIn, sl.bias()));
        plans.add(null);
        reports.add(new LayerReport(tl.name(), sl.outputs(), tl.outputs(), false, Double.NaN, Double.NaN,
            Double.NaN, 0, 0));
        LOG.info("layer {} ({}): output neurons kept in place", l + 1, tl.name());
        break;
      }
      long t0 = System.nanoTime();
      INDArray cost;
      if (options.mode() == FusionMode.WEIGHTS) {
        cost = GroundCost.compute(withBias(alignedIn, sl.bias()), withBias(tl.weight(), tl.bias()),
            options.metric(), options.normalization());
      } else {
        cost = GroundCost.compute(srcActs.get(l).transpose(), tgtActs.get(l).transpose(),
            options.metric(), options.normalization());
      }
      int n = sl.outputs();
      int m = tl.outputs();
      INDArray a = Nd4j.valueArrayOf(new long[] {n}, 1.0 / n, DataType.DOUBLE);
      INDArray b = Nd4j.valueArrayOf(new long[] {m}, 1.0 / m, DataType.DOUBLE);
      TransportPlan plan = solver.solve(a, b, cost);
      double seconds = (System.nanoTime() - t0) / 1e9;
      INDArray t = plan.plan();
      INDArray corrected = options.correction() ? t.divRowVector(t.sum(0)) : t;
      INDArray tf = corrected.castTo(DataType.FLOAT);
      INDArray basis = options.pastCorrection() ? alignedIn : sl.weight();
      INDArray w = tf.transpose().mmul(basis);
      INDArray bias = sl.hasBias() ? tf.transpose().mmul(sl.bias().reshape(n, 1)).reshape(m) : null;
      out.add(new DenseLayer(tl.name(), w, bias));
      plans.add(corrected);
      LayerReport r = new LayerReport(tl.name(), n, m, true, plan.cost(), entropy(t), density(t),
          plan.iterations(), seconds);
      reports.add(r);
      LOG.info("layer {} ({}): {}x{} plan, OT cost {}, entropy {}, density {}, {} s", l + 1, tl.name(), n, m,
          String.format("%.6g", r.otCost()), String.format("%.4g", r.planEntropy()),
          String.format("%.4g", r.density()), String.format("%.3f", seconds));
      previous = tf;
    }
    return new Alignment(out, plans, reports);
  }

  static TransportSolver solver(FusionOptions o) {
    return o.solver() == SolverKind.EXACT
        ? new ExactOt()
        : new Sinkhorn(new SinkhornOptions(o.reg(), o.sinkhornTolerance(), o.sinkhornMaxIterations()));
  }

  private static void checkCompatible(MlpNet source, MlpNet target) {
    if (source.depth() != target.depth()) {
      throw new IllegalArgumentException("models have different depths: " + source.layerNames() + " vs "
          + target.layerNames());
    }
    if (source.inputDim() != target.inputDim()) {
      throw new IllegalArgumentException(source.layer(0).name() + ".weight has " + source.inputDim()
          + " inputs in one model but " + target.inputDim() + " in the target");
    }
    if (source.numClasses() != target.numClasses()) {
      String name = target.layer(target.depth() - 1).name();
      throw new IllegalArgumentException(name + ".weight has " + source.numClasses()
          + " outputs in one model but " + target.numClasses() + " in the target; the output layer holds"
          + " class labels and must match");
    }
    for (int l = 0; l < source.depth(); l++) {
      if (source.layer(l).hasBias() != target.layer(l).hasBias()) {
        throw new IllegalArgumentException(target.layer(l).name() + ".bias is present in one model but not"
            + " the other");
      }
    }
  }

  /** Rows of {@code w} with the bias appended as one more column (float32). */
  private static INDArray withBias(INDArray w, INDArray bias) {
    return bias == null ? w : Nd4j.hstack(w, bias.reshape(bias.length(), 1));
  }

  /** Entropy of the plan normalised to mass 1 (0 log 0 = 0). */
  static double entropy(INDArray t) {
    INDArray p = t.div(t.sumNumber().doubleValue());
    INDArray logp = Transforms.log(Transforms.max(p, Double.MIN_NORMAL, true), false);
    return -p.mul(logp).sumNumber().doubleValue();
  }

  /** Fraction of plan entries above 1e-12 of the largest. */
  static double density(INDArray t) {
    double thr = t.maxNumber().doubleValue() * 1e-12;
    return t.gt(thr).castTo(DataType.DOUBLE).meanNumber().doubleValue();
  }

  static String shape(INDArray x) {
    return Arrays.toString(x.shape());
  }
}
