package org.otfuse.core.sweep;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.otfuse.core.backend.TransportBackend;
import org.otfuse.core.data.ImageDataset;
import org.otfuse.core.fusion.Compression;
import org.otfuse.core.fusion.FusionOptions;
import org.otfuse.core.fusion.GraphFusion;
import org.otfuse.core.fusion.LayerReport;
import org.otfuse.core.graph.Network;
import org.otfuse.core.io.Safetensors;
import org.otfuse.core.io.StateDict;
import org.otfuse.core.model.MlpNet;
import org.otfuse.core.train.Augmentation;
import org.otfuse.core.train.Evaluator;
import org.otfuse.core.train.LrSchedule;
import org.otfuse.core.train.MlpTrainer;
import org.otfuse.core.train.OptimizerOptions;
import org.otfuse.core.train.SgdOptions;
import org.otfuse.core.train.TrainOptions;
import org.otfuse.core.train.Trainer;
import org.otfuse.core.zoo.ModelArch;
import org.otfuse.core.zoo.ModelMeta;
import org.otfuse.core.zoo.Zoo;

/**
 * Everything the sweep does to a model, in one place: the only class of the sweep and jobs code
 * that knows the model type, a core {@link Network} (graph and parameters) of any architecture
 * (MLP, VGG, ResNet, HOCON). Fusion is {@link GraphFusion} over neuron groups, compression
 * {@link Compression}, evaluation {@link Evaluator}; {@link PointRunner} and the Spark jobs only
 * hold {@link Model}s.
 */
public final class ModelAdapter {
  /**
   * The {@code backend} value of OT math that ran on core's ND4J CPU path: what {@link GraphFusion}
   * runs without a {@link TransportBackend}, and what {@link org.otfuse.core.backend.CpuBackend} runs.
   */
  public static final String CPU_BACKEND = "cpu-nd4j";

  private ModelAdapter() {}

  /**
   * A loaded model, opaque outside this class. Shared, not copied: never modified in place. Not
   * serializable: ship {@link #portable(Model)} to Spark tasks.
   */
  public static final class Model {
    private final String id;
    private final Network net;
    private final ModelArch arch;

    Model(String id, Network net, ModelArch arch) {
      this.id = id;
      this.net = net;
      this.arch = arch;
    }

    /** The zoo id, or a label such as {@code ot(a,b)} for derived models. */
    public String id() {
      return id;
    }

    /** Hidden widths (sizes of the hidden neuron groups) as {@code 64x32}. */
    public String widths() {
      return org.otfuse.core.zoo.ZooModelSpec.widthsLabel(ModelArch.hiddenWidths(net.graph()));
    }

    /** The input shape without the batch axis ({@code [784]}, {@code [3, 32, 32]}). */
    public long[] inputShape() {
      return net.graph().shape(net.graph().input().id());
    }

    /** Parameter entries ({@link ModelAdapter#parameters(Network)}). */
    public long parameters() {
      return ModelAdapter.parameters(net);
    }
  }

  /**
   * The number of parameter entries of {@code net}: the elements of every floating-point tensor of
   * its state dict (weights, biases, BatchNorm's weight, bias, running_mean and running_var), not
   * integer tensors (BatchNorm's {@code num_batches_tracked}). An MLP 784-100-10 with biases has
   * 784 * 100 + 100 + 100 * 10 + 10.
   */
  public static long parameters(Network net) {
    long n = 0;
    for (INDArray t : net.params().asMap().values()) {
      if (t.dataType().isFPType()) {
        n += t.length();
      }
    }
    return n;
  }

  /**
   * A fused model with the per-layer reports of each aligned source (K-1 lists) and the
   * transport backend that ran its OT math ({@link #CPU_BACKEND} or a CUDA backend's name).
   */
  public record Fused(Model model, List<List<LayerReport>> reports, String backend) {}

  /** One source aligned onto the target (one of the K-1 alignments of a fusion). */
  public record Aligned(Network network, List<LayerReport> reports) {}

  /** Loads a zoo model (checked against its meta.json); errors name the checkpoint file. */
  public static Model load(Zoo zoo, ModelMeta meta) throws IOException {
    return new Model(meta.modelId(), zoo.load(meta), meta.arch());
  }

