package org.otfuse.jobs;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.otfuse.core.ot.CostNormalization;
import org.otfuse.core.ot.GroundCost;
import org.otfuse.core.ot.GroundMetric;
import org.otfuse.core.ot.Sinkhorn;
import org.otfuse.core.ot.SinkhornOptions;
import org.otfuse.core.ot.OtConvergenceException;

/**
 * Where the block-distributed Sinkhorn starts to pay: cost + Sinkhorn to convergence for n x n
 * layers (d = 256 uniform random features; euclidean cost normalised by its max; reg 0.01) for a
 * fixed 50 iterations (tolerance 0, so neither stops early: the time of the cost plus 50
 * iterations, whatever a real layer's iteration count), core's
 * local solver in one task vs {@link BlockSinkhorn} on this session (blocks of 256 rows), fixed
 * seeds. Not part of the test suite: run with
 * {@code mvn -pl jobs -am test -Dtest=BlockSinkhornBenchmark -Dotfuse.bench=true -Dsurefire.failIfNoSpecifiedTests=false};
 * writes {@code jobs/target/block-sinkhorn-benchmark.md}.
 */
@ExtendWith(SparkExtension.class)
@SparkExtension.Master("local[2]")
class BlockSinkhornBenchmark {
  static final int ITERATIONS = 50;

  @Test
  void localVersusBlocks(SparkSession spark) throws Exception {
    assumeTrue(Boolean.getBoolean("otfuse.bench"), "benchmark: set -Dotfuse.bench=true");
    StringBuilder out = new StringBuilder(String.format(Locale.ROOT,
        "| n = m | cells | iterations | local (s) | block (s) | local / block |%n|---|---|---|---|---|---|%n"));
    for (int n : new int[] {256, 512, 1024, 2048, 3072}) {
      Nd4j.getRandom().setSeed(n);
      INDArray x = Nd4j.rand(DataType.FLOAT, n, 256);
      INDArray y = Nd4j.rand(DataType.FLOAT, n, 256);
      long t0 = System.nanoTime();
      INDArray c = GroundCost.compute(x, y, GroundMetric.EUCLIDEAN, CostNormalization.MAX);
      INDArray a = Nd4j.valueArrayOf(new long[] {n}, 1.0 / n, DataType.DOUBLE);
      try {
        new Sinkhorn(new SinkhornOptions(0.01, Double.MIN_VALUE, ITERATIONS)).solve(a, a, c);
      } catch (OtConvergenceException expected) {
        // ran its ITERATIONS
      }
      double tl = (System.nanoTime() - t0) / 1e9;
      t0 = System.nanoTime();
      try {
        new BlockSinkhorn(spark, 0, 256).solveDistributed(x, y, GroundMetric.EUCLIDEAN, CostNormalization.MAX, 0.01,
            Double.MIN_VALUE, ITERATIONS);
      } catch (OtConvergenceException expected) {
        // ran its ITERATIONS
      }
      double tb = (System.nanoTime() - t0) / 1e9;
      String row = String.format(Locale.ROOT, "| %d | %d | %d | %.2f | %.2f | %.2f |%n", n, (long) n * n,
          ITERATIONS, tl, tb, tl / tb);
      System.err.print(row);
      out.append(row);
    }
    out.append(String.format(Locale.ROOT, "%n%s, %d cores, Java %s, load average %s%n", spark.sparkContext().master(),
        Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"),
        Files.readString(Path.of("/proc/loadavg")).trim()));
    Files.writeString(Path.of("target", "block-sinkhorn-benchmark.md"), out.toString());
  }
}
