package org.otfuse.jobs;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.SparkSession;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.otfuse.core.backend.Backends;
import org.otfuse.core.backend.TransportBackend;
import org.otfuse.core.fusion.FusionMode;
import org.otfuse.core.fusion.FusionOptions;
import org.otfuse.core.fusion.GraphFusion;
import org.otfuse.core.fusion.LayerReport;
import org.otfuse.core.fusion.OtFusion;
import org.otfuse.core.ot.TransportPlan;
import org.otfuse.core.sweep.ModelAdapter;
import org.otfuse.core.sweep.PointRunner;
import org.otfuse.core.sweep.SweepConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * OT fusion of one point with its inner work spread over the executors ({@code run.distribute}),
 * driven from the driver. Modes, first that applies wins:
 *
 * <ul>
 *   <li>{@code k-alignments}: the K-1 alignments onto the target run as parallel tasks (models and
 *       samples broadcast, aligned parameters collected); the average is a reduce on the driver.
 *   <li>{@code activation-groups} (activations mode): the per-group OT problems of every alignment
 *       are independent (their costs come from the original models); the driver builds them, the
 *       executors solve them all in one job, the driver applies the plans.
 *   <li>{@code block-cost-cells > 0}: layers whose cost exceeds that many cells are solved by
 *       {@link BlockSinkhorn} (block-distributed cost and Sinkhorn products).
 * </ul>
 *
 * Each gives the same fused weights as the single-task path ({@code DistributedFuserTest}). The
 * {@code k-alignments} tasks open their own transport backend ({@code run.backend}, the GPU Spark
 * assigned to the task, as {@link PointTask} does); the other modes run core's ND4J CPU path.
 */
public final class DistributedFuser implements PointRunner.Fuser {
  private static final Logger LOG = LoggerFactory.getLogger(DistributedFuser.class);
  private final SparkSession spark;
  private final SweepConfig.Distribute dist;
  private final SweepConfig.BackendChoice backend;

  /** With {@code run.backend = auto} for the {@code k-alignments} tasks. */
  public DistributedFuser(SparkSession spark, SweepConfig.Distribute dist) {
    this(spark, dist, SweepConfig.BackendChoice.AUTO);
  }

  /** @param backend what the {@code k-alignments} tasks run their OT math on */
  public DistributedFuser(SparkSession spark, SweepConfig.Distribute dist, SweepConfig.BackendChoice backend) {
    this.spark = spark;
    this.dist = dist;
    this.backend = backend;
  }

  /** The {@code distribution} column value for these settings. */
  public static String label(SweepConfig.Distribute d) {
    if (d.kAlignments()) {
      return "k-alignments";
    }
    if (d.activationGroups()) {
      return "activation-groups";
    }
    return d.blockCostCells() > 0 ? "block" : "task";
  }

  /**
   * {@inheritDoc} The distributed modes run core's ND4J CPU path on the executors; {@code backend}
   * is only used when no mode applies (the single-task path).
   */
  @Override
  public ModelAdapter.Fused fuse(List<ModelAdapter.Model> models, int target, FusionOptions o, INDArray samples,
      org.otfuse.core.backend.TransportBackend backend) {
    if (dist.kAlignments()) {
      return kAlignments(models, target, o, samples);
    }
    if (dist.activationGroups() && o.mode() == FusionMode.ACTIVATIONS) {
      return activationGroups(models, target, o, samples);
    }
    if (dist.blockCostCells() > 0) {
      BlockSinkhorn solver = new BlockSinkhorn(spark, dist.blockCostCells(), dist.blockRows());
      List<ModelAdapter.Aligned> aligned = new ArrayList<>();
      for (int k = 0; k < models.size(); k++) {
        if (k != target) {
          aligned.add(ModelAdapter.alignLayers(models.get(k), models.get(target), o, samples, solver));
        }
      }
      return ModelAdapter.average(models, target, aligned, o.ensembleStep(), ModelAdapter.CPU_BACKEND);
    }
    return ModelAdapter.fuse(models, target, o, samples, backend);
  }

  /** Samples as a serializable array. */
  record Samples(long[] shape, float[] values) implements Serializable {
    private static final long serialVersionUID = 1L;

    static Samples of(INDArray x) {
      return x == null ? null : new Samples(x.shape(), x.castTo(DataType.FLOAT).dup('c').reshape(-1).toFloatVector());
    }

    INDArray array() {
      return Nd4j.createFromArray(values).reshape('c', shape);
    }
  }

