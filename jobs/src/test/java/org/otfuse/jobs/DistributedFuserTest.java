package org.otfuse.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.otfuse.core.data.DatasetName;
import org.otfuse.core.data.Split;
import org.otfuse.core.fusion.FusionMode;
import org.otfuse.core.fusion.FusionOptions;
import org.otfuse.core.fusion.SolverKind;
import org.otfuse.core.ot.CostNormalization;
import org.otfuse.core.ot.GroundCost;
import org.otfuse.core.ot.GroundMetric;
import org.otfuse.core.ot.Sinkhorn;
import org.otfuse.core.ot.SinkhornOptions;
import org.otfuse.core.ot.TransportPlan;
import org.otfuse.core.sweep.ModelAdapter;
import org.otfuse.core.sweep.SweepConfig;
import org.otfuse.core.zoo.DataCache;
import org.otfuse.core.zoo.ModelMeta;
import org.otfuse.core.zoo.Zoo;

/**
 * The distributed modes give the same fused weights as the single-task path. Tolerances:
 * k-alignments and activation-groups run the very same core code on another thread, so the
 * weights are identical (0); the MLP layer loop used by block mode differs from core's graph
 * fusion only in the order of float32 operations (1e-5 absolute on weights of magnitude ~0.1);
 * block Sinkhorn iterates in the scaling domain what core iterates in the log domain (plans within
 * 1e-9 absolute at tolerance 1e-12, costs within 1e-9 relative).
 */
@ExtendWith(SparkExtension.class)
class DistributedFuserTest {
  @TempDir Path tmp;

  static List<ModelAdapter.Model> models(int k) throws Exception {
    Zoo zoo = Zoo.at(TestZoo.root().resolve("zoo").toString());
    List<ModelAdapter.Model> out = new ArrayList<>();
    for (ModelMeta m : zoo.list()) {
      if (m.widths().equals(List.of(24, 12)) && out.size() < k) {
        out.add(ModelAdapter.load(zoo, m));
      }
    }
    return out;
  }

  static INDArray samples() throws Exception {
    return DataCache.get(DatasetName.FASHION_MNIST, TestZoo.root().resolve("data/fashion-mnist").toString(),
        Split.TRAIN).head(100).features();
  }

  static void assertSameWeights(ModelAdapter.Model expected, ModelAdapter.Model actual, double tol, String what) {
    Map<String, INDArray> e = ModelAdapter.network(expected).params().asMap();
    Map<String, INDArray> a = ModelAdapter.network(actual).params().asMap();
    assertEquals(e.keySet(), a.keySet(), what);
    for (String name : e.keySet()) {
      double diff = e.get(name).castTo(DataType.DOUBLE).sub(a.get(name).castTo(DataType.DOUBLE)).amaxNumber()
          .doubleValue();
      if (!(diff <= tol)) {
        fail(what + ": " + name + " differs by " + diff + " > " + tol);
      }
    }
  }

  static SweepConfig.Distribute dist(boolean k, boolean groups, long cells) {
    return new SweepConfig.Distribute(k, groups, cells, 8);
  }

  @Test
  void kAlignmentsAndActivationGroupsEqualTheLocalFusion(SparkSession spark) throws Exception {
    List<ModelAdapter.Model> ms = models(3);
    INDArray x = samples();
    for (FusionMode mode : FusionMode.values()) {
      for (SolverKind solver : SolverKind.values()) {
        FusionOptions o = FusionOptions.defaults().withMode(mode).withSolver(solver, 0.05)
            .withCost(GroundMetric.EUCLIDEAN, CostNormalization.MAX).withEnsembleStep(1.0 / 3);
        ModelAdapter.Fused local = ModelAdapter.fuse(ms, 2, o, x, null);
        ModelAdapter.Fused k = new DistributedFuser(spark, dist(true, false, 0)).fuse(ms, 2, o, x, null);
        assertSameWeights(local.model(), k.model(), 0, "k-alignments " + mode + " " + solver);
        assertEquals(ModelAdapter.CPU_BACKEND, k.backend()); // no GPU assigned: the tasks ran on the CPU
        assertEquals(local.reports().get(1).get(0).otCost(), k.reports().get(1).get(0).otCost());
        if (mode == FusionMode.ACTIVATIONS) {
          ModelAdapter.Fused g = new DistributedFuser(spark, dist(false, true, 0)).fuse(ms, 2, o, x, null);
          assertSameWeights(local.model(), g.model(), 0, "activation-groups " + solver);
          assertEquals(local.reports().get(0).get(1).otCost(), g.reports().get(0).get(1).otCost());
        }
      }
    }
  }

