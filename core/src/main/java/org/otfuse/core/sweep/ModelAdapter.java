package org.otfuse.core.sweep;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.otfuse.core.data.ImageDataset;
import org.otfuse.core.fusion.Baselines;
import org.otfuse.core.fusion.Compression;
import org.otfuse.core.fusion.GraphFusion;
import org.otfuse.core.fusion.FusionOptions;
import org.otfuse.core.fusion.LayerReport;
import org.otfuse.core.fusion.OtFusion;
import org.otfuse.core.graph.Network;
import org.otfuse.core.io.Safetensors;
import org.otfuse.core.io.StateDict;
import org.otfuse.core.model.Evaluation;
import org.otfuse.core.model.MlpNet;
import org.otfuse.core.train.MlpTrainer;
import org.otfuse.core.train.SgdOptions;
import org.otfuse.core.zoo.ModelMeta;
import org.otfuse.core.zoo.Zoo;

/**
 * Everything the sweep does to a model, in one place: the only class of the sweep and jobs code
 * that knows the model type ({@link MlpNet} today). When the general network graph arrives, this
 * class is what changes; {@link PointRunner} and the Spark jobs only hold {@link Model}s.
 */
public final class ModelAdapter {
  private ModelAdapter() {}

  /**
   * A loaded model, opaque outside this class. Shared, not copied: never modified in place. Not
   * serializable: ship {@link #portable(Model)} to Spark tasks.
   */
  public static final class Model {
    private final String id;
    private final MlpNet net;

    Model(String id, MlpNet net) {
      this.id = id;
      this.net = net;
    }

    /** The zoo id, or a label such as {@code ot(a,b)} for derived models. */
    public String id() {
      return id;
    }

    /** Hidden widths as {@code 64x32}. */
    public String widths() {
      int[] w = net.widths();
      StringBuilder sb = new StringBuilder();
      for (int i = 0; i < w.length - 1; i++) {
        sb.append(i == 0 ? "" : "x").append(w[i]);
      }
      return sb.toString();
    }
  }

  /** A fused model with the per-layer reports of each aligned source (K-1 lists). */
  public record Fused(Model model, List<List<LayerReport>> reports) {}

  /** One source aligned onto the target (one of the K-1 alignments of a fusion). */
  public record Aligned(Network network, List<LayerReport> reports) {}

  /** Loads a zoo model (checked against its meta.json); errors name the checkpoint file. */
  public static Model load(Zoo zoo, ModelMeta meta) throws IOException {
    return new Model(meta.modelId(), zoo.load(meta));
  }

  /** Wraps an in-memory network (tests and jobs that build models themselves). */
  public static Model wrap(String id, MlpNet net) {
    return new Model(id, net);
  }

  /** The network inside (for code that is MLP-specific by nature, such as tests). */
  public static MlpNet unwrap(Model m) {
    return m.net;
  }

  /** Test accuracy and loss of one model. */
  public static Evaluation.Metrics evaluate(Model m, ImageDataset test) {
    return Evaluation.evaluate(m.net, test);
  }

  /** Test accuracy and loss of the prediction ensemble (mean of log-softmax outputs). */
  public static Evaluation.Metrics evaluateEnsemble(List<Model> ms, ImageDataset test) {
    return Evaluation.evaluateEnsemble(nets(ms), test);
  }

  /** The parameter average without alignment; fails naming the tensor when shapes differ. */
  public static Model vanilla(List<Model> ms, int target, double step) {
    return new Model("vanilla", Baselines.vanillaAverage(nets(ms), target, step));
  }

  /** OT fusion of all models onto {@code ms.get(target)} in this thread (core's {@link OtFusion#fuse}). */
  public static Fused fuse(List<Model> ms, int target, FusionOptions o, INDArray samples) {
    OtFusion.Result r = OtFusion.fuse(nets(ms), target, o, samples);
    return new Fused(new Model("ot", r.fused()), r.reports());
  }

  /** One alignment of {@code source} onto {@code target} ({@link GraphFusion#align}); a unit of distributed fusion. */
  public static Aligned align(Model source, Model target, FusionOptions o, INDArray samples) {
    GraphFusion.Alignment a = GraphFusion.align(source.net.toNetwork(), target.net.toNetwork(), o, samples);
    return new Aligned(a.aligned(), a.reports());
  }

