package org.otfuse.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.otfuse.core.zoo.Zoo;

/**
 * Failures under local[2,2] (two attempts per task): a transient failure is retried and its point
 * written once; a point that always fails becomes a failed row and the sweep completes; a corrupt
 * checkpoint gives failed rows naming the file.
 */
@ExtendWith(SparkExtension.class)
@SparkExtension.Master("local[2,2]")
class FaultTest {
  @TempDir Path tmp;

  @Test
  void retriedOnceFailedRowAndSweepGoesOn(SparkSession spark) throws Exception {
    Path results = tmp.resolve("results");
    List<String> o = TestZoo.overrides("faults", results);
    // Point 0 fails on its first attempt only; point 1 on every attempt.
    o.addAll(List.of("select.widths=[[24,12]]", "testing.fail-points=[0]", "testing.fail-attempts=1"));
    String out = SweepJobTest.run(spark, SweepJobTest.conf(tmp), o);
    assertTrue(out.contains("8 points, 0 skipped"), out);
    Dataset<Row> rows = ResultTable.readSweep(spark, results.toString(), "faults");
    Dataset<Row> p0 = rows.filter("point_index = 0");
    assertEquals(5, p0.count(), "point 0: 2 parents, ensemble, vanilla, ot, once");
    assertEquals(1, p0.select("attempt").distinct().first().getInt(0), "written by the second attempt");
    assertEquals(0, rows.filter("status = 'failed'").count());

    List<String> always = TestZoo.overrides("faults2", results);
    always.addAll(List.of("select.widths=[[24,12]]", "testing.fail-points=[1]", "testing.fail-attempts=-1"));
    out = SweepJobTest.run(spark, SweepJobTest.conf(tmp), always);
    assertTrue(out.contains("failed points: 1"), out);
    Dataset<Row> rows2 = ResultTable.readSweep(spark, results.toString(), "faults2");
    Row failed = rows2.filter("status = 'failed'").first();
    assertEquals(1, failed.<Integer>getAs("point_index"));
    assertEquals("point", failed.getAs("method"));
    assertTrue(failed.<String>getAs("error").contains("injected failure of point 1 on attempt 1"),
        failed.<String>getAs("error"));
    assertEquals(1, rows2.filter("point_index = 1").count());
    assertEquals(7, rows2.filter("status = 'ok'").select("point_id").distinct().count());
  }

  @Test
  void corruptCheckpointGivesFailedRowsNamingTheFile(SparkSession spark) throws Exception {
    Path zooDir = TestZoo.copyZoo(tmp.resolve("zoo"));
    Zoo zoo = Zoo.at(zooDir.toString());
    String bad = "fashion-mnist_mlp-24x12_s1_full_e1";
    Files.write(Path.of(zoo.checkpointPath(bad)), new byte[] {0x50, 0x4b, 0x03, 0x04, 1, 2, 3});
    Path results = tmp.resolve("results");
    List<String> o = TestZoo.overrides("corrupt", results);
    o.addAll(List.of("zoo.dir=" + zooDir, "select.widths=[[24,12]]", "sweep.modes=[weights]",
        "sweep.group-sizes=[2]"));
    String out = SweepJobTest.run(spark, SweepJobTest.conf(tmp), o);
    Dataset<Row> rows = ResultTable.readSweep(spark, results.toString(), "corrupt");
    // Pairs (s0,s1) and (s1,s2) contain the corrupt model; (s0,s2) does not.
    List<Row> failed = rows.filter("status = 'failed'").collectAsList();
    assertEquals(2, failed.size(), out);
    for (Row r : failed) {
      String error = r.getAs("error");
      assertTrue(error.contains(zoo.checkpointPath(bad)), error);
      assertEquals(0, r.<Integer>getAs("attempt"), "a corrupt file is not retried");
    }
    assertEquals(5, rows.filter("status = 'ok'").count());
  }
}