  @Test
  void blockSinkhornEqualsTheLocalSolver(SparkSession spark) {
    Random r = new Random(3);
    INDArray x = Nd4j.rand(DataType.FLOAT, 61, 20).addi(r.nextFloat());
    INDArray y = Nd4j.rand(DataType.FLOAT, 47, 20);
    for (CostNormalization norm : List.of(CostNormalization.NONE, CostNormalization.MAX, CostNormalization.MEAN)) {
      INDArray c = GroundCost.compute(x, y, GroundMetric.SQEUCLIDEAN, norm);
      TransportPlan local = new Sinkhorn(new SinkhornOptions(0.5, 1e-12, 100_000)).solve(
          Nd4j.valueArrayOf(new long[] {61}, 1.0 / 61, DataType.DOUBLE),
          Nd4j.valueArrayOf(new long[] {47}, 1.0 / 47, DataType.DOUBLE), c);
      TransportPlan block = new BlockSinkhorn(spark, 0, 16).solveDistributed(x, y, GroundMetric.SQEUCLIDEAN, norm,
          0.5, 1e-12, 100_000);
      double diff = local.plan().sub(block.plan()).amaxNumber().doubleValue();
      assertTrue(diff <= 1e-9, norm + ": plans differ by " + diff);
      assertEquals(local.cost(), block.cost(), 1e-9 * local.cost(), norm.toString());
      // Iteration counts may differ: the local solver over-relaxes its updates (core Sinkhorn),
      // the block solver runs plain Sinkhorn steps; both stop on the same marginal tolerance.
      assertTrue(block.iterations() > 1, "iterations " + block.iterations());
    }
  }

  @Test
  void blockModeAndTheLayerLoopEqualTheLocalFusion(SparkSession spark) throws Exception {
    List<ModelAdapter.Model> ms = models(2);
    INDArray x = samples();
    for (FusionMode mode : FusionMode.values()) {
      FusionOptions o = FusionOptions.defaults().withMode(mode).withSolver(SolverKind.SINKHORN, 0.05)
          .withCost(GroundMetric.EUCLIDEAN, CostNormalization.MAX).withSinkhornStopping(1e-10, 100_000);
      ModelAdapter.Fused local = ModelAdapter.fuse(ms, 1, o, x, null);
      ModelAdapter.Aligned loop = ModelAdapter.alignLayers(ms.get(0), ms.get(1), o, x, ModelAdapter.LOCAL_SOLVER);
      assertSameWeights(local.model(), ModelAdapter.average(ms, 1, List.of(loop), 0.5, ModelAdapter.CPU_BACKEND).model(), 1e-5,
          "layer loop " + mode);
      ModelAdapter.Fused block = new DistributedFuser(spark, dist(false, false, 1)).fuse(ms, 1, o, x, null);
      assertSameWeights(local.model(), block.model(), 1e-5, "block " + mode);
    }
  }

  @Test
  void aSweepWithKAlignmentsGivesTheSameRowsAsTasks(SparkSession spark) throws Exception {
    List<String> base = TestZoo.overrides("plain", tmp.resolve("results"));
    base.addAll(List.of("select.widths=[[24,12]]", "sweep.group-sizes=[3]", "sweep.modes=[weights,activations]"));
    SweepJobTest.run(spark, SweepJobTest.conf(tmp), base);
    List<String> dist = new ArrayList<>(base);
    dist.addAll(List.of("sweep-id=distributed", "run.distribute.k-alignments=true"));
    SweepJobTest.run(spark, SweepJobTest.conf(tmp), dist);
    List<Row> rows = ResultTable.read(spark, tmp.resolve("results").toString())
        .filter("method = 'ot'").orderBy("point_id", "sweep_id").collectAsList();
    assertEquals(4, rows.size());
    for (int i = 0; i < rows.size(); i += 2) {
      Row d = rows.get(i);
      Row p = rows.get(i + 1);
      assertEquals("distributed", d.getAs("sweep_id"));
      assertEquals("k-alignments", d.getAs("distribution"));
      assertEquals("task", p.getAs("distribution"));
      assertEquals(p.<String>getAs("point_id"), d.getAs("point_id"));
      assertEquals(p.<Double>getAs("accuracy"), d.<Double>getAs("accuracy"));
      assertEquals(p.<Double>getAs("ot_cost_total"), d.<Double>getAs("ot_cost_total"));
    }
  }
}
