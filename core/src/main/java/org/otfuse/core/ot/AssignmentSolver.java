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
 * <p>Solved by successive shortest augmenting paths with dual potentials (Jonker and Volgenant
 * 1987; the dense variant of Crouse 2016 that {@code scipy.optimize.linear_sum_assignment} also
 * uses): each of the {@code n} rows is matched along a shortest path in reduced costs
 * {@code C_ij - u_i - v_j >= 0} found by Dijkstra, then the potentials are updated. Time
 * {@code O(n^3)} worst case, memory the dense {@code double[n * n]} cost plus {@code O(n)}.
 *
 * <p>The result's potentials are the LP duals: {@code u_i + v_j <= C_ij} everywhere, with
 * equality on the assignment, and {@code (sum(u) + sum(v)) * mass = cost}.
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
    OtProblem p = OtProblem.of(a, b, cost, false, "AssignmentSolver");
    int n = p.n();
    if (p.m() != n) {
      throw new IllegalArgumentException("AssignmentSolver needs a square cost (n == m) but cost has"
          + " shape " + Checks.shape(p.cost()) + "; use NetworkSimplex or ExactOt");
    }
    double[] av = p.aArray();
    double[] bv = p.bArray();
    requireUniform(av, "a");
    requireUniform(bv, "b");
    double[] c = p.costArray();
    long start = System.nanoTime();
    double[] u = new double[n];
    double[] v = new double[n];
    int[] colOf = new int[n];
    assign(c, n, u, v, colOf);
    double mass = p.sumA() / n;
    double[] plan = new double[n * n];
    for (int i = 0; i < n; i++) {
      plan[i * n + colOf[i]] = mass;
    }
    INDArray planArr = Nd4j.create(plan, new long[] {n, n}, DataType.DOUBLE);
    TransportPlan result = TransportPlan.measure(planArr, p.a(), p.b(), p.cost(), n,
        Nd4j.createFromArray(u), Nd4j.createFromArray(v));
    if (LOG.isDebugEnabled()) {
      LOG.debug("assignment n={} cost={} in {} ms", n, result.cost(),
          (System.nanoTime() - start) / 1e6);
    }
    return result;
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

  /**
   * Minimum-cost perfect matching of the dense square matrix {@code c} (row-major, finite).
   *
   * @param c the {@code n x n} cost, row-major; not modified
   * @param u modified: receives the row potentials
   * @param v modified: receives the column potentials
   * @param colOf modified: receives the column matched to each row
   */
  static void assign(double[] c, int n, double[] u, double[] v, int[] colOf) {
    int[] rowOf = new int[n];
    int[] pathRow = new int[n];
    int[] remaining = new int[n];
    int[] visitedRows = new int[n];
    double[] shortest = new double[n];
    boolean[] colVisited = new boolean[n];
    Arrays.fill(rowOf, -1);
    Arrays.fill(colOf, -1);
    Arrays.fill(u, 0);
    Arrays.fill(v, 0);
    for (int cur = 0; cur < n; cur++) {
      Arrays.fill(shortest, Double.POSITIVE_INFINITY);
      Arrays.fill(colVisited, false);
      for (int j = 0; j < n; j++) {
        remaining[j] = n - 1 - j;
      }
      int numRemaining = n;
      int numVisitedRows = 0;
      double minVal = 0;
      int i = cur;
      int sink = -1;
      while (sink < 0) {
        visitedRows[numVisitedRows++] = i;
        double lowest = Double.POSITIVE_INFINITY;
        int lowestAt = -1;
        int rowBase = i * n;
        double base = minVal - u[i];
        for (int k = 0; k < numRemaining; k++) {
          int j = remaining[k];
          double r = base + c[rowBase + j] - v[j];
          if (r < shortest[j]) {
            pathRow[j] = i;
            shortest[j] = r;
          }
          double s = shortest[j];
          if (s < lowest || (s == lowest && rowOf[j] < 0)) {
            lowest = s;
            lowestAt = k;
          }
        }
        if (lowestAt < 0) {
          throw new IllegalStateException("no augmenting path from row " + cur
              + ": the cost has non-finite reduced costs");
        }
        minVal = lowest;
        int j = remaining[lowestAt];
        colVisited[j] = true;
        remaining[lowestAt] = remaining[--numRemaining];
        if (rowOf[j] < 0) {
          sink = j;
        } else {
          i = rowOf[j];
        }
      }
      u[cur] += minVal;
      for (int k = 1; k < numVisitedRows; k++) {
        int r = visitedRows[k];
        u[r] += minVal - shortest[colOf[r]];
      }
      for (int j = 0; j < n; j++) {
        if (colVisited[j]) {
          v[j] -= minVal - shortest[j];
        }
      }
      int j = sink;
      while (true) {
        int r = pathRow[j];
        rowOf[j] = r;
        int previous = colOf[r];
        colOf[r] = j;
        if (r == cur) {
          break;
        }
        j = previous;
      }
    }
  }
}
