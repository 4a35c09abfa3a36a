package org.otfuse.jobs;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.util.CollectionAccumulator;
import org.otfuse.core.sweep.PointKind;
import org.otfuse.core.sweep.PointRunner;
import org.otfuse.core.sweep.ResultRow;
import org.otfuse.core.sweep.ResultSchema.Column;
import org.otfuse.core.sweep.SweepConfig;
import org.otfuse.core.sweep.SweepPlanner;
import org.otfuse.core.sweep.SweepPoint;
import org.otfuse.core.zoo.ModelMeta;
import org.otfuse.core.zoo.Zoo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code sweep} and {@code compress}: trains missing zoo models (when asked), expands the sweep
 * into points, skips those already in the results (resume), runs the rest as one Spark task each
 * and appends their rows to the Parquet table ({@link ResultTable}) in commit batches of
 * {@code run.commit-every} points. With a {@code run.distribute} mode on, fusion points run one at
 * a time with their inner work spread over the executors instead ({@link DistributedFuser}).
 */
public final class SweepJob {
  private static final Logger LOG = LoggerFactory.getLogger(SweepJob.class);

  private SweepJob() {}

  /** What a run did. */
  public record Outcome(String sweepId, String sweepDir, int points, int skipped, int ran, int failedRows,
      double seconds) {}

  /**
   * Runs the fusion and/or compression points of {@code cfg}.
   *
   * @param listener progress logger registered on the session (may be null)
   */
  public static Outcome run(SparkSession spark, SweepConfig cfg, boolean fusion, boolean compression,
      ProgressListener listener) throws IOException {
    long t0 = System.nanoTime();
    String sweepId = cfg.requireSweepId();
    if (cfg.zoo().trainMissing()) {
      ZooJob.trainMissing(spark, cfg);
    }
    Zoo zoo = Zoo.at(cfg.zoo().dir());
    List<ModelMeta> metas = zoo.list();
    List<ModelMeta> selected = SweepPlanner.select(cfg.select(), metas);
    if (selected.isEmpty()) {
      throw new IllegalArgumentException("zoo " + zoo.dir() + " has " + metas.size() + " models but otfuse.select"
          + " selects none of them; train a zoo (train-zoo, or zoo.train-missing = true) or widen the selection");
    }
    Set<String> datasets = new LinkedHashSet<>();
    selected.forEach(m -> datasets.add(m.dataset()));
    ZooJob.installData(cfg, datasets);

    List<SweepPoint> points = SweepPlanner.plan(cfg, metas, fusion, compression);
    String dir = ResultTable.sweepDir(cfg.results(), sweepId);
    ResultTable.cleanStale(cfg.results(), sweepId);
    Set<String> done = ResultTable.committedPointIds(spark, cfg.results(), sweepId);
    List<SweepPoint> todo = points.stream().filter(p -> !done.contains(p.pointId())).toList();
    LOG.info("sweep {}: {} points ({} fusion, {} compression), {} already in {} (skipped), {} to run",
        sweepId, points.size(), points.stream().filter(p -> p.kind() == PointKind.FUSION).count(),
        points.stream().filter(p -> p.kind() == PointKind.COMPRESSION).count(), points.size() - todo.size(), dir,
        todo.size());
    if (listener != null) {
      listener.expect(todo.size());
    }
    int batch = cfg.run().commitEvery() == 0 ? Math.max(1, todo.size()) : cfg.run().commitEvery();
    SweepConfig.Distribute dist = cfg.run().distribute();
    boolean driverSide = dist.kAlignments() || dist.activationGroups() || dist.blockCostCells() > 0;
    for (int from = 0; from < todo.size(); from += batch) {
      List<SweepPoint> part = todo.subList(from, Math.min(todo.size(), from + batch));
      if (driverSide) {
        List<SweepPoint> tasks = part.stream().filter(p -> p.kind() != PointKind.FUSION).toList();
        List<SweepPoint> local = part.stream().filter(p -> p.kind() == PointKind.FUSION).toList();
        if (!tasks.isEmpty()) {
          writeAsTasks(spark, cfg, tasks, dir);
        }
        if (!local.isEmpty()) {
          writeFromDriver(spark, cfg, local, dir, new DistributedFuser(spark, dist, cfg.run().backend()));
        }
      } else {
        writeAsTasks(spark, cfg, part, dir);
      }
      LOG.info("sweep {}: committed {} of {} points", sweepId, Math.min(todo.size(), from + batch), todo.size());
    }
    int failed = (int) ResultTable.readSweep(spark, cfg.results(), sweepId)
        .filter(Column.STATUS.column() + " = 'failed'").count();
    return new Outcome(sweepId, dir, points.size(), points.size() - todo.size(), todo.size(), failed,
        (System.nanoTime() - t0) / 1e9);
  }

  static PointTask.Settings settings(SparkSession spark, SweepConfig cfg) {
    String models = cfg.sweep().writeModels()
        ? new Path(new Path(cfg.results(), "_models"), Column.SWEEP_ID.column() + "=" + cfg.sweepId()).toString()
        : null;
    return new PointTask.Settings(cfg.zoo().dir(), cfg.data().dir(), models, cfg.run().buckets(),
        SparkSetup.maxFailures(spark), spark.version(), cfg.run().backend(), cfg.testing());
  }

  /** One Spark task per point; the write commits the batch. */
  static void writeAsTasks(SparkSession spark, SweepConfig cfg, List<SweepPoint> points, String dir) {
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    CollectionAccumulator<String> progress = spark.sparkContext().collectionAccumulator(ProgressListener.ACCUMULATOR);
    jsc.setJobGroup("otfuse-sweep", "sweep " + cfg.sweepId() + ": " + points.size() + " points", false);
    try {
      JavaRDD<Row> rows = jsc.parallelize(new ArrayList<>(points), points.size())
          .mapPartitions(new PointTask(settings(spark, cfg), progress));
      write(spark.createDataFrame(rows, ResultTable.fileSchema()), dir);
    } finally {
      jsc.clearJobGroup();
    }
  }

  /** Runs points on the driver (their inner work distributed by {@code fuser}); one write for the batch. */
  static void writeFromDriver(SparkSession spark, SweepConfig cfg, List<SweepPoint> points, String dir,
      PointRunner.Fuser fuser) {
    PointTask.Settings s = settings(spark, cfg);
    List<Row> rows = new ArrayList<>();
    for (SweepPoint p : points) {
      // The driver holds no transport backend: k-alignments tasks open their own, the other modes
      // run core's ND4J CPU path.
      PointRunner.Env env = new PointRunner.Env(s.zooDir(), s.dataDir(), s.modelsOut(), s.buckets(), 0, "driver",
          s.sparkVersion(), DistributedFuser.label(cfg.run().distribute()), fuser, null);
      long t0 = System.nanoTime();
      List<ResultRow> out;
      try {
        out = PointRunner.run(p, env);
      } catch (Exception e) {
        out = List.of(PointRunner.failedRow(p, e, env));
      }
      LOG.info(String.format(java.util.Locale.ROOT, "point %d %s (%s) in %.1f s: %s", p.index(), p.pointId(),
          p.describe(), (System.nanoTime() - t0) / 1e9, PointRunner.summary(out)));
      out.forEach(r -> rows.add(ResultTable.toFileRow(r)));
    }
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    write(spark.createDataFrame(jsc.parallelize(rows, 1), ResultTable.fileSchema()), dir);
  }

  private static void write(Dataset<Row> df, String dir) {
    df.write().mode(SaveMode.Append).partitionBy(Column.POINT_BUCKET.column()).parquet(dir);
  }
}
