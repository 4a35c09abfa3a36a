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

/**
 * Why the ground cost leases its float64 copies from a pool of reused buffers ({@code
 * org.otfuse.core.ot.Scratch}): casting a float32 weight matrix of a wide VGG11 layer ({@code 512 x
 * 4608}) to float64 into new ND4J memory, which pays first-touch page faults, against the same
 * cast into memory allocated once.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xmx4g", "--add-opens=java.base/java.nio=ALL-UNNAMED",
    "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED", "--add-opens=java.base/java.lang=ALL-UNNAMED"})
public class CastBenchmark {

  @Param({"512x4608"})
  public String size;

  INDArray x;
  INDArray reused;

  @Setup(Level.Trial)
  public void setUp() {
    String[] parts = size.split("x");
    x = Problems.randn(Integer.parseInt(parts[0]), Integer.parseInt(parts[1]), 5, DataType.FLOAT);
    reused = Nd4j.createUninitialized(DataType.DOUBLE, x.shape());
  }

  /** A new float64 array per cast, as {@code castTo} makes. */
  @Benchmark
  public INDArray castIntoNewMemory() {
    return x.castTo(DataType.DOUBLE);
  }

  /** The same cast into one array allocated at set-up. */
  @Benchmark
  public INDArray castIntoReusedMemory() {
    return reused.assign(x);
  }
}
