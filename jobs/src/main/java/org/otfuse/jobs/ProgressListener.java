package org.otfuse.jobs;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.spark.scheduler.AccumulableInfo;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Logs one line on the driver per finished point, with its key numbers, as the task ends: tasks
 * add their summary to a named accumulator, whose per-task update arrives with the task-end event
 * (so the lines come from the driver on a cluster too, not only in executor logs).
 */
public final class ProgressListener extends SparkListener {
  private static final Logger LOG = LoggerFactory.getLogger("org.otfuse.jobs.Progress");
  /** Name of the accumulator the tasks report to. */
  public static final String ACCUMULATOR = "otfuse.points";

  private final AtomicInteger done = new AtomicInteger();
  private volatile int total;

  /** Sets the number of points of the current run (for "n/total"). */
  public void expect(int n) {
    total = n;
    done.set(0);
  }

  @Override
  public void onTaskEnd(SparkListenerTaskEnd end) {
    if (!"Success".equals(end.reason().getClass().getSimpleName().replace("$", ""))) {
      return;
    }
    for (AccumulableInfo info : scala.jdk.javaapi.CollectionConverters.asJava(end.taskInfo().accumulables())) {
      if (info.name().isDefined() && ACCUMULATOR.equals(info.name().get()) && info.update().isDefined()) {
        Object u = info.update().get();
        if (u instanceof List<?> lines) {
          for (Object line : lines) {
            LOG.info("[{}/{}] {}", done.incrementAndGet(), total, line);
          }
        }
      }
    }
  }
}
