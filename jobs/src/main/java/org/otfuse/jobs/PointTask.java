package org.otfuse.jobs;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.SparkEnv;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.sql.Row;
import org.apache.spark.resource.ResourceInformation;
import org.apache.spark.util.CollectionAccumulator;
import org.otfuse.core.backend.Backends;
import org.otfuse.core.backend.TransportBackend;
import org.otfuse.core.sweep.PointRunner;
import org.otfuse.core.sweep.ResultRow;
import org.otfuse.core.sweep.SweepConfig;
import org.otfuse.core.sweep.SweepPoint;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Spark task of a sweep: runs its point(s) with {@link PointRunner} and returns their rows.
 *
 * <p><b>Failures.</b> An exception is rethrown, so that Spark retries the task, unless retrying
 * cannot help ({@link PointRunner#isDeterministic}: corrupt file, bad settings) or this is the last
 * attempt Spark will make ({@code attempt + 1 >= maxFailures}); then the point becomes one row with
 * {@code status = failed} and the error, and the sweep goes on. Only the attempt that succeeds
 * commits its output, so a retried point is written once.
 *
 * <p><b>GPU.</b> Each task opens its transport backend with {@link Backends#forTask}: the GPU Spark
 * assigned to it ({@code TaskContext.resourcesJMap().get("gpu").addresses()}, with
 * {@code spark.executor.resource.gpu.amount} and {@code spark.task.resource.gpu.amount}) when
 * {@code run.backend} asks for it, else the CPU (with a logged reason when a GPU was asked for but
 * is missing); the rows record which ran ({@code backend}); the backend is closed when the task ends.
 */
public final class PointTask implements FlatMapFunction<Iterator<SweepPoint>, Row> {
  private static final long serialVersionUID = 1L;
  private static final Logger LOG = LoggerFactory.getLogger(PointTask.class);

  /** What every task of a run needs (serializable; no Config, no SparkSession). */
  public record Settings(String zooDir, String dataDir, String modelsOut, int buckets, int maxFailures,
      String sparkVersion, SweepConfig.BackendChoice backend, SweepConfig.Testing testing) implements Serializable {
    private static final long serialVersionUID = 1L;
  }

  private final Settings settings;
  private final CollectionAccumulator<String> progress;

  public PointTask(Settings settings, CollectionAccumulator<String> progress) {
    this.settings = settings;
    this.progress = progress;
  }

  @Override
  public Iterator<Row> call(Iterator<SweepPoint> points) throws Exception {
    ExecutorSetup.ensure();
    TaskContext tc = TaskContext.get();
    int attempt = tc == null ? 0 : tc.attemptNumber();
    String executor = SparkEnv.get() == null ? "driver" : SparkEnv.get().executorId();
    List<Row> out = new ArrayList<>();
    if (!points.hasNext()) {
      return out.iterator();
    }
    String[] gpus = gpuAddresses(tc);
    try (TransportBackend backend = Backends.forTask(gpus, settings.backend().preferGpu(gpus))) {
      LOG.info("task of partition {} (attempt {}): transport backend {}, GPU addresses {}",
          tc == null ? -1 : tc.partitionId(), attempt, backend.name(), java.util.Arrays.toString(gpus));
      while (points.hasNext()) {
        SweepPoint p = points.next();
        PointRunner.Env env = new PointRunner.Env(settings.zooDir(), settings.dataDir(), settings.modelsOut(),
            settings.buckets(), attempt, executor, settings.sparkVersion(), "task", PointRunner.LOCAL, backend);
        List<ResultRow> rows = runOrFail(p, env, attempt);
        for (ResultRow r : rows) {
          out.add(ResultTable.toFileRow(r));
        }
      }
    }
    return out.iterator();
  }

  /** The GPU addresses Spark assigned to the running task (empty outside a task or without GPUs). */
  static String[] gpuAddresses(TaskContext tc) {
    if (tc == null) {
      return new String[0];
    }
    ResourceInformation gpu = tc.resourcesJMap().get("gpu");
    return gpu == null ? new String[0] : gpu.addresses();
  }

  private List<ResultRow> runOrFail(SweepPoint p, PointRunner.Env env, int attempt) throws Exception {
    long t0 = System.nanoTime();
    try {
      SweepConfig.Testing testing = settings.testing();
      if (testing.sleepMs() > 0) {
        Thread.sleep(testing.sleepMs());
      }
      if (testing.shouldFail(p.index(), attempt)) {
        throw new IllegalStateException("injected failure of point " + p.index() + " on attempt " + attempt
            + " (otfuse.testing)");
      }
      List<ResultRow> rows = PointRunner.run(p, env);
      report(p, rows, t0);
      return rows;
    } catch (Exception | Error e) {
      boolean last = attempt + 1 >= settings.maxFailures();
      if (!last && !PointRunner.isDeterministic(e) && !(e instanceof InterruptedException)) {
        LOG.warn("point {} ({}) failed on attempt {} of {}; Spark retries it: {}", p.pointId(), p.describe(),
            attempt + 1, settings.maxFailures(), PointRunner.describe(e));
        throw e;
      }
      if (e instanceof InterruptedException) {
        throw e;
      }
      List<ResultRow> rows = List.of(PointRunner.failedRow(p, e, env));
      report(p, rows, t0);
      return rows;
    }
  }

  private void report(SweepPoint p, List<ResultRow> rows, long t0) {
    String line = String.format(java.util.Locale.ROOT, "point %d %s (%s) in %.1f s: %s", p.index(), p.pointId(),
        p.describe(), (System.nanoTime() - t0) / 1e9, PointRunner.summary(rows));
    if (progress != null) {
      progress.add(line);
    }
  }
}