  /**
   * The average of the target and the K-1 aligned sources with the target's weight {@code step}
   * and {@code (1 - step)/(K-1)} for the others, formed exactly as core's fusion forms it (models in
   * group order, same float32 operations), so that a fusion assembled from distributed alignments
   * has the same weights as {@link #fuse}.
   *
   * @param aligned the K-1 alignments, in group order without the target
   */
  public static Fused average(List<Model> models, int targetIndex, List<Aligned> aligned, double step) {
    List<Network> all = new java.util.ArrayList<>();
    java.util.Iterator<Aligned> it = aligned.iterator();
    for (int k = 0; k < models.size(); k++) {
      all.add(k == targetIndex ? models.get(k).net.toNetwork() : it.next().network());
    }
    Network avg = GraphFusion.vanillaAverage(all, targetIndex, step, null);
    List<List<LayerReport>> reports = aligned.stream().map(Aligned::reports).toList();
    return new Fused(new Model("ot", MlpNet.fromNetwork(avg)), reports);
  }

  /** A model as plain arrays (serializable: shipped to Spark tasks). */
  public record Portable(String id, List<String> names, List<long[]> shapes, List<float[]> data)
      implements java.io.Serializable {
    private static final long serialVersionUID = 1L;
  }

  /** A {@link LayerReport} as a serializable record. */
  public record PortableReport(String layer, int sourceNeurons, int targetNeurons, boolean transported,
      double otCost, double planEntropy, double density, int iterations, double seconds)
      implements java.io.Serializable {
    private static final long serialVersionUID = 1L;

    static PortableReport of(LayerReport r) {
      return new PortableReport(r.layer(), r.sourceNeurons(), r.targetNeurons(), r.transported(), r.otCost(),
          r.planEntropy(), r.density(), r.iterations(), r.seconds());
    }

    LayerReport toReport() {
      return new LayerReport(layer, sourceNeurons, targetNeurons, transported, otCost, planEntropy, density,
          iterations, seconds);
    }
  }

  /** An alignment as plain arrays. */
  public record PortableAligned(Portable network, List<PortableReport> reports) implements java.io.Serializable {
    private static final long serialVersionUID = 1L;
  }

  /** The model's parameters as plain float arrays (copies). */
  public static Portable portable(Model m) {
    return portable(m.id, m.net.toStateDict(null).asMap());
  }

  private static Portable portable(String id, Map<String, INDArray> params) {
    List<String> names = new java.util.ArrayList<>();
    List<long[]> shapes = new java.util.ArrayList<>();
    List<float[]> data = new java.util.ArrayList<>();
    for (Map.Entry<String, INDArray> e : params.entrySet()) {
      names.add(e.getKey());
      shapes.add(e.getValue().shape());
      data.add(e.getValue().castTo(org.nd4j.linalg.api.buffer.DataType.FLOAT).dup('c').reshape(-1).toFloatVector());
    }
    return new Portable(id, names, shapes, data);
  }

  /** The model back from its arrays. */
  public static Model fromPortable(Portable p) {
    return new Model(p.id(), MlpNet.fromStateDict(StateDict.of(null, params(p)), org.otfuse.core.model.MlpSpec.INFER));
  }

  private static Map<String, INDArray> params(Portable p) {
    Map<String, INDArray> map = new java.util.LinkedHashMap<>();
    for (int i = 0; i < p.names().size(); i++) {
      map.put(p.names().get(i), org.nd4j.linalg.factory.Nd4j.createFromArray(p.data().get(i)).reshape('c', p.shapes().get(i)));
    }
    return map;
  }

  /** An alignment as plain arrays. */
  public static PortableAligned portable(Aligned a) {
    return new PortableAligned(portable("aligned", a.network().params().asMap()),
        a.reports().stream().map(PortableReport::of).toList());
  }

  /** An alignment back from its arrays, on {@code target}'s graph. */
  public static Aligned fromPortable(PortableAligned p, Model target) {
    Network net = Network.of(target.net.toNetwork().graph(), StateDict.of(null, params(p.network())));
    return new Aligned(net, p.reports().stream().map(PortableReport::toReport).toList());
  }

  /**
   * The activations-mode OT problems of aligning {@code source} onto {@code target}: one cost per
   * transported group, independent of each other ({@link GraphFusion#activationProblems}).
   */
  public static List<GraphFusion.GroupProblem> activationProblems(Model source, Model target, FusionOptions o,
      INDArray samples) {
    return GraphFusion.activationProblems(source.net.toNetwork(), target.net.toNetwork(), o, samples);
  }

