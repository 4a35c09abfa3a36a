package org.otfuse.benchmarks;

import java.util.concurrent.TimeUnit;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.otfuse.core.ot.GroundCost;
import org.otfuse.core.ot.GroundMetric;

/**
 * The squared Euclidean ground cost of {@code n} float32 points against {@code n} in dimension
 * {@code d} (weights of a wide layer), next to a plain float64 GEMM {@code x y^T} of the same
 * shape: the cost should stay within 2x of the GEMM.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2)
@Measurement(iterations = 5)
@Fork(value = 1, jvmArgsAppend = {"-Xmx8g", "--add-opens=java.base/java.nio=ALL-UNNAMED",
    "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED", "--add-opens=java.base/java.lang=ALL-UNNAMED"})
public class GroundCostBenchmark {

  @Param({"1024x1024", "4096x4096"})
  public String size;

  INDArray x;
  INDArray y;
  INDArray xd;
  INDArray yd;
  INDArray out;

  @Setup(Level.Trial)
  public void setUp() {
    String[] parts = size.split("x");
    int n = Integer.parseInt(parts[0]);
    int d = Integer.parseInt(parts[1]);
    x = Problems.randn(n, d, 5, DataType.FLOAT);
    y = Problems.randn(n, d, 6, DataType.FLOAT);
    xd = x.castTo(DataType.DOUBLE);
    yd = y.castTo(DataType.DOUBLE);
    out = Nd4j.createUninitialized(DataType.DOUBLE, n, n);
  }

  @Benchmark
  public INDArray sqEuclideanFloat32In() {
    return GroundCost.pairwise(x, y, GroundMetric.SQEUCLIDEAN);
  }

  @Benchmark
  public INDArray gemmFloat64() {
    return Nd4j.gemm(xd, yd, out, false, true, 1.0, 0.0);
  }
}
