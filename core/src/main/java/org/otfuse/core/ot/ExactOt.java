package org.otfuse.core.ot;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Exact OT (Singh and Jaggi 2020, eq. (1), the paper's default "exact" transport) with the
 * fastest applicable solver: {@link AssignmentSolver} when the cost is square and both marginals
 * are uniform (within {@link #UNIFORM_TOLERANCE} relative: the paper's setting for equal-width
 * layers), {@link NetworkSimplex} otherwise. Both return the same optimal cost; when the optimum
 * is not unique they may return different optimal plans. Thread-safe.
 */
public final class ExactOt implements TransportSolver {

  private static final Logger LOG = LoggerFactory.getLogger(ExactOt.class);

  /** Largest {@code (max - min) / mean} of a marginal that still counts as uniform. */
  public static final double UNIFORM_TOLERANCE = 1e-12;

  private final AssignmentSolver assignment = new AssignmentSolver();
  private final NetworkSimplex simplex;

  /** Uses a {@link NetworkSimplex} with its default pivot limit. */
  public ExactOt() {
    this(new NetworkSimplex());
  }

  /** Uses {@code simplex} for the general case. */
  public ExactOt(NetworkSimplex simplex) {
    Checks.requireNonNull(simplex, "simplex");
    this.simplex = simplex;
  }

  @Override
  public TransportPlan solve(INDArray a, INDArray b, INDArray cost) {
    OtProblem p = OtProblem.of(a, b, cost, false, "ExactOt");
    if (p.n() == p.m() && isUniform(p.aArray()) && isUniform(p.bArray())) {
      LOG.debug("exact OT {}x{}: square with uniform marginals, assignment solver", p.n(), p.m());
      return assignment.solve(p);
    }
    LOG.debug("exact OT {}x{}: network simplex", p.n(), p.m());
    return simplex.solve(p);
  }

  /** Whether {@code (max(x) - min(x)) <= UNIFORM_TOLERANCE * mean(x)}. */
  static boolean isUniform(double[] x) {
    double min = Double.POSITIVE_INFINITY;
    double max = Double.NEGATIVE_INFINITY;
    double sum = 0;
    for (double v : x) {
      min = Math.min(min, v);
      max = Math.max(max, v);
      sum += v;
    }
    return x.length > 0 && max - min <= UNIFORM_TOLERANCE * (sum / x.length);
  }
}
