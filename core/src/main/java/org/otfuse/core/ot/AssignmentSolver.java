package org.otfuse.core.ot;

import java.util.Arrays;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Exact OT for the case the paper uses most (Singh and Jaggi 2020, Section 4: equal layer widths
 * and uniform neuron masses): with {@code n == m} and uniform marginals, an optimal plan of eq.
 * (1) is a permutation matrix scaled by the mass per point (Birkhoff-von Neumann), so OT reduces
 * to the linear assignment problem {@code min_sigma sum_i C_{i sigma(i)}}.
 *
 * <p>Solved by the dense LAPJV algorithm (Jonker and Volgenant 1987; see {@link Lapjv}): column
 * reduction, reduction transfer and augmenting row reduction build a good partial assignment
 * with feasible duals in {@code O(n^2)} work, then shortest augmenting paths (Dijkstra over dense
 * columns on reduced costs {@code C_ij - u_i - v_j >= 0}) match the rows left free. Worst case
 * {@code O(n^3)}; on dense random costs several times faster than the pure shortest augmenting
 * path method of {@code scipy.optimize.linear_sum_assignment} (Crouse 2016). Memory: the dense
 * {@code double[n * n]} cost (a copy of the input), the {@code n x n} plan, plus {@code O(n)}.
 *
 * <p>The result's potentials are the LP duals: {@code u_i + v_j <= C_ij} everywhere (up to
 * float64 rounding), with equality on the assignment, and {@code (sum(u) + sum(v)) * mass =
 * cost}; they certify optimality. {@link TransportPlan#iterations()} is the number of shortest
 * augmenting paths (rows the initial phases left free).
 *
 * <p>Rejects inputs that are not square with uniform marginals (within {@link
 * ExactOt#UNIFORM_TOLERANCE} relative); {@link ExactOt} routes those to {@link NetworkSimplex}.
 * Stateless and thread-safe.
 */
public final class AssignmentSolver implements TransportSolver {

  private static final Logger LOG = LoggerFactory.getLogger(AssignmentSolver.class);

  /**
   * {@inheritDoc}
   *
   * @throws IllegalArgumentException also when {@code n != m} or a marginal is not uniform
   */
  @Override
  public TransportPlan solve(INDArray a, INDArray b, INDArray cost) {
    return solve(OtProblem.of(a, b, cost, false, "AssignmentSolver"));
  }

  /** Solves a validated problem. */
  TransportPlan solve(OtProblem p) {
    int n = p.n();
    if (p.m() != n) {
      throw new IllegalArgumentException("AssignmentSolver needs a square cost (n == m) but cost has"
          + " shape " + Checks.shape(p.cost()) + "; use NetworkSimplex or ExactOt");
    }
    double[] av = p.aArray();
    double[] bv = p.bArray();
    requireUniform(av, "a");
    requireUniform(bv, "b");
    long start = System.nanoTime();
    double[] c = p.costArray();
    double[] u = new double[n];
    double[] v = new double[n];
    int[] colOf = new int[n];
    int paths = Lapjv.solve(c, n, u, v, colOf);
    TransportPlan result = permutationPlan(p, c, colOf, paths, u, v);
    if (LOG.isDebugEnabled()) {
      LOG.debug("assignment n={} cost={} augmenting paths={} in {} ms", n, result.cost(), paths,
          (System.nanoTime() - start) / 1e6);
    }
    return result;
  }

  /**
   * The plan {@code T_{i, colOf[i]} = sum(a) / n}, with its cost and marginal errors computed
   * from the permutation (each row and column of {@code T} holds exactly one mass).
   */
  static TransportPlan permutationPlan(OtProblem p, double[] c, int[] colOf, int iterations,
      double[] u, double[] v) {
    int n = p.n();
    double mass = p.sumA() / n;
    INDArray plan = OffHeap.zeros(n, n);
    java.nio.DoubleBuffer data = plan.data().asNioDouble();
    double cost = 0;
    for (int i = 0; i < n; i++) {
      data.put(i * n + colOf[i], mass);
      cost += mass * c[i * n + colOf[i]];
    }
    double[] av = p.aArray();
    double[] bv = p.bArray();
    double rowError = 0;
    double colError = 0;
    for (int i = 0; i < n; i++) {
      rowError = Math.max(rowError, Math.abs(mass - av[i]));
      colError = Math.max(colError, Math.abs(mass - bv[i]));
    }
    return new TransportPlan(plan, cost, rowError, colError, iterations,
        Nd4j.createFromArray(u), Nd4j.createFromArray(v));
  }

  private static void requireUniform(double[] x, String name) {
    if (!ExactOt.isUniform(x)) {
      double min = Arrays.stream(x).min().orElse(0);
      double max = Arrays.stream(x).max().orElse(0);
      throw new IllegalArgumentException("AssignmentSolver needs uniform marginals but " + name
          + " ranges over [" + min + ", " + max + "] (tolerance " + ExactOt.UNIFORM_TOLERANCE
          + " relative); use NetworkSimplex or ExactOt");
    }
  }

}
