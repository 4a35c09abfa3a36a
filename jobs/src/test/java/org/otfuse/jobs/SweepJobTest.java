package org.otfuse.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** End to end through {@link Main}: rows per point and method, resume, and recomputing a deleted partition. */
@ExtendWith(SparkExtension.class)
class SweepJobTest {
  @TempDir Path tmp;

  static String[] argv(Path conf, List<String> overrides) {
    List<String> a = new ArrayList<>(List.of("sweep", conf.toString()));
    a.addAll(overrides);
    return a.toArray(String[]::new);
  }

  static String run(SparkSession spark, Path conf, List<String> overrides) throws Exception {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    int rc = Main.run(argv(conf, overrides), new PrintStream(buf, true, StandardCharsets.UTF_8), spark);
    assertEquals(0, rc);
    return buf.toString(StandardCharsets.UTF_8);
  }

  static Path conf(Path dir) throws Exception {
    Path f = dir.resolve("test.conf");
    Files.writeString(f, "otfuse {\n  sweep {\n    group-sizes = [2, 3]\n    modes = [weights, activations]\n"
        + "    activations.samples = 100\n  }\n}\n");
    return f;
  }

  @Test
  void rowsPerPointAndMethodResumeAndPartitionRecompute(SparkSession spark) throws Exception {
    Path results = tmp.resolve("results");
    List<String> o = TestZoo.overrides("resume", results);
    String out = run(spark, conf(tmp), o);
    assertTrue(out.contains("16 points, 0 skipped"), out);
    assertTrue(out.contains("results: " + results.resolve("sweep_id=resume")), out);
    Dataset<Row> rows = ResultTable.readSweep(spark, results.toString(), "resume");
    // 2 families x (3 pairs x 5 rows + 1 triple x 6 rows) x 2 modes
    assertEquals(2 * (3 * 5 + 6) * 2, rows.count());
    assertEquals(rows.count(), rows.select("point_id", "method", "model_id").distinct().count());
    assertEquals(0, rows.filter("status != 'ok'").count());
    assertEquals(16, rows.filter("method = 'ot'").count());
    assertEquals(List.of("ensemble", "ot", "parent", "vanilla"),
        rows.select("method").distinct().orderBy("method").as(org.apache.spark.sql.Encoders.STRING()).collectAsList());
    Row ot = rows.filter("method = 'ot' and mode = 'weights' and group_size = 2").first();
    assertEquals(2, ot.<scala.collection.Seq<?>>getAs("ot_cost").size());
    assertTrue(ot.<Double>getAs("ot_cost_total") > 0);

    String again = run(spark, conf(tmp), o);
    assertTrue(again.contains("16 points, 16 skipped (already in the results), 0 run"), again);
    assertEquals(rows.count(), ResultTable.readSweep(spark, results.toString(), "resume").count());

    Path bucket;
    try (var dirs = Files.list(results.resolve("sweep_id=resume"))) {
      bucket = dirs.filter(p -> p.getFileName().toString().startsWith("point_bucket=")).sorted().findFirst()
          .orElseThrow();
    }
    int b = Integer.parseInt(bucket.getFileName().toString().substring("point_bucket=".length()));
    long inBucket = rows.filter("point_bucket = " + b).select("point_id").distinct().count();
    long total = rows.count();
    deleteTree(bucket);
    String third = run(spark, conf(tmp), o);
    assertTrue(third.contains((16 - inBucket) + " skipped (already in the results), " + inBucket + " run"), third);
    Dataset<Row> after = ResultTable.readSweep(spark, results.toString(), "resume");
    assertEquals(total, after.count());
    assertEquals(total, after.select("point_id", "method", "model_id").distinct().count());
  }

  /**
   * {@code run.backend = cuda} on a machine without a GPU (or without Spark GPU resources): each
   * task asks {@code Backends.forTask} for its GPU, falls back to the CPU with a logged reason,
   * and the rows say what ran.
   */
  @Test
  void cudaRequestedWithoutGpuFallsBackAndRowsSaySo(SparkSession spark) throws Exception {
    Path results = tmp.resolve("results");
    List<String> o = TestZoo.overrides("backend", results);
    o.addAll(List.of("run.backend=cuda", "select.widths=[[24,12]]", "sweep.max-groups=1"));
    String out = run(spark, conf(tmp), o);
    assertTrue(out.contains("4 points, 0 skipped"), out);
    Dataset<Row> rows = ResultTable.readSweep(spark, results.toString(), "backend");
    assertEquals(0, rows.filter("status != 'ok'").count());
    assertEquals(List.of("cpu-nd4j"), rows.select("backend").distinct()
        .as(org.apache.spark.sql.Encoders.STRING()).collectAsList());
  }

  static void deleteTree(Path p) throws Exception {
    try (var walk = Files.walk(p)) {
      for (Path x : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(x);
      }
    }
  }
}
