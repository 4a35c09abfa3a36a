package org.otfuse.benchmarks;

import java.util.concurrent.TimeUnit;
import org.nd4j.linalg.api.ndarray.INDArray;
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
import org.otfuse.core.ot.ExactOt;
import org.otfuse.core.ot.GroundCost;
import org.otfuse.core.ot.NetworkSimplex;
import org.otfuse.core.ot.Sinkhorn;
import org.otfuse.core.ot.SinkhornOptions;
import org.otfuse.core.ot.TransportPlan;

/**
 * Exact OT (assignment for square uniform, network simplex for Dirichlet marginals and
 * rectangles) and Sinkhorn ({@code reg = 0.05 median(C)}, tolerance 1e-9) per call, on
 * {@link Problems#cost(int, int)}. Single-shot timing: one solve is long enough.
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3)
@Measurement(iterations = 5)
@Fork(value = 1, jvmArgsAppend = {"-Xmx8g", "--add-opens=java.base/java.nio=ALL-UNNAMED",
    "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED", "--add-opens=java.base/java.lang=ALL-UNNAMED"})
public class OtBenchmark {

  /** Square uniform problems. */
  @State(Scope.Benchmark)
  public static class Square {
    @Param({"256", "1024", "2048", "4096"})
    public int n;

    INDArray cost;
    INDArray a;
    double reg;

    @Setup(Level.Trial)
    public void setUp() {
      cost = Problems.cost(n, n);
      a = Problems.uniform(n);
      reg = 0.05 * GroundCost.lowerMedian(cost);
    }
  }

  /** Non-uniform marginals (Dirichlet) and a rectangle with uniform marginals. */
  @State(Scope.Benchmark)
  public static class General {
    @Param({"1024x1024-dirichlet", "3000x2000-uniform"})
    public String shape;

    INDArray cost;
    INDArray a;
    INDArray b;

    @Setup(Level.Trial)
    public void setUp() {
      String[] parts = shape.split("[x-]");
      int n = Integer.parseInt(parts[0]);
      int m = Integer.parseInt(parts[1]);
      cost = Problems.cost(n, m);
      boolean dirichlet = parts[2].equals("dirichlet");
      a = dirichlet ? Problems.dirichlet(n, 3) : Problems.uniform(n);
      b = dirichlet ? Problems.dirichlet(m, 4) : Problems.uniform(m);
    }
  }

  @Benchmark
  public TransportPlan exactSquare(Square s) {
    return new ExactOt().solve(s.a, s.a, s.cost);
  }

  @Benchmark
  public TransportPlan sinkhornSquare(Square s) {
    return new Sinkhorn(new SinkhornOptions(s.reg, 1e-9, 1000)).solve(s.a, s.a, s.cost);
  }

  @Benchmark
  public TransportPlan networkSimplexGeneral(General g) {
    return new NetworkSimplex().solve(g.a, g.b, g.cost);
  }
}