  /**
   * The alignment of {@code source} given the solver's (uncorrected) plan per solved group id, with
   * the reports of those groups, assembled as {@link GraphFusion#align} does after solving: output
   * axes by the column-corrected plan {@code T diag(1/b)}, input axes by {@code diag(1/a) T} (with
   * past correction), without correction by {@code T} itself.
   */
  public static Aligned applyPlans(Model source, Model target, FusionOptions o, Map<Integer, INDArray> rawPlans,
      Map<Integer, LayerReport> reports) {
    Network src = source.net.toNetwork();
    Network tgt = target.net.toNetwork();
    org.otfuse.core.graph.NeuronGroups sg = org.otfuse.core.graph.NeuronGroups.of(src.graph());
    org.otfuse.core.graph.NeuronGroups tg = org.otfuse.core.graph.NeuronGroups.of(tgt.graph());
    Map<Integer, INDArray> plans = new java.util.HashMap<>();
    Map<Integer, INDArray> inPlans = new java.util.HashMap<>();
    for (Map.Entry<Integer, INDArray> e : rawPlans.entrySet()) {
      plans.put(e.getKey(), outPlan(e.getValue(), o));
      inPlans.put(e.getKey(), inPlan(e.getValue(), o));
    }
    Map<String, INDArray> out = GraphFusion.transport(src, sg, plans, o.pastCorrection() ? inPlans : Map.of());
    Network aligned = Network.of(tgt.graph(), StateDict.of(null, out));
    List<LayerReport> ordered = new java.util.ArrayList<>();
    for (org.otfuse.core.graph.NeuronGroups.Group g : sg.groups()) {
      if (reports.containsKey(g.id())) {
        ordered.add(reports.get(g.id()));
      } else if (g.kind() == org.otfuse.core.graph.NeuronGroups.Kind.OUTPUT) {
        ordered.add(new LayerReport(g.label(), g.size(), tg.group(g.id()).size(), false, Double.NaN, Double.NaN,
            Double.NaN, 0, 0));
      }
    }
    return new Aligned(aligned, ordered);
  }

  /** The plan for output axes: {@code T diag(1/colsum)} with correction, else {@code T}. */
  public static INDArray outPlan(INDArray t, FusionOptions o) {
    return o.correction() ? t.divRowVector(t.sum(0)) : t;
  }

  /** The plan for input axes: {@code diag(1/rowsum) T} with correction, else {@code T}. */
  public static INDArray inPlan(INDArray t, FusionOptions o) {
    return o.correction() ? t.divColumnVector(t.sum(1).reshape(t.rows(), 1)) : t;
  }

  /** Solves one layer's OT problem from the rows of its neurons (source n x d, target m x d). */
  @FunctionalInterface
  public interface LayerSolver {
    /**
     * @param layer the layer name, for messages
     * @param x source neuron rows (not modified)
     * @param y target neuron rows (not modified)
     */
    org.otfuse.core.ot.TransportPlan solve(String layer, INDArray x, INDArray y, FusionOptions o);
  }

  /** The local layer solver: core's ground cost and solver in this thread. */
  public static final LayerSolver LOCAL_SOLVER = (layer, x, y, o) -> {
    INDArray cost = org.otfuse.core.ot.GroundCost.compute(x, y, o.metric(), o.normalization());
    int n = (int) cost.rows();
    int m = (int) cost.columns();
    INDArray a = org.nd4j.linalg.factory.Nd4j.valueArrayOf(new long[] {n}, 1.0 / n,
        org.nd4j.linalg.api.buffer.DataType.DOUBLE);
    INDArray b = org.nd4j.linalg.factory.Nd4j.valueArrayOf(new long[] {m}, 1.0 / m,
        org.nd4j.linalg.api.buffer.DataType.DOUBLE);
    org.otfuse.core.ot.TransportSolver s = o.solver() == org.otfuse.core.fusion.SolverKind.EXACT
        ? new org.otfuse.core.ot.ExactOt()
        : new org.otfuse.core.ot.Sinkhorn(new org.otfuse.core.ot.SinkhornOptions(o.reg(), o.sinkhornTolerance(),
            o.sinkhornMaxIterations()));
    return s.solve(a, b, cost);
  };