  ModelAdapter.Fused kAlignments(List<ModelAdapter.Model> models, int target, FusionOptions o, INDArray samples) {
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    List<ModelAdapter.Portable> portable = models.stream().map(ModelAdapter::portable).toList();
    Broadcast<List<ModelAdapter.Portable>> bm = jsc.broadcast(new ArrayList<>(portable));
    Broadcast<Samples> bs = jsc.broadcast(Samples.of(samples));
    SweepConfig.BackendChoice choice = backend;
    List<Integer> sources = new ArrayList<>();
    for (int k = 0; k < models.size(); k++) {
      if (k != target) {
        sources.add(k);
      }
    }
    LOG.info("aligning {} models onto model {} as {} parallel tasks", sources.size(), target, sources.size());
    try {
      List<ModelAdapter.PortableAligned> out = jsc.parallelize(sources, sources.size()).map(k -> {
        ExecutorSetup.ensure();
        List<ModelAdapter.Portable> ms = bm.value();
        Samples s = bs.value();
        String[] gpus = PointTask.gpuAddresses(org.apache.spark.TaskContext.get());
        try (TransportBackend b = Backends.forTask(gpus, choice.preferGpu(gpus))) {
          return ModelAdapter.portable(ModelAdapter.align(ModelAdapter.fromPortable(ms.get(k)),
              ModelAdapter.fromPortable(ms.get(target)), o, s == null ? null : s.array(), b),
              ModelAdapter.backendName(b));
        }
      }).collect();
      List<ModelAdapter.Aligned> aligned = out.stream()
          .map(p -> ModelAdapter.fromPortable(p, models.get(target))).toList();
      String ran = String.join(",", new java.util.TreeSet<>(out.stream().map(ModelAdapter.PortableAligned::backend)
          .toList()));
      return ModelAdapter.average(models, target, aligned, o.ensembleStep(), ran);
    } finally {
      bm.destroy();
      bs.destroy();
    }
  }

  /** One group's OT problem, shipped to a task. */
  record Problem(int alignment, int group, String label, int n, int m, double[] cost) implements Serializable {
    private static final long serialVersionUID = 1L;
  }

  /** A solved problem. */
  record Solved(int alignment, int group, String label, int n, int m, double[] plan, double cost, int iterations,
      double seconds) implements Serializable {
    private static final long serialVersionUID = 1L;
  }

  ModelAdapter.Fused activationGroups(List<ModelAdapter.Model> models, int target, FusionOptions o,
      INDArray samples) {
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    List<Problem> problems = new ArrayList<>();
    List<Integer> sources = new ArrayList<>();
    for (int k = 0; k < models.size(); k++) {
      if (k == target) {
        continue;
      }
      int a = sources.size();
      sources.add(k);
      for (GraphFusion.GroupProblem p : ModelAdapter.activationProblems(models.get(k), models.get(target), o,
          samples)) {
        problems.add(new Problem(a, p.group(), p.label(), (int) p.cost().rows(), (int) p.cost().columns(),
            p.cost().castTo(DataType.DOUBLE).dup('c').reshape(-1).toDoubleVector()));
      }
    }
    LOG.info("solving {} activation-group OT problems of {} alignments across executors", problems.size(),
        sources.size());
    List<Solved> solved = jsc.parallelize(problems, problems.size()).map(p -> {
      long t0 = System.nanoTime();
      INDArray cost = Nd4j.createFromArray(p.cost()).reshape('c', p.n(), p.m());
      // The cost is already normalised; solve it as is (GroundCost rows are not needed any more).
      TransportPlan plan = GraphFusion.solveUniform(cost, o);
      return new Solved(p.alignment(), p.group(), p.label(), p.n(), p.m(), plan.plan().dup('c').reshape(-1).toDoubleVector(),
          plan.cost(), plan.iterations(), (System.nanoTime() - t0) / 1e9);
    }).collect();
    List<ModelAdapter.Aligned> aligned = new ArrayList<>();
    for (int a = 0; a < sources.size(); a++) {
      Map<Integer, INDArray> plans = new HashMap<>();
      Map<Integer, LayerReport> reports = new HashMap<>();
      for (Solved s : solved) {
        if (s.alignment() != a) {
          continue;
        }
        INDArray t = Nd4j.createFromArray(s.plan()).reshape('c', s.n(), s.m());
        plans.put(s.group(), t);
        reports.put(s.group(), new LayerReport(s.label(), s.n(), s.m(), true, s.cost(), OtFusion.entropy(t),
            OtFusion.density(t), s.iterations(), s.seconds()));
      }
      aligned.add(ModelAdapter.applyPlans(models.get(sources.get(a)), models.get(target), o, plans, reports));
    }
    return ModelAdapter.average(models, target, aligned, o.ensembleStep(), ModelAdapter.CPU_BACKEND);
  }
}
