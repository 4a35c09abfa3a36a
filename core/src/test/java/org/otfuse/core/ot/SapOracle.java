package org.otfuse.core.ot;

import java.util.Arrays;

/**
 * An independent assignment oracle for the tests: the plain shortest augmenting path method
 * (Crouse 2016, the algorithm of scipy's linear_sum_assignment), one Dijkstra per row from an
 * empty matching and zero duals: no initialisation phases, so it shares no code path with
 * {@link Lapjv} beyond the idea of reduced costs. (This was otfuse's first assignment solver.)
 */
final class SapOracle {
  private SapOracle() {}

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