  /**
   * Layer-by-layer alignment of an MLP (Singh and Jaggi 2020, Algorithm 1; the same steps as
   * {@link GraphFusion#align} for an MLP) with the OT problem of each layer handed to {@code solver},
   * so that a caller can solve large layers elsewhere (block-distributed cost and Sinkhorn).
   */
  public static Aligned alignLayers(Model source, Model target, FusionOptions o, INDArray samples,
      LayerSolver solver) {
    MlpNet src = source.net;
    MlpNet tgt = target.net;
    List<INDArray> srcActs = null;
    List<INDArray> tgtActs = null;
    if (o.mode() == org.otfuse.core.fusion.FusionMode.ACTIVATIONS) {
      if (samples == null) {
        throw new IllegalArgumentException("activations mode needs activation samples");
      }
      boolean pre = o.activationPoint() == org.otfuse.core.fusion.ActivationPoint.PRE;
      MlpNet.Forward fs = src.forward(samples, true);
      MlpNet.Forward ft = tgt.forward(samples, true);
      srcActs = pre ? fs.pre() : fs.post();
      tgtActs = pre ? ft.pre() : ft.post();
    }
    List<org.otfuse.core.model.DenseLayer> out = new java.util.ArrayList<>();
    List<LayerReport> reports = new java.util.ArrayList<>();
    INDArray previous = null;
    for (int l = 0; l < src.depth(); l++) {
      org.otfuse.core.model.DenseLayer sl = src.layer(l);
      org.otfuse.core.model.DenseLayer tl = tgt.layer(l);
      INDArray alignedIn = previous == null ? sl.weight() : sl.weight().mmul(previous);
      if (l == src.depth() - 1 && !o.alignOutput()) {
        out.add(new org.otfuse.core.model.DenseLayer(tl.name(), alignedIn, sl.bias()));
        reports.add(new LayerReport(tl.name(), sl.outputs(), tl.outputs(), false, Double.NaN, Double.NaN, Double.NaN,
            0, 0));
        break;
      }
      long t0 = System.nanoTime();
      INDArray x;
      INDArray y;
      if (o.mode() == org.otfuse.core.fusion.FusionMode.WEIGHTS) {
        x = withBias(alignedIn, sl.bias());
        y = withBias(tl.weight(), tl.bias());
      } else {
        x = srcActs.get(l).transpose();
        y = tgtActs.get(l).transpose();
      }
      org.otfuse.core.ot.TransportPlan plan = solver.solve(tl.name(), x, y, o);
      INDArray t = plan.plan();
      INDArray tf = outPlan(t, o).castTo(org.nd4j.linalg.api.buffer.DataType.FLOAT);
      INDArray basis = o.pastCorrection() ? alignedIn : sl.weight();
      INDArray w = tf.transpose().mmul(basis);
      INDArray bias = sl.hasBias() ? tf.transpose().mmul(sl.bias().reshape(sl.outputs(), 1)).reshape(tl.outputs())
          : null;
      out.add(new org.otfuse.core.model.DenseLayer(tl.name(), w, bias));
      reports.add(new LayerReport(tl.name(), sl.outputs(), tl.outputs(), true, plan.cost(), entropy(t), density(t),
          plan.iterations(), (System.nanoTime() - t0) / 1e9));
      previous = inPlan(t, o).castTo(org.nd4j.linalg.api.buffer.DataType.FLOAT);
    }
    return new Aligned(tgt.withLayers(out).toNetwork(), reports);
  }

  private static INDArray withBias(INDArray w, INDArray bias) {
    return bias == null ? w : org.nd4j.linalg.factory.Nd4j.hstack(w, bias.reshape(bias.length(), 1));
  }

  /** Entropy of a plan normalised to mass 1 (as core's reports). */
  public static double entropy(INDArray t) {
    INDArray p = t.div(t.sumNumber().doubleValue());
    INDArray logp = org.nd4j.linalg.ops.transforms.Transforms.log(
        org.nd4j.linalg.ops.transforms.Transforms.max(p, Double.MIN_NORMAL, true), false);
    return -p.mul(logp).sumNumber().doubleValue();
  }

  /** Fraction of plan entries above 1e-12 of the largest (as core's reports). */
  public static double density(INDArray t) {
    double thr = t.maxNumber().doubleValue() * 1e-12;
    return t.gt(thr).castTo(org.nd4j.linalg.api.buffer.DataType.DOUBLE).meanNumber().doubleValue();
  }

  /** Fine-tunes a copy with SGD on {@code train}. Not modified: {@code m}. */
  public static Model finetune(Model m, ImageDataset train, SgdOptions o) {
    return new Model(m.id + "+ft", MlpTrainer.train(m.net, train, o, null));
  }

  /** OT compression to {@code factor} of every hidden width ({@link Compression#compress}). */
  public static Model compressOt(Model m, double factor, FusionOptions o) {
    return new Model(m.id + "@ot" + factor, Compression.compress(m.net, factor, o).compressed());
  }

  /** Magnitude pruning to {@code factor} of every hidden width ({@link Compression#pruneByMagnitude}). */
  public static Model pruneMagnitude(Model m, double factor) {
    return new Model(m.id + "@mag" + factor, Compression.pruneByMagnitude(m.net, factor));
  }

  /** Writes a model as safetensors (atomically) with string metadata. */
  public static void save(Model m, String path, Map<String, String> metadata) throws IOException {
    Safetensors.write(m.net.toStateDict(null), path, metadata);
  }

  private static List<MlpNet> nets(List<Model> ms) {
    return ms.stream().map(x -> x.net).toList();
  }
}
