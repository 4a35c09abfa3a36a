package org.otfuse.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.otfuse.core.zoo.ModelMeta;
import org.otfuse.core.zoo.SyntheticImages;
import org.otfuse.core.zoo.Zoo;

/**
 * Zoos and sweeps of convolutional networks end to end through {@link Main}: {@code train-zoo}
 * trains a VGG11 (1/16 of the channels, no bias, no BatchNorm, as the paper's CIFAR models) and a
 * ResNet18 (1/16, BatchNorm) for one epoch on a small CIFAR-10 look-alike in the official binary
 * layout, then {@code sweep} fuses each pair in weights and activations mode with exact OT.
 */
@ExtendWith(SparkExtension.class)
class ArchitectureSweepTest {
  @TempDir Path tmp;

  @Test
  void vggAndResnetZoosTrainAndFuse(SparkSession spark) throws Exception {
    Path data = tmp.resolve("data");
    SyntheticImages.writeCifar10(data.resolve("cifar10").toString(), 400, 200, 11);
    Path conf = tmp.resolve("cifar.conf");
    Files.writeString(conf, "otfuse {\n  sweep-id = archs\n  zoo.models {\n    datasets = [cifar10]\n"
        + "    width-multipliers = [0.0625]\n    seeds = [0, 1]\n    epochs = 1\n    batch-size = 32\n"
        + "    learning-rate = 0.02\n    momentum = 0.9\n  }\n  sweep {\n    modes = [weights, activations]\n"
        + "    solvers = [exact]\n    activations.samples = 50\n  }\n  run.buckets = 2\n}\n");
    Path zooDir = tmp.resolve("zoo");
    List<String> common = List.of("zoo.dir=" + zooDir, "data.dir=" + data, "data.install=false",
        "results=" + tmp.resolve("results"));
    String out = ZooAndCompressJobTest.run(spark, "train-zoo", conf,
        with(common, "zoo.models.arch=vgg11", "zoo.models.bias=false"));
    assertTrue(out.contains("trained 2 models"), out);
    out = ZooAndCompressJobTest.run(spark, "train-zoo", conf,
        with(common, "zoo.models.arch=resnet18", "zoo.models.batchnorm=true"));
    assertTrue(out.contains("trained 2 models"), out);
    List<ModelMeta> zoo = Zoo.at(zooDir.toString()).list();
    assertEquals(List.of("cifar10_resnet18-w0.0625-bn_s0_full_e1", "cifar10_resnet18-w0.0625-bn_s1_full_e1",
        "cifar10_vgg11-w0.0625-nobias_s0_full_e1", "cifar10_vgg11-w0.0625-nobias_s1_full_e1"),
        zoo.stream().map(ModelMeta::modelId).toList());
    assertEquals(List.of(3L, 32L, 32L), zoo.get(0).arch().inputShape());
    assertEquals(400, zoo.get(0).trainImages());

    out = ZooAndCompressJobTest.run(spark, "sweep", conf, with(common, "zoo.train-missing=false"));
    assertTrue(out.contains("4 points, 0 skipped"), out);
    Dataset<Row> rows = ResultTable.readSweep(spark, tmp.resolve("results").toString(), "archs");
    // 2 families (vgg11, resnet18) x 1 pair x 2 modes; per point: 2 parents, ensemble, vanilla, ot
    assertEquals(4 * 5, rows.count());
    assertEquals(0, rows.filter("status != 'ok'").count(), () -> rows.filter("status != 'ok'")
        .select("error").collectAsList().toString());
    assertEquals(List.of("ensemble", "ot", "parent", "vanilla"),
        rows.select("method").distinct().orderBy("method").as(Encoders.STRING()).collectAsList());
    assertEquals(List.of("resnet18", "vgg11"),
        rows.select("arch").distinct().orderBy("arch").as(Encoders.STRING()).collectAsList());
    assertEquals(List.of("cpu-nd4j"), rows.select("backend").distinct().as(Encoders.STRING()).collectAsList());
    assertEquals(200, rows.filter("method = 'ot'").first().<Integer>getAs("n_test"));
    Row vggOt = rows.filter("method = 'ot' and arch = 'vgg11' and mode = 'weights'").first();
    assertEquals("4x8x16x16x32x32x32x32", vggOt.getAs("widths"));
    assertEquals(8, vggOt.<scala.collection.Seq<?>>getAs("ot_cost").size());
    // parameters: VGG11/16 without biases: 3x3 convs 3-4-8-16-16-32-32-32-32, classifier 32-10 (no bias);
    // ResNet18/16 with BatchNorm (running statistics counted, num_batches_tracked not), linear with bias
    long vgg = 9L * (3 * 4 + 4 * 8 + 8 * 16 + 16 * 16 + 16 * 32 + 32 * 32 * 3) + 32 * 10;
    assertEquals(36428L, vgg);
    assertEquals(List.of(vgg), rows.filter("arch = 'vgg11' and method != 'ensemble'").select("parameters").distinct()
        .as(Encoders.LONG()).collectAsList());
    assertEquals(List.of(45222L), rows.filter("arch = 'resnet18' and method != 'ensemble'").select("parameters")
        .distinct().as(Encoders.LONG()).collectAsList());
    assertEquals(4, rows.filter("method = 'ensemble' and parameters is null").count());
    for (Row r : rows.filter("method = 'ot'").collectAsList()) {
      assertTrue(r.<Double>getAs("ot_cost_total") > 0, r.toString());
      assertTrue(r.<Double>getAs("accuracy") >= 0 && r.<Double>getAs("accuracy") <= 100, r.toString());
      assertTrue(r.<Double>getAs("time_eval_s") > 0, r.toString());
    }
  }

  static List<String> with(List<String> base, String... more) {
    List<String> out = new ArrayList<>(base);
    out.addAll(List.of(more));
    return out;
  }
}
