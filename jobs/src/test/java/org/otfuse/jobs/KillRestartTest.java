package org.otfuse.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sweep killed (SIGKILL) in a separate JVM after its first commit, then restarted: the restart
 * skips the committed points, removes the killed run's uncommitted output ({@link
 * ResultTable#cleanStale}), and every point ends up in the table exactly once.
 */
@ExtendWith(SparkExtension.class)
class KillRestartTest {
  @TempDir Path tmp;

  @Test
  void killedMidRunAndRestartedWritesEveryPointOnce(SparkSession spark) throws Exception {
    Path results = tmp.resolve("results");
    Path conf = SweepJobTest.conf(tmp);
    List<String> o = TestZoo.overrides("killed", results);
    o.addAll(List.of("select.widths=[[24,12]]", "sweep.modes=[weights]", "run.commit-every=1"));

    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
        .filter(a -> !a.startsWith("-agentlib") && !a.startsWith("-javaagent")).toList());
    cmd.addAll(List.of("-Dspark.master=local[2]", "-Dspark.ui.enabled=false", "-cp",
        System.getProperty("java.class.path"), Main.class.getName()));
    cmd.addAll(List.of(SweepJobTest.argv(conf, o)));
    cmd.add("testing.sleep-ms=1500");
    Process child = new ProcessBuilder(cmd).redirectErrorStream(true)
        .redirectOutput(tmp.resolve("child.log").toFile()).start();
    Path sweep = results.resolve("sweep_id=killed");
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (!hasParquet(sweep) && child.isAlive() && System.nanoTime() < deadline) {
      Thread.sleep(200);
    }
    assertTrue(child.isAlive(), "the child finished before it could be killed: " + Files.readString(tmp.resolve("child.log")));
    assertTrue(hasParquet(sweep), "no commit within 120 s: " + Files.readString(tmp.resolve("child.log")));
    Thread.sleep(500); // into the next batch
    child.destroyForcibly().waitFor(30, TimeUnit.SECONDS);

    // A task output the killed run had committed but its job had not, where FileOutputCommitter
    // (algorithm 1) finds committed tasks (_temporary/<app attempt 0>/task_*): a copy of a committed
    // point's file. Unless the restart removes it first (ResultTable.cleanStale), the restart's
    // first job commit moves it into the table and that point's rows appear twice.
    Path committed = firstCommittedParquet(sweep);
    Path stale = sweep.resolve("_temporary").resolve("0").resolve("task_202001010000_0001_m_000007")
        .resolve(sweep.relativize(committed).getParent()).resolve("part-99999-stale.c000.snappy.parquet");
    Files.createDirectories(stale.getParent());
    Files.copy(committed, stale);

    String out = SweepJobTest.run(spark, conf, o);
    assertTrue(out.matches("(?s).*4 points, [1-3] skipped.*"), out);
    Dataset<Row> rows = ResultTable.readSweep(spark, results.toString(), "killed");
    assertEquals(4, rows.select("point_id").distinct().count());
    // 3 pairs x 5 rows + 1 triple x 6 rows
    assertEquals(3 * 5 + 6, rows.count());
    assertEquals(rows.count(), rows.select("point_id", "method", "model_id").distinct().count());
    try (var walk = Files.walk(sweep)) {
      assertTrue(walk.noneMatch(p -> p.getFileName().equals(stale.getFileName())),
          "the killed run's stale task output reached the table");
    }
    // (a job commit deletes _temporary anyway: the planted file above is what checks the cleanup)
    assertTrue(!Files.exists(sweep.resolve("_temporary")));
  }

  /**
   * Whether {@code dir} holds a committed Parquet file, listed while the child writes it. Not
   * {@link ResultTable#hasParquet}: Hadoop's local listing reads each entry's permissions with
   * {@code ls} and fails when the child's task commit moves an attempt directory meanwhile.
   */
  static boolean hasParquet(Path dir) throws Exception {
    if (!Files.exists(dir)) {
      return false;
    }
    try (var walk = Files.walk(dir)) {
      return walk.anyMatch(p -> p.toString().endsWith(".parquet") && !p.toString().contains("_temporary"));
    }
  }

  /** The first (by path) Parquet file of {@code sweep} outside {@code _temporary}. */
  private static Path firstCommittedParquet(Path sweep) throws Exception {
    try (var walk = Files.walk(sweep)) {
      return walk.filter(p -> p.getFileName().toString().endsWith(".parquet"))
          .filter(p -> !sweep.relativize(p).toString().startsWith("_temporary"))
          .sorted().findFirst().orElseThrow();
    }
  }
}
