package org.otfuse.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.otfuse.core.zoo.ModelMeta;
import org.otfuse.core.zoo.Zoo;

/** {@code train-zoo} (one task per model, skipping present ones), {@code compress}, and start-up errors. */
@ExtendWith(SparkExtension.class)
class ZooAndCompressJobTest {
  @TempDir Path tmp;

  @Test
  void trainZooThenCompressBatch(SparkSession spark) throws Exception {
    Path zooDir = tmp.resolve("zoo");
    Path data = TestZoo.root().resolve("data");
    Path conf = tmp.resolve("zoo.conf");
    Files.writeString(conf, "otfuse {\n  sweep-id = batch\n  zoo.models {\n    widths = [[16, 8]]\n"
        + "    seeds = [0, 1, 2]\n    epochs = 1\n    batch-size = 32\n    learning-rate = 0.05\n  }\n"
        + "  compression {\n    width-factors = [0.5, 0.75]\n    finetune-epochs = 1\n  }\n"
        + "  sweep.finetune.train-limit = 500\n}\n");
    List<String> paths = List.of("zoo.dir=" + zooDir, "data.dir=" + data, "data.install=false",
        "results=" + tmp.resolve("results"));
    String out = run(spark, "train-zoo", conf, paths);
    assertTrue(out.contains("trained 3 models"), out);
    List<ModelMeta> zoo = Zoo.at(zooDir.toString()).list();
    assertEquals(3, zoo.size());
    assertEquals(List.of(16, 8), zoo.get(0).widths());
    assertTrue(run(spark, "train-zoo", conf, paths).contains("trained 0 models"));

    out = run(spark, "compress", conf, paths);
    assertTrue(out.contains("6 points, 0 skipped"), out);
    Dataset<Row> rows = ResultTable.readSweep(spark, tmp.resolve("results").toString(), "batch");
    // per point: parent, compress_ot, compress_ot_finetuned, compress_magnitude, compress_magnitude_finetuned
    assertEquals(6 * 5, rows.count());
    assertEquals(0, rows.filter("status != 'ok'").count());
    Row half = rows.filter("method = 'compress_ot' and width_factor = 0.5").first();
    assertEquals("8x4", half.getAs("result_widths"));
  }

  @Test
  void badConfigurationExitsWithTheKeyAndFile(SparkSession spark) throws Exception {
    Path conf = tmp.resolve("bad.conf");
    Files.writeString(conf, "otfuse {\n  sweep-id = x\n  sweep { modez = [weights] }\n}\n");
    PrintStream err = System.err;
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    System.setErr(new PrintStream(buf, true, StandardCharsets.UTF_8));
    try {
      assertEquals(2, Main.run(new String[] {"sweep", conf.toString()}, System.out, spark));
    } finally {
      System.setErr(err);
    }
    String msg = buf.toString(StandardCharsets.UTF_8);
    assertTrue(msg.contains("otfuse.sweep.modez") && msg.contains("bad.conf: 3"), msg);
  }

  static String run(SparkSession spark, String cmd, Path conf, List<String> overrides) throws Exception {
    String[] argv = new String[overrides.size() + 2];
    argv[0] = cmd;
    argv[1] = conf.toString();
    for (int i = 0; i < overrides.size(); i++) {
      argv[i + 2] = overrides.get(i);
    }
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    assertEquals(0, Main.run(argv, new PrintStream(buf, true, StandardCharsets.UTF_8), spark));
    return buf.toString(StandardCharsets.UTF_8);
  }
}
