package org.otfuse.cli;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.otfuse.core.fusion.SolverKind;
import org.otfuse.core.io.Npy;
import org.otfuse.core.ot.ExactOt;
import org.otfuse.core.ot.Sinkhorn;
import org.otfuse.core.ot.SinkhornOptions;
import org.otfuse.core.ot.TransportPlan;
import org.otfuse.core.ot.TransportSolver;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code otfuse ot}: solve one transport problem given as .npy files. */
@Command(name = "ot", mixinStandardHelpOptions = true,
    description = "Solve an optimal transport problem: cost matrix and marginals as .npy files.")
final class OtCommand implements Callable<Integer> {
  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @Option(names = "--cost", required = true, description = "n x m cost matrix (.npy)")
  String cost;

  @Option(names = "--a", required = true, description = "source marginal, length n (.npy)")
  String a;

  @Option(names = "--b", required = true, description = "target marginal, length m (.npy)")
  String b;

  @Option(names = "--solver", defaultValue = "exact", description = "exact | sinkhorn")
  SolverKind solver;

  @Option(names = "--reg", defaultValue = "0.1", description = "Sinkhorn regularisation (POT's reg)")
  double reg;

  @Option(names = "--tol", defaultValue = "1e-9", description = "Sinkhorn marginal tolerance")
  double tol;

  @Option(names = "--max-iter", defaultValue = "100000", description = "Sinkhorn iteration limit")
  int maxIter;

  @Option(names = "--out", description = "write the plan here (.npy, float64)")
  String out;

  @Option(names = "--json", description = "print one JSON object")
  boolean json;

  @Override
  public Integer call() throws Exception {
    INDArray c = Npy.read(cost).castTo(DataType.DOUBLE);
    INDArray av = Npy.read(a).castTo(DataType.DOUBLE);
    INDArray bv = Npy.read(b).castTo(DataType.DOUBLE);
    TransportSolver s = solver == SolverKind.EXACT ? new ExactOt() : new Sinkhorn(new SinkhornOptions(reg, tol, maxIter));
    long t0 = System.nanoTime();
    TransportPlan plan = s.solve(av, bv, c);
    double seconds = (System.nanoTime() - t0) / 1e9;
    if (out != null) {
      Npy.write(plan.plan(), out);
    }
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("n", c.rows());
    r.put("m", c.columns());
    r.put("solver", solver.name().toLowerCase(java.util.Locale.ROOT));
    if (solver == SolverKind.SINKHORN) {
      r.put("reg", reg);
    }
    r.put("cost", plan.cost());
    r.put("row_error", plan.rowError());
    r.put("col_error", plan.colError());
    r.put("iterations", plan.iterations());
    r.put("seconds", seconds);
    if (out != null) {
      r.put("out", out);
    }
    if (json) {
      spec.commandLine().getOut().println(Json.write(r));
    } else {
      r.forEach((k, v) -> spec.commandLine().getOut().println(k + ": " + v));
    }
    spec.commandLine().getOut().flush();
    return 0;
  }
}
