package org.otfuse.jobs;

import java.util.List;
import org.apache.spark.sql.SparkSession;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.otfuse.core.fusion.FusionOptions;
import org.otfuse.core.sweep.ModelAdapter;
import org.otfuse.core.sweep.PointRunner;
import org.otfuse.core.sweep.SweepConfig;

/** OT fusion of one point with its inner work spread over the executors (see {@code run.distribute}). */
public final class DistributedFuser implements PointRunner.Fuser {
  private final SparkSession spark;
  private final SweepConfig.Distribute dist;

  public DistributedFuser(SparkSession spark, SweepConfig.Distribute dist) {
    this.spark = spark;
    this.dist = dist;
  }

  /** The {@code distribution} column value for these settings. */
  public static String label(SweepConfig.Distribute d) {
    List<String> parts = new java.util.ArrayList<>();
    if (d.kAlignments()) {
      parts.add("k-alignments");
    }
    if (d.activationGroups()) {
      parts.add("activation-groups");
    }
    if (d.blockCostCells() > 0) {
      parts.add("block");
    }
    return parts.isEmpty() ? "task" : String.join("+", parts);
  }

  @Override
  public ModelAdapter.Fused fuse(List<ModelAdapter.Model> models, int target, FusionOptions o, INDArray samples) {
    return ModelAdapter.fuse(models, target, o, samples);
  }
}
