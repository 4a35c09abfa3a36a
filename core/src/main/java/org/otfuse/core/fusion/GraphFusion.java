package org.otfuse.core.fusion;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.otfuse.core.graph.Graph;
import org.otfuse.core.graph.Network;
import org.otfuse.core.graph.NeuronGroups;
import org.otfuse.core.graph.NeuronGroups.Group;
import org.otfuse.core.graph.NeuronGroups.Member;
import org.otfuse.core.graph.NeuronGroups.Role;
import org.otfuse.core.backend.OpenMpSpin;
import org.otfuse.core.backend.SinkhornForm;
import org.otfuse.core.backend.SinkhornResult;
import org.otfuse.core.backend.SinkhornSpec;
import org.otfuse.core.backend.TransportBackend;
import org.otfuse.core.io.StateDict;
import org.otfuse.core.io.Tensors;
import org.otfuse.core.ot.GroundCost;
import org.otfuse.core.ot.SinkhornOptions;
import org.otfuse.core.ot.TransportPlan;
import org.otfuse.core.ot.TransportSolver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * OT fusion of any {@link Network} over its {@link NeuronGroups} (Singh and Jaggi 2020, Algorithm 1,
 * generalised from layers to groups), one loop for MLPs, VGGs and ResNets.
 *
 * <p>For each group, a transport plan {@code T} (n x m) maps the source model's neurons onto the
 * target's (uniform marginals; exact or Sinkhorn); with correction each column is divided by its
 * mass. Then every parameter is transported on each of its axes: output axes by {@code T^T},
 * input axes by {@code T} (with the flatten expansion; only with past correction, as the
 * reference). Fixed groups (input; output logits unless {@link FusionOptions#alignOutput()}) keep
 * the identity. The fused parameters are {@code s P_target + (1 - s) mean_k(aligned P_k)}.
 *
 * <p><b>Costs.</b> Activations mode: the rows are each neuron's activations at the group's tap
 * node on the samples, in the ORIGINAL models; every group's cost depends only on the originals,
 * so {@link #activationProblems} are independent and can be solved in any order or in parallel.
 * Weights mode: the rows are the concatenated weights (and biases) of the group's producers, with
 * their input axes first aligned by the plans of their input groups (paper eq. 3). A residual Add
 * makes this cyclic (the group of {@code conv1}'s output also contains {@code layer1.0.conv2}'s
 * output, whose input group depends on it). <b>The cycle is broken explicitly:</b> a group is
 * solved as soon as one of its producers has a solved input group, and its cost uses only those
 * ready producers (the stem conv, or a downsampling shortcut conv); its other members are then
 * transported with that plan. For MLPs and VGGs every group has one producer and this is exactly
 * the reference's layer-by-layer order.
 *
 * <p><b>Backends.</b> The overloads taking a {@link TransportBackend} run the dense transport math
 * of each group on it when it is a GPU backend: the ground cost (a GEMM, float32 on the device)
 * and, with {@link SolverKind#SINKHORN}, the log-domain Sinkhorn iterations (same stopping rule as
 * {@link org.otfuse.core.ot.Sinkhorn}: converge to the tolerance or fail loudly). Exact OT, the
 * plan algebra and the average stay on the CPU (an assignment is sequential work). A null or CPU
 * backend uses the ND4J path of this class, which is the CPU implementation.
 */
public final class GraphFusion {
  private static final Logger LOG = LoggerFactory.getLogger(GraphFusion.class);

  /**
   * The precision of the ground costs' GEMM: float64 by default, so that costs are exact to
   * rounding and exact OT picks the same assignment as the reference implementation (whose
   * float32 costs are direct differences, without the cancellation of a float32 GEMM); the system
   * property {@code otfuse.fusion.cost-precision=input} runs float32 inputs through a float32 GEMM,
   * about twice as fast on wide layers, at {@code ~1e-7 sqrt(d)} relative cost error (see
   * {@link GroundCost}).
   */
  static final GroundCost.Precision COST_PRECISION =
      "input".equalsIgnoreCase(System.getProperty("otfuse.fusion.cost-precision", "float64"))
          ? GroundCost.Precision.INPUT : GroundCost.Precision.FLOAT64;

  private GraphFusion() {}

  /**
   * The aligned source, and per group id (null for a group kept in place) the plans its output
   * axes were transported by ({@code T diag(1/b)} with correction, else {@code T}) and those of
   * the input axes fed by it ({@code diag(1/a) T} with correction, else {@code T}; not applied
   * without past correction); float64, n x m.
   */
  public record Alignment(Network aligned, Map<Integer, INDArray> plans, Map<Integer, INDArray> inPlans,
      List<LayerReport> reports) {}

  /** A fused network and, per aligned source model, its per-group reports. */
  public record Result(Network fused, List<List<LayerReport>> reports) {}

  /** The cost matrix of one group, ready to solve independently of the others. */
  public record GroupProblem(int group, String label, INDArray cost) {}

  /**
   * Fuses {@code models} onto {@code models.get(targetIndex)}.
   *
   * @param samples activation samples (N x input); required in activations mode
   */
  public static Result fuse(List<Network> models, int targetIndex, FusionOptions options, INDArray samples) {
    return fuse(models, targetIndex, options, samples, null, 0);
  }

  /**
   * Fuses {@code models} onto {@code models.get(targetIndex)} with per-model weights, optionally
   * refined: after the first fusion F, every model (the target too) is re-aligned onto F and
   * averaged again, until the parameters move by less than 1e-6 relative or {@code refine}
   * rounds are done.
   *
   * @param weights one non-negative weight per model (normalised to sum 1); null: the target gets
   *     the ensemble step s and the others (1 - s)/(K - 1) each
   * @param refine the most re-alignment rounds (0: none)
   */
  public static Result fuse(List<Network> models, int targetIndex, FusionOptions options, INDArray samples,
      double[] weights, int refine) {
    return fuse(models, targetIndex, options, samples, weights, refine, null);
  }

  /**
   * {@link #fuse(List, int, FusionOptions, INDArray, double[], int)} with the dense math of each
   * group on {@code backend} (see the class comment; null: the CPU path).
   */
  public static Result fuse(List<Network> models, int targetIndex, FusionOptions options, INDArray samples,
      double[] weights, int refine, TransportBackend backend) {
    if (models.size() < 2) {
      throw new IllegalArgumentException("fusion needs at least 2 models, got " + models.size());
    }
    if (targetIndex < 0 || targetIndex >= models.size()) {
      throw new IllegalArgumentException("target index " + targetIndex + " is outside 0.." + (models.size() - 1));
    }
    double[] w = modelWeights(models.size(), targetIndex, options.ensembleStep(), weights);
    Network target = models.get(targetIndex);
    List<Network> aligned = new ArrayList<>();
    List<List<LayerReport>> reports = new ArrayList<>();
    Map<String, INDArray> targetActs = targetActivations(target, options, samples); // once for all sources
    for (int k = 0; k < models.size(); k++) {
      if (k == targetIndex) {
        aligned.add(target);
        continue;
      }
      LOG.info("aligning model {} onto model {} ({} mode, {} OT)", k, targetIndex,
          options.mode().name().toLowerCase(java.util.Locale.ROOT),
          options.solver().name().toLowerCase(java.util.Locale.ROOT));
      Alignment a = align(models.get(k), target, options, samples, backend, targetActs);
      aligned.add(a.aligned());
      reports.add(a.reports());
    }
    Network fused = weightedAverage(target, aligned, w);
    for (int round = 1; round <= refine; round++) {
      List<Network> again = new ArrayList<>();
      List<List<LayerReport>> roundReports = new ArrayList<>();
      Map<String, INDArray> fusedActs = targetActivations(fused, options, samples);
      for (int k = 0; k < models.size(); k++) {
        Alignment a = align(models.get(k), fused, options, samples, backend, fusedActs);
        again.add(a.aligned());
        if (k != targetIndex) {
          roundReports.add(a.reports());
        }
      }
      Network next = weightedAverage(fused, again, w);
      double change = relativeChange(fused, next);
      LOG.info("refinement round {}: parameters moved by {} (relative)", round, String.format("%.3g", change));
      fused = next;
      reports = roundReports;
      if (change < 1e-6) {
        break;
      }
    }
    return new Result(fused, reports);
  }

  static double[] modelWeights(int k, int target, double step, double[] weights) {
    double[] w = new double[k];
    if (weights == null) {
      for (int i = 0; i < k; i++) {
        w[i] = i == target ? step : (1 - step) / (k - 1);
      }
      return w;
    }
    if (weights.length != k) {
      throw new IllegalArgumentException(weights.length + " model weights given for " + k + " models");
    }
    double sum = 0;
    for (double x : weights) {
      if (!(x >= 0)) {
        throw new IllegalArgumentException("model weight " + x + " must be >= 0");
      }
      sum += x;
    }
    if (!(sum > 0)) {
      throw new IllegalArgumentException("model weights " + Arrays.toString(weights) + " sum to 0");
    }
    for (int i = 0; i < k; i++) {
      w[i] = weights[i] / sum;
    }
    return w;
  }

  /** {@code sum_k w_k P_k} for floating-point parameters; integer buffers from {@code shape}. */
  static Network weightedAverage(Network shape, List<Network> nets, double[] w) {
    Map<String, INDArray> out = new LinkedHashMap<>();
    for (String name : shape.params().names()) {
      INDArray t = shape.param(name);
      if (!t.dataType().isFPType()) {
        out.put(name, t);
        continue;
      }
      // one new array, then in-place BLAS axpy (sum += w_k P_k): no temporary per model
      INDArray sum = Tensors.dense(nets.get(0).param(name)).mul(w[0]);
      for (int k = 1; k < nets.size(); k++) {
        INDArray p = nets.get(k).param(name);
        if (w[k] != 0) {
          Nd4j.getBlasWrapper().level1().axpy(p.length(), w[k], Tensors.dense(p), sum);
        }
      }
      out.put(name, sum);
    }
    return shape.withParams(StateDict.of(null, out));
  }

  private static double relativeChange(Network a, Network b) {
    double diff = 0;
    double norm = 0;
    for (String name : a.params().names()) {
      INDArray x = a.param(name);
      if (x.dataType().isFPType()) {
        diff += Math.pow(x.sub(b.param(name)).norm2Number().doubleValue(), 2);
        norm += Math.pow(x.norm2Number().doubleValue(), 2);
      }
    }
    return Math.sqrt(diff / Math.max(norm, 1e-300));
  }

  /**
   * The vanilla baseline: the weighted parameter average without any alignment (weights as in
   * {@link #fuse(List, int, FusionOptions, INDArray, double[], int)}); all models need the target's shapes.
   */
  public static Network vanillaAverage(List<Network> models, int targetIndex, double ensembleStep, double[] weights) {
    Network target = models.get(targetIndex);
    for (Network m : models) {
      for (String name : target.params().names()) {
        if (!Arrays.equals(m.param(name).shape(), target.param(name).shape())) {
          throw new IllegalArgumentException(name + " has shape " + Arrays.toString(m.param(name).shape())
              + " in one model but " + Arrays.toString(target.param(name).shape()) + " in the target;"
              + " vanilla averaging needs identical shapes");
        }
      }
    }
    return weightedAverage(target, models, modelWeights(models.size(), targetIndex, ensembleStep, weights));
  }

  /** {@code s P_target + (1 - s) mean(P_aligned)} for every floating-point parameter. */
  public static Network average(Network target, List<Network> aligned, double ensembleStep) {
    List<Network> all = new ArrayList<>();
    all.add(target);
    all.addAll(aligned);
    return weightedAverage(target, all, modelWeights(all.size(), 0, ensembleStep, null));
  }

  /** Aligns {@code source}'s neurons onto {@code target}'s, group by group (see class comment). */
  public static Alignment align(Network source, Network target, FusionOptions options, INDArray samples) {
    return align(source, target, options, samples, null);
  }

  /** {@link #align(Network, Network, FusionOptions, INDArray)} with the dense math on {@code backend}. */
  public static Alignment align(Network source, Network target, FusionOptions options, INDArray samples,
      TransportBackend backend) {
    return align(source, target, options, samples, backend, null);
  }

  /**
   * {@link #align(Network, Network, FusionOptions, INDArray, TransportBackend)} with the target's
   * activations at the groups' taps already computed ({@link #targetActivations}; null: computed here).
   */
  private static Alignment align(Network source, Network target, FusionOptions options, INDArray samples,
      TransportBackend backend, Map<String, INDArray> targetActs) {
    OpenMpSpin.hintOnce();
    NeuronGroups sg = NeuronGroups.of(source.graph());
    NeuronGroups tg = NeuronGroups.of(target.graph());
    checkCompatible(sg, tg, options);
    TransportSolver solver = OtFusion.solver(options);
    Map<Integer, INDArray> plans = new HashMap<>();
    Map<Integer, INDArray> inPlans = new HashMap<>();
    Map<Integer, LayerReport> reports = new LinkedHashMap<>();
    Map<INDArray, PlanAlgebra.Prepared> prepared = new IdentityHashMap<>();
    Map<String, INDArray> inAligned = new HashMap<>();
    for (Group g : sg.groups()) {
      if (!transported(g, options)) {
        plans.put(g.id(), null);
        inPlans.put(g.id(), null);
      }
    }
    if (options.mode() == FusionMode.ACTIVATIONS) {
      requireSamples(samples);
      Map<String, INDArray> ta = targetActs != null ? targetActs : target.forward(samples, taps(sg, options));
      for (GroupProblem p : activationProblems(source, sg, ta, options, samples, backend)) {
        solveInto(p, solver, options, plans, inPlans, reports, prepared, backend);
      }
    } else {
      Set<Integer> pending = new TreeSet<>();
      for (Group g : sg.groups()) {
        if (!plans.containsKey(g.id())) {
          pending.add(g.id());
        }
      }
      while (!pending.isEmpty()) {
        Group next = null;
        for (int id : pending) {
          if (!readyProducers(sg, sg.group(id), plans).isEmpty()) {
            next = sg.group(id);
            break;
          }
        }
        if (next == null) {
          throw new IllegalStateException("no group among " + pending + " has a producer with a solved input");
        }
        solveInto(weightsProblem(source, target, sg, next, inPlans, prepared, inAligned, options, backend), solver,
            options, plans, inPlans, reports, prepared, backend);
        pending.remove(next.id());
      }
    }
    // without past correction the cost still saw input-aligned weights, but the result keeps the
    // source's input axes: the cached input-aligned weights are then not the result's
    Network aligned = options.pastCorrection() ? applyPlans(source, target, sg, plans, inPlans, prepared, inAligned)
        : applyPlans(source, target, sg, plans, Map.of(), prepared, Map.of());
    List<LayerReport> ordered = new ArrayList<>();
    for (Group g : sg.groups()) {
      if (reports.containsKey(g.id())) {
        ordered.add(reports.get(g.id()));
      } else if (g.kind() == NeuronGroups.Kind.OUTPUT) {
        ordered.add(new LayerReport(g.label(), g.size(), tg.group(g.id()).size(), false, Double.NaN, Double.NaN,
            Double.NaN, 0, 0));
      }
    }
    return new Alignment(aligned, plans, inPlans, ordered);
  }

  /**
   * The activations-mode cost of every transported group, from the ORIGINAL models' activations
   * at each group's tap node: independent problems, solvable in any order or in parallel.
   */
  public static List<GroupProblem> activationProblems(Network source, Network target, FusionOptions options,
      INDArray samples) {
    return activationProblems(source, target, options, samples, null);
  }

  /** {@link #activationProblems(Network, Network, FusionOptions, INDArray)} with costs on {@code backend}. */
  public static List<GroupProblem> activationProblems(Network source, Network target, FusionOptions options,
      INDArray samples, TransportBackend backend) {
    requireSamples(samples);
    NeuronGroups sg = NeuronGroups.of(source.graph());
    NeuronGroups tg = NeuronGroups.of(target.graph());
    checkCompatible(sg, tg, options);
    return activationProblems(source, sg, target.forward(samples, taps(sg, options)), options, samples, backend);
  }

  private static void requireSamples(INDArray samples) {
    if (samples == null) {
      throw new IllegalArgumentException("activations mode needs activation samples (--activation-samples)");
    }
  }

  /** The tap node of every group: its pre- or post-activation node, as {@code options} says. */
  private static Set<String> taps(NeuronGroups sg, FusionOptions options) {
    Set<String> taps = new java.util.HashSet<>();
    for (Group g : sg.groups()) {
      taps.add(options.activationPoint() == ActivationPoint.PRE ? g.preNode() : g.postNode());
    }
    return taps;
  }

  /**
   * In activations mode with samples, {@code target}'s activations at every group's tap, computed
   * once for all models aligned onto it; else null.
   */
  private static Map<String, INDArray> targetActivations(Network target, FusionOptions options, INDArray samples) {
    return options.mode() == FusionMode.ACTIVATIONS && samples != null
        ? target.forward(samples, taps(NeuronGroups.of(target.graph()), options)) : null;
  }

  /** The activation costs of {@code source} (groups {@code sg}) against the target's tap activations {@code ta}. */
  private static List<GroupProblem> activationProblems(Network source, NeuronGroups sg, Map<String, INDArray> ta,
      FusionOptions options, INDArray samples, TransportBackend backend) {
    boolean pre = options.activationPoint() == ActivationPoint.PRE;
    Map<String, INDArray> sa = source.forward(samples, taps(sg, options));
    List<GroupProblem> out = new ArrayList<>();
    for (Group g : sg.groups()) {
      if (!transported(g, options)) {
        continue;
      }
      String tap = pre ? g.preNode() : g.postNode();
      INDArray cost = groundCost(neuronRows(sa.get(tap)), neuronRows(ta.get(tap)), options, backend);
      out.add(new GroupProblem(g.id(), g.label(), cost));
    }
    return out;
  }

  /** Activations N x C (x H x W) as C rows of all their values. */
  static INDArray neuronRows(INDArray acts) {
    long c = acts.size(1);
    if (acts.rank() == 2) {
      return acts.transpose();
    }
    int[] perm = new int[acts.rank()];
    perm[0] = 1;
    perm[1] = 0;
    for (int d = 2; d < perm.length; d++) {
      perm[d] = d;
    }
    return acts.permute(perm).dup('c').reshape('c', c, acts.length() / c);
  }

  private static boolean transported(Group g, FusionOptions o) {
    return g.kind() == NeuronGroups.Kind.HIDDEN || (g.kind() == NeuronGroups.Kind.OUTPUT && o.alignOutput());
  }

  private static List<String> readyProducers(NeuronGroups sg, Group g, Map<Integer, INDArray> plans) {
    List<String> ready = new ArrayList<>();
    for (String p : g.producers()) {
      if (plans.containsKey(sg.inputGroupOf(p).id())) {
        ready.add(p);
      }
    }
    return ready;
  }

  /**
   * The weights-mode cost of group g: the incoming weights (and biases) of its producers, their
   * input axes aligned by the solved plans, against the target's. The input-aligned weights are
   * kept in {@code inAligned} (by parameter name) for {@link #applyPlans} to finish.
   */
  private static GroupProblem weightsProblem(Network source, Network target, NeuronGroups sg, Group g,
      Map<Integer, INDArray> plans, Map<INDArray, PlanAlgebra.Prepared> prepared, Map<String, INDArray> inAligned,
      FusionOptions options, TransportBackend backend) {
    List<INDArray> src = new ArrayList<>();
    List<INDArray> tgt = new ArrayList<>();
    for (String p : readyProducers(sg, g, plans)) {
      String module = NeuronGroups.moduleOf(source.graph().node(p).op());
      Group in = sg.inputGroupOf(p);
      INDArray plan = plans.get(in.id());
      int expansion = in.inputExpansion(module + ".weight");
      INDArray w = source.param(module + ".weight");
      INDArray aligned = plan == null ? w
          : PlanAlgebra.apply(w, 1, prepared.computeIfAbsent(plan, PlanAlgebra::prepare), expansion);
      inAligned.put(module + ".weight", aligned);
      src.add(aligned.reshape('c', aligned.size(0), aligned.length() / aligned.size(0)));
      INDArray tw = target.param(module + ".weight");
      tgt.add(tw.reshape('c', tw.size(0), tw.length() / tw.size(0)));
      if (source.params().contains(module + ".bias")) {
        src.add(source.param(module + ".bias").reshape(-1, 1));
        tgt.add(target.param(module + ".bias").reshape(-1, 1));
      }
    }
    INDArray x = src.size() == 1 ? src.get(0) : Nd4j.hstack(src.toArray(new INDArray[0]));
    INDArray y = tgt.size() == 1 ? tgt.get(0) : Nd4j.hstack(tgt.toArray(new INDArray[0]));
    return new GroupProblem(g.id(), g.label(), groundCost(x, y, options, backend));
  }

  /** The normalised ground cost between the rows of x and y, on a GPU backend when given one. */
  static INDArray groundCost(INDArray x, INDArray y, FusionOptions options, TransportBackend backend) {
    if (backend == null || !backend.isGpu()) {
      return GroundCost.compute(x, y, options.metric(), options.normalization(), COST_PRECISION);
    }
    int n = (int) x.rows();
    int m = (int) y.rows();
    int d = (int) x.columns();
    float[] c = backend.groundCost(floats(x), n, floats(y), m, d, options.metric());
    return GroundCost.normalize(Nd4j.createFromArray(c).reshape('c', n, m), options.normalization());
  }

  private static float[] floats(INDArray x) {
    INDArray f = Tensors.dense(x.dataType() == DataType.FLOAT ? x : x.castTo(DataType.FLOAT));
    float[] out = new float[(int) f.length()];
    f.data().asNioFloat().get(0, out);
    return out;
  }

  /** Sinkhorn on a GPU backend: the plan as a float64 matrix and what was measured on it. */
  private static TransportPlan sinkhornOn(TransportBackend backend, INDArray cost, FusionOptions options) {
    int n = (int) cost.rows();
    int m = (int) cost.columns();
    double[] a = new double[n];
    double[] b = new double[m];
    Arrays.fill(a, 1.0 / n);
    Arrays.fill(b, 1.0 / m);
    SinkhornSpec spec = SinkhornSpec.of(new SinkhornOptions(options.reg(), options.sinkhornTolerance(),
        options.sinkhornMaxIterations()));
    SinkhornResult r = backend.sinkhorn(floats(cost), n, m, a, b, SinkhornForm.LOG, spec);
    INDArray plan = Nd4j.createFromArray(r.planArray()).reshape('c', n, m);
    return new TransportPlan(plan, r.cost(), r.rowError(), r.colError(), r.iterations(),
        Nd4j.createFromArray(r.rowPotential()), Nd4j.createFromArray(r.colPotential()));
  }

  private static void solveInto(GroupProblem p, TransportSolver solver, FusionOptions options,
      Map<Integer, INDArray> plans, Map<Integer, INDArray> inPlans, Map<Integer, LayerReport> reports,
      Map<INDArray, PlanAlgebra.Prepared> prepared, TransportBackend backend) {
    long t0 = System.nanoTime();
    INDArray cost = p.cost();
    int n = (int) cost.rows();
    int m = (int) cost.columns();
    TransportPlan plan = backend != null && backend.isGpu() && options.solver() == SolverKind.SINKHORN
        ? sinkhornOn(backend, cost, options) : solver.solve(uniform(n), uniform(m), cost);
    INDArray t = plan.plan();
    double[] entries = PlanAlgebra.entries(t);
    PlanAlgebra.Prepared permutation = n == m ? PlanAlgebra.prepare(t, entries) : null;
    if (permutation != null && permutation.isPermutation()) {
      // one mass per row and column: both corrections give the permutation matrix of ones
      PlanAlgebra.Prepared out = options.correction() ? ones(t, permutation.source()) : permutation;
      prepared.put(out.plan(), out);
      plans.put(p.group(), out.plan());
      inPlans.put(p.group(), out.plan());
    } else {
      plans.put(p.group(), outPlan(t, options.correction()));
      inPlans.put(p.group(), inPlan(t, options.correction()));
    }
    double seconds = (System.nanoTime() - t0) / 1e9;
    LayerReport r = new LayerReport(p.label(), n, m, true, plan.cost(), OtFusion.entropy(entries),
        OtFusion.density(entries),
        plan.iterations(), seconds);
    reports.put(p.group(), r);
    LOG.info("group {} ({}): {}x{} plan, OT cost {}, entropy {}, density {}, {} s", p.group(), p.label(), n, m,
        String.format("%.6g", r.otCost()), String.format("%.4g", r.planEntropy()), String.format("%.4g", r.density()),
        String.format("%.3f", seconds));
  }

  /** Uniform marginals {@code 1/n}, float64. */
  private static INDArray uniform(int n) {
    return Nd4j.valueArrayOf(new long[] {n}, 1.0 / n, DataType.DOUBLE);
  }

  /**
   * The OT problem of one group as fusion solves it: uniform marginals and {@code cost}, exact OT
   * or Sinkhorn as {@code o} says (paper eq. (1)); for callers that compute costs elsewhere (the
   * Spark jobs).
   */
  public static TransportPlan solveUniform(INDArray cost, FusionOptions o) {
    return OtFusion.solver(o).solve(uniform((int) cost.rows()), uniform((int) cost.columns()), cost);
  }

  /** The plan for output axes: {@code T diag(1/colsum)} with correction, else {@code T} itself. */
  public static INDArray outPlan(INDArray t, boolean correction) {
    return correction ? t.divRowVector(t.sum(0)) : t;
  }

  /**
   * The plan for input axes: {@code diag(1/rowsum) T} with correction (a target neuron stands for
   * the source neurons sent to it, so their outgoing weights add up), else {@code T}; for uniform
   * square plans the same as {@link #outPlan}.
   */
  public static INDArray inPlan(INDArray t, boolean correction) {
    return correction ? t.divColumnVector(t.sum(1).reshape(t.rows(), 1)) : t;
  }

  /** Rescales the permutation plan {@code t} in place to ones ({@code T[source[j], j] = 1}), prepared. */
  private static PlanAlgebra.Prepared ones(INDArray t, int[] source) {
    int n = source.length;
    double[] scale = new double[n];
    for (int j = 0; j < n; j++) {
      t.putScalar(source[j], j, 1.0);
      scale[j] = 1.0;
    }
    return new PlanAlgebra.Prepared(t, source, scale);
  }

  /** Transports every parameter of {@code source}: OUT axes by {@code plans}, IN axes by {@code inPlans}. */
  static Network applyPlans(Network source, Network target, NeuronGroups sg, Map<Integer, INDArray> plans,
      Map<Integer, INDArray> inPlans) {
    return applyPlans(source, target, sg, plans, inPlans, new IdentityHashMap<>(), Map.of());
  }

  /**
   * {@link #applyPlans(Network, Network, NeuronGroups, Map, Map)} with plans already prepared and
   * weights whose input axes are already transported by {@code inPlans} ({@code inAligned}).
   */
  private static Network applyPlans(Network source, Network target, NeuronGroups sg, Map<Integer, INDArray> plans,
      Map<Integer, INDArray> inPlans, Map<INDArray, PlanAlgebra.Prepared> prepared, Map<String, INDArray> inAligned) {
    boolean pastCorrection = !inPlans.isEmpty();
    Map<String, INDArray> out = transport(source, sg, plans, inPlans, prepared, inAligned);
    try {
      return Network.of(target.graph(), StateDict.of(source.params().source(), out));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("aligned parameters do not fit the target: " + e.getMessage()
          + (pastCorrection ? "" : "; without past correction the input axes are not aligned, so widths must match"), e);
    }
  }

  /**
   * The parameters of {@code source} with each OUT axis of group g transported by
   * {@code outPlans.get(g)} ({@code P^T x}) and each IN axis by {@code inPlans.get(g)} ({@code x P},
   * with the flatten expansion); a missing or null plan leaves the axis as it is. Integer buffers
   * (BatchNorm's {@code num_batches_tracked}) are kept.
   */
  public static Map<String, INDArray> transport(Network source, NeuronGroups sg, Map<Integer, INDArray> outPlans,
      Map<Integer, INDArray> inPlans) {
    return transport(source, sg, outPlans, inPlans, new IdentityHashMap<>(), Map.of());
  }

  private static Map<String, INDArray> transport(Network source, NeuronGroups sg, Map<Integer, INDArray> outPlans,
      Map<Integer, INDArray> inPlans, Map<INDArray, PlanAlgebra.Prepared> prepared, Map<String, INDArray> inAligned) {
    Map<String, List<Object[]>> axes = new HashMap<>();
    for (Group g : sg.groups()) {
      for (Member m : g.members()) {
        axes.computeIfAbsent(m.param(), k -> new ArrayList<>()).add(new Object[] {m, g.id()});
      }
    }
    Map<String, INDArray> out = new LinkedHashMap<>();
    for (String name : source.params().names()) {
      INDArray done = inAligned.get(name);
      INDArray p = done != null ? done : source.param(name);
      if (p.dataType().isFPType()) {
        for (Object[] entry : axes.getOrDefault(name, List.of())) {
          Member m = (Member) entry[0];
          INDArray plan = (m.role() == Role.OUT ? outPlans : inPlans).get((Integer) entry[1]);
          if (plan == null || (done != null && m.role() == Role.IN)) {
            continue;
          }
          PlanAlgebra.Prepared pf = prepared.computeIfAbsent(plan, PlanAlgebra::prepare);
          p = p.rank() == 1 ? PlanAlgebra.apply(p.reshape(p.length(), 1), 0, pf, 1).reshape(pf.plan().columns())
              : PlanAlgebra.apply(p, m.axis(), pf, m.expansion());
        }
      }
      out.put(name, p);
    }
    return out;
  }

  private static void checkCompatible(NeuronGroups sg, NeuronGroups tg, FusionOptions o) {
    Graph s = sg.graph();
    Graph t = tg.graph();
    if (s.nodes().size() != t.nodes().size() || sg.groups().size() != tg.groups().size()) {
      throw new IllegalArgumentException(s.name() + " and " + t.name() + " have different graphs ("
          + s.nodes().size() + " vs " + t.nodes().size() + " nodes)");
    }
    for (int i = 0; i < s.nodes().size(); i++) {
      String a = s.nodes().get(i).id();
      String b = t.nodes().get(i).id();
      if (!a.equals(b) || s.nodes().get(i).op().getClass() != t.nodes().get(i).op().getClass()) {
        throw new IllegalArgumentException("node " + i + " is " + a + " in one model but " + b + " in the target");
      }
    }
    for (Group g : sg.groups()) {
      Group h = tg.group(g.id());
      if (g.kind() != NeuronGroups.Kind.HIDDEN && g.size() != h.size() && !(g.kind() == NeuronGroups.Kind.OUTPUT
          && o.alignOutput())) {
        throw new IllegalArgumentException("group " + g.label() + " (" + g.kind().name().toLowerCase(java.util.Locale.ROOT)
            + ") has " + g.size() + " neurons in one model but " + h.size() + " in the target; "
            + (g.kind() == NeuronGroups.Kind.OUTPUT ? "the output holds class labels and must match"
                : "the inputs must match"));
      }
    }
  }
}