  /**
   * Wraps an in-memory network (tests and jobs that build models themselves).
   *
   * @param arch its architecture (rebuilds the graph on executors); null when it has none (then
   *     the model cannot be made {@link #portable})
   */
  public static Model wrap(String id, Network net, ModelArch arch) {
    return new Model(id, net, arch);
  }

  /** The network inside (shared: do not modify). */
  public static Network network(Model m) {
    return m.net;
  }

  /** Test accuracy and loss of one model. */
  public static Evaluator.Metrics evaluate(Model m, ImageDataset test) {
    return Evaluator.evaluate(m.net, test);
  }

  /** Test accuracy and loss of the prediction ensemble (mean of log-softmax outputs). */
  public static Evaluator.Metrics evaluateEnsemble(List<Model> ms, ImageDataset test) {
    return Evaluator.evaluateEnsemble(nets(ms), test);
  }

  /** The parameter average without alignment; fails naming the tensor when shapes differ. */
  public static Model vanilla(List<Model> ms, int target, double step) {
    return new Model("vanilla", GraphFusion.vanillaAverage(nets(ms), target, step, null), ms.get(target).arch);
  }

  /**
   * OT fusion of all models onto {@code ms.get(target)} in this thread ({@link GraphFusion#fuse}).
   *
   * @param backend the transport backend of this task (null: core's ND4J CPU path); not closed here
   */
  public static Fused fuse(List<Model> ms, int target, FusionOptions o, INDArray samples, TransportBackend backend) {
    GraphFusion.Result r = GraphFusion.fuse(nets(ms), target, o, samples, null, 0, backend);
    return new Fused(new Model("ot", r.fused(), ms.get(target).arch), r.reports(), backendName(backend));
  }

  /**
   * The {@code backend} value for OT math run with {@code backend}: a GPU backend's name (it ran
   * the ground costs and Sinkhorn iterations), else {@link #CPU_BACKEND} (GraphFusion runs its ND4J
   * CPU path for a null or CPU backend).
   */
  public static String backendName(TransportBackend backend) {
    return backend == null || !backend.isGpu() ? CPU_BACKEND : backend.name();
  }

  /**
   * One alignment of {@code source} onto {@code target} ({@link GraphFusion#align}); a unit of
   * distributed fusion.
   *
   * @param backend the transport backend of this task (null: core's ND4J CPU path); not closed here
   */
  public static Aligned align(Model source, Model target, FusionOptions o, INDArray samples,
      TransportBackend backend) {
    GraphFusion.Alignment a = GraphFusion.align(source.net, target.net, o, samples, backend);
    return new Aligned(a.aligned(), a.reports());
  }

  /**
   * The average of the target and the K-1 aligned sources with the target's weight {@code step}
   * and {@code (1 - step)/(K-1)} for the others, formed exactly as core's fusion forms it (models in
   * group order, same float32 operations), so that a fusion assembled from distributed alignments
   * has the same weights as {@link #fuse}.
   *
   * @param aligned the K-1 alignments, in group order without the target
   * @param backend the {@code backend} value of the alignments' OT math
   */
  public static Fused average(List<Model> models, int targetIndex, List<Aligned> aligned, double step,
      String backend) {
    List<Network> all = new ArrayList<>();
    java.util.Iterator<Aligned> it = aligned.iterator();
    for (int k = 0; k < models.size(); k++) {
      all.add(k == targetIndex ? models.get(k).net : it.next().network());
    }
    Network avg = GraphFusion.vanillaAverage(all, targetIndex, step, null);
    List<List<LayerReport>> reports = aligned.stream().map(Aligned::reports).toList();
    return new Fused(new Model("ot", avg, models.get(targetIndex).arch), reports, backend);
  }

  /**
   * A model as plain arrays (serializable: shipped to Spark tasks), with the architecture that
   * rebuilds its graph ({@code arch} null for an alignment, which takes its target's graph).
   */
  public record Portable(String id, ModelArch arch, List<String> names, List<long[]> shapes, List<float[]> data)
      implements java.io.Serializable {
    private static final long serialVersionUID = 2L;
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

  /** An alignment as plain arrays, with the {@code backend} value of its OT math. */
  public record PortableAligned(Portable network, List<PortableReport> reports, String backend)
      implements java.io.Serializable {
    private static final long serialVersionUID = 2L;
  }

  /**
   * The model's parameters as plain float arrays (copies; BatchNorm's integer
   * {@code num_batches_tracked} as a float, restored on the way back).
   *
   * @throws IllegalArgumentException when the model has no architecture (e.g. a compressed one)
   */
  public static Portable portable(Model m) {
    if (m.arch == null) {
      throw new IllegalArgumentException(m.id + " has no architecture description; it cannot be shipped");
    }
    return portable(m.id, m.arch, m.net.params().asMap());
  }

  private static Portable portable(String id, ModelArch arch, Map<String, INDArray> params) {
    List<String> names = new java.util.ArrayList<>();
    List<long[]> shapes = new java.util.ArrayList<>();
    List<float[]> data = new java.util.ArrayList<>();
    for (Map.Entry<String, INDArray> e : params.entrySet()) {
      names.add(e.getKey());
      shapes.add(e.getValue().shape());
      data.add(e.getValue().castTo(DataType.FLOAT).dup('c').reshape(-1).toFloatVector());
    }
    return new Portable(id, arch, names, shapes, data);
  }

  /** The model back from its arrays, on the graph of its architecture. */
  public static Model fromPortable(Portable p) {
    return new Model(p.id(), Network.of(p.arch().graph(), StateDict.of(null, params(p))), p.arch());
  }

  private static Map<String, INDArray> params(Portable p) {
    Map<String, INDArray> map = new java.util.LinkedHashMap<>();
    for (int i = 0; i < p.names().size(); i++) {
      INDArray t = org.nd4j.linalg.factory.Nd4j.createFromArray(p.data().get(i)).reshape('c', p.shapes().get(i));
      map.put(p.names().get(i), p.names().get(i).endsWith(".num_batches_tracked") ? t.castTo(DataType.LONG) : t);
    }
    return map;
  }

  /** An alignment as plain arrays; {@code backend} says what ran its OT math ({@link #backendName}). */
  public static PortableAligned portable(Aligned a, String backend) {
    return new PortableAligned(portable("aligned", null, a.network().params().asMap()),
        a.reports().stream().map(PortableReport::of).toList(), backend);
  }

  /** An alignment back from its arrays, on {@code target}'s graph. */
  public static Aligned fromPortable(PortableAligned p, Model target) {
    Network net = Network.of(target.net.graph(), StateDict.of(null, params(p.network())));
    return new Aligned(net, p.reports().stream().map(PortableReport::toReport).toList());
  }

  /**
   * The activations-mode OT problems of aligning {@code source} onto {@code target}: one cost per
   * transported group, independent of each other ({@link GraphFusion#activationProblems}).
   */
  public static List<GraphFusion.GroupProblem> activationProblems(Model source, Model target, FusionOptions o,
      INDArray samples) {
    return GraphFusion.activationProblems(source.net, target.net, o, samples);
  }

  /**
   * The alignment of {@code source} given the solver's (uncorrected) plan per solved group id, with
   * the reports of those groups, assembled as {@link GraphFusion#align} does after solving: output
   * axes by the column-corrected plan {@code T diag(1/b)}, input axes by {@code diag(1/a) T} (with
   * past correction), without correction by {@code T} itself.
   */
  public static Aligned applyPlans(Model source, Model target, FusionOptions o, Map<Integer, INDArray> rawPlans,
      Map<Integer, LayerReport> reports) {
    Network src = source.net;
    Network tgt = target.net;
    org.otfuse.core.graph.NeuronGroups sg = org.otfuse.core.graph.NeuronGroups.of(src.graph());
    org.otfuse.core.graph.NeuronGroups tg = org.otfuse.core.graph.NeuronGroups.of(tgt.graph());
    Map<Integer, INDArray> plans = new java.util.HashMap<>();
    Map<Integer, INDArray> inPlans = new java.util.HashMap<>();
    for (Map.Entry<Integer, INDArray> e : rawPlans.entrySet()) {
      plans.put(e.getKey(), GraphFusion.outPlan(e.getValue(), o.correction()));
      inPlans.put(e.getKey(), GraphFusion.inPlan(e.getValue(), o.correction()));
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
  public static final LayerSolver LOCAL_SOLVER = (layer, x, y, o) ->
      GraphFusion.solveUniform(org.otfuse.core.ot.GroundCost.compute(x, y, o.metric(), o.normalization()), o);

  /**
   * Layer-by-layer alignment of an MLP (Singh and Jaggi 2020, Algorithm 1; the same steps as
   * {@link GraphFusion#align} for an MLP) with the OT problem of each layer handed to {@code solver},
   * so that a caller can solve large layers elsewhere (block-distributed cost and Sinkhorn).
   *
   * @throws UnsupportedOperationException when the models are not plain MLPs (Linear and ReLU)
   */
  public static Aligned alignLayers(Model source, Model target, FusionOptions o, INDArray samples,
      LayerSolver solver) {
    MlpNet src = asMlp(source, "block-distributed OT (run.distribute.block-cost-cells)");
    MlpNet tgt = asMlp(target, "block-distributed OT (run.distribute.block-cost-cells)");
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
      INDArray tf = GraphFusion.outPlan(t, o.correction()).castTo(org.nd4j.linalg.api.buffer.DataType.FLOAT);
      INDArray basis = o.pastCorrection() ? alignedIn : sl.weight();
      INDArray w = tf.transpose().mmul(basis);
      INDArray bias = sl.hasBias() ? tf.transpose().mmul(sl.bias().reshape(sl.outputs(), 1)).reshape(tl.outputs())
          : null;
      out.add(new org.otfuse.core.model.DenseLayer(tl.name(), w, bias));
      reports.add(new LayerReport(tl.name(), sl.outputs(), tl.outputs(), true, plan.cost(), org.otfuse.core.fusion.OtFusion.entropy(t), org.otfuse.core.fusion.OtFusion.density(t),
          plan.iterations(), (System.nanoTime() - t0) / 1e9));
      previous = GraphFusion.inPlan(t, o.correction()).castTo(org.nd4j.linalg.api.buffer.DataType.FLOAT);
    }
    return new Aligned(Network.of(target.net.graph(), tgt.withLayers(out).toStateDict(null)), reports);
  }

  /** The MLP view of a plain MLP; {@code what} names the feature that needs it in the error. */
  private static MlpNet asMlp(Model m, String what) {
    if (!ModelArch.isPlainMlp(m.net.graph())) {
      throw new UnsupportedOperationException(what + " handles MLPs only, but " + m.id + " is "
          + (m.arch == null ? m.net.graph().name() : m.arch.displayName()) + "; use run.distribute.k-alignments or"
          + " activation-groups, or one task per point");
    }
    return MlpNet.fromNetwork(m.net);
  }

  private static INDArray withBias(INDArray w, INDArray bias) {
    return bias == null ? w : org.nd4j.linalg.factory.Nd4j.hstack(w, bias.reshape(bias.length(), 1));
  }

  /**
   * Fine-tunes a copy with SGD (constant rate, momentum) on {@code train}. A plain MLP runs
   * {@link MlpTrainer} (the loop and numbers of earlier versions), any other network
   * {@link Trainer} (BatchNorm in training mode). Not modified: {@code m}.
   */
  public static Model finetune(Model m, ImageDataset train, SgdOptions o) {
    if (ModelArch.isPlainMlp(m.net.graph())) {
      MlpNet tuned = MlpTrainer.train(MlpNet.fromNetwork(m.net), train, o, null);
      return new Model(m.id + "+ft", m.net.withParams(tuned.toStateDict(null)), m.arch);
    }
    TrainOptions t = new TrainOptions(o.epochs(), o.batchSize(), OptimizerOptions.sgd(o.learningRate(), o.momentum(), 0),
        LrSchedule.constant(), Augmentation.NONE, o.seed());
    return new Model(m.id + "+ft", Trainer.train(m.net, train, t, null).network(), m.arch);
  }

  /** OT compression to {@code factor} of every hidden width ({@link Compression#compress}). */
  public static Model compressOt(Model m, double factor, FusionOptions o) {
    return new Model(m.id + "@ot" + factor, Compression.compress(m.net, factor, o).compressed(), null);
  }

  /** Magnitude pruning to {@code factor} of every hidden width ({@link Compression#pruneByMagnitude}). */
  public static Model pruneMagnitude(Model m, double factor) {
    return new Model(m.id + "@mag" + factor, Compression.pruneByMagnitude(m.net, factor), null);
  }

  /** Writes a model as safetensors (atomically) with string metadata. */
  public static void save(Model m, String path, Map<String, String> metadata) throws IOException {
    Safetensors.write(m.net.params(), path, metadata);
  }

  private static List<Network> nets(List<Model> ms) {
    return ms.stream().map(x -> x.net).toList();
  }
}
