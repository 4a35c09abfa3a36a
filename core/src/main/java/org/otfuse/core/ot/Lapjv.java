package org.otfuse.core.ot;

import java.util.Arrays;

/**
 * The dense linear assignment algorithm of Jonker and Volgenant ("A shortest augmenting path
 * algorithm for dense and sparse linear assignment problems", Computing 38, 1987), the exact
 * solver behind {@link AssignmentSolver}. Four phases on a dense row-major {@code n x n} cost:
 *
 * <ol>
 *   <li><b>column reduction</b>: {@code v_j = min_i C_ij}; each column is tentatively given to the
 *       row of its minimum (a row keeps the column with the smallest minimum);
 *   <li><b>reduction transfer</b>: a row holding exactly one column passes its slack to that
 *       column's price, so that its assigned arc stays tight at {@code u_i = min_j (C_ij - v_j)};
 *   <li><b>augmenting row reduction</b> (two passes): a free row takes the column of its smallest
 *       reduced cost, lowering that column's price to the row's second-smallest, and evicts the
 *       former holder, which is processed next ("auction-like" steps that assign most rows of a
 *       random instance in {@code O(n^2)} work);
 *   <li><b>augmentation</b>: each remaining free row is matched along a shortest augmenting path
 *       (Dijkstra on reduced costs {@code C_ij - u_i - v_j >= 0} over dense columns, with all
 *       columns at the current minimum distance scanned together), then the prices of the
 *       columns made permanent are updated.
 * </ol>
 *
 * On exit the duals are feasible ({@code C_ij - u_i - v_j >= 0} up to float64 rounding) and tight
 * on the assignment, which certifies optimality. Phase 3 is bounded ({@link #ARR_STEP_FACTOR}
 * evictions per row) so that tiny real-valued price decrements cannot make it crawl; rows it
 * leaves free are handled by phase 4, which alone is a complete algorithm.
 *
 * <p>Memory: the cost array plus {@code O(n)}. Worst case {@code O(n^3)}; on dense random costs
 * the first three phases leave few free rows and the shortest paths stay short.
 */
final class Lapjv {

  /** From this size on, phases 3 and 4 run on a sparse candidate graph ({@link SparseLapjv}). */
  static final int SPARSE_MIN_N = 512;

  /** At most this many evictions per row in augmenting row reduction (dense). */
  static final int ARR_STEP_FACTOR = 8;

  /** At most this many evictions per row in augmenting row reduction (sparse, cheaper steps). */
  static final int SPARSE_ARR_STEP_FACTOR = 32;

  private Lapjv() {}

  /**
   * Minimum-cost perfect matching of the dense square matrix {@code c} (row-major, finite).
   *
   * @param c the {@code n x n} cost, row-major; not modified
   * @param u modified: receives the row potentials
   * @param v modified: receives the column potentials
   * @param colOf modified: receives the column matched to each row
   * @return the number of shortest augmenting paths computed
   */
  static int solve(double[] c, int n, double[] u, double[] v, int[] colOf) {
    return solve(c, n, u, v, colOf, -1, SPARSE_MIN_N);
  }

  /**
   * Like {@link #solve(double[], int, double[], double[], int[])}, with {@code arrStepFactor n}
   * evictions allowed in augmenting row reduction (0: skip that phase; negative: the default of
   * the dense or sparse variant), and the sparse variant from {@code n >= sparseMinN} on.
   */
  static int solve(double[] c, int n, double[] u, double[] v, int[] colOf, int arrStepFactor,
      int sparseMinN) {
    int[] rowOf = new int[n];
    int[] free = new int[n];
    int numFree = columnReduction(c, n, v, colOf, rowOf, free);
    if (n >= sparseMinN) {
      int factor = arrStepFactor < 0 ? SPARSE_ARR_STEP_FACTOR : arrStepFactor;
      numFree = SparseLapjv.complete(c, n, v, colOf, rowOf, free, numFree, factor).paths;
    } else {
      int factor = arrStepFactor < 0 ? ARR_STEP_FACTOR : arrStepFactor;
      numFree = augmentingRowReduction(c, n, v, colOf, rowOf, free, numFree, factor);
      augment(c, n, v, colOf, rowOf, free, numFree);
    }
    for (int i = 0; i < n; i++) {
      int j = colOf[i];
      u[i] = c[i * n + j] - v[j];
    }
    return numFree;
  }

  /** Phases 1 and 2; returns the number of free rows written to {@code free}. */
  static int columnReduction(double[] c, int n, double[] v, int[] colOf, int[] rowOf,
      int[] free) {
    int[] argMin = new int[n];
    System.arraycopy(c, 0, v, 0, n);
    // column minima in row-major order (contiguous, vectorisable); the first row wins ties
    for (int i = 1; i < n; i++) {
      int base = i * n;
      for (int j = 0; j < n; j++) {
        double x = c[base + j];
        if (x < v[j]) {
          v[j] = x;
          argMin[j] = i;
        }
      }
    }
    int[] matches = new int[n];
    Arrays.fill(colOf, -1);
    for (int j = n - 1; j >= 0; j--) {
      int i = argMin[j];
      if (++matches[i] == 1) {
        colOf[i] = j;
        rowOf[j] = i;
      } else if (v[j] < v[colOf[i]]) {
        int j1 = colOf[i];
        colOf[i] = j;
        rowOf[j] = i;
        rowOf[j1] = -1;
      } else {
        rowOf[j] = -1;
      }
    }
    int numFree = 0;
    for (int i = 0; i < n; i++) {
      if (matches[i] == 0) {
        free[numFree++] = i;
      } else if (matches[i] == 1) {
        int j1 = colOf[i];
        int base = i * n;
        double min = Double.POSITIVE_INFINITY;
        for (int j = 0; j < n; j++) {
          if (j != j1) {
            double h = c[base + j] - v[j];
            if (h < min) {
              min = h;
            }
          }
        }
        if (min < Double.POSITIVE_INFINITY) {
          v[j1] -= min;
        }
      }
    }
    return numFree;
  }

  /** Phase 3, two passes over the free rows; returns the number of rows still free. */
  static int augmentingRowReduction(double[] c, int n, double[] v, int[] colOf, int[] rowOf,
      int[] free, int numFree, int arrStepFactor) {
    if (n == 1 || arrStepFactor == 0) {
      return numFree;
    }
    long stepLimit = (long) arrStepFactor * n;
    for (int pass = 0; pass < 2; pass++) {
      int k = 0;
      int prevNumFree = numFree;
      numFree = 0;
      long steps = 0;
      while (k < prevNumFree) {
        int i = free[k++];
        if (++steps > stepLimit) {
          free[numFree++] = i; // leave it to the augmentation phase
          continue;
        }
        int base = i * n;
        double umin = c[base] - v[0];
        int j1 = 0;
        int j2 = -1;
        double usubmin = Double.POSITIVE_INFINITY;
        for (int j = 1; j < n; j++) {
          double h = c[base + j] - v[j];
          if (h < usubmin) {
            if (h >= umin) {
              usubmin = h;
              j2 = j;
            } else {
              usubmin = umin;
              umin = h;
              j2 = j1;
              j1 = j;
            }
          }
        }
        int i0 = rowOf[j1];
        boolean strict = umin < usubmin;
        if (strict) {
          v[j1] -= usubmin - umin;
        } else if (i0 >= 0) {
          j1 = j2;
          i0 = rowOf[j2];
        }
        colOf[i] = j1;
        rowOf[j1] = i;
        if (i0 >= 0) {
          colOf[i0] = -1;
          if (strict) {
            free[--k] = i0; // process the evicted row right away
          } else {
            free[numFree++] = i0;
          }
        }
      }
    }
    return numFree;
  }

  /** Phase 4: a shortest augmenting path from each free row. */
  static void augment(double[] c, int n, double[] v, int[] colOf, int[] rowOf, int[] free,
      int numFree) {
    double[] d = new double[n];
    int[] pred = new int[n];
    int[] cols = new int[n];
    for (int f = 0; f < numFree; f++) {
      int freeRow = free[f];
      int base = freeRow * n;
      for (int j = 0; j < n; j++) {
        d[j] = c[base + j] - v[j];
        pred[j] = freeRow;
        cols[j] = j;
      }
      // cols[0, low): scanned ("ready"); [low, up): at the current minimum, to scan;
      // [up, n): not yet reached at the minimum ("todo")
      int low = 0;
      int up = 0;
      int last = 0;
      double min = 0;
      int end = -1;
      while (end < 0) {
        if (up == low) {
          last = low;
          min = d[cols[up++]];
          for (int k = up; k < n; k++) {
            int j = cols[k];
            double h = d[j];
            if (h <= min) {
              if (h < min) {
                up = low;
                min = h;
              }
              cols[k] = cols[up];
              cols[up++] = j;
            }
          }
          for (int k = low; k < up; k++) {
            if (rowOf[cols[k]] < 0) {
              end = cols[k];
              break;
            }
          }
          if (end >= 0) {
            break;
          }
        }
        int j1 = cols[low++];
        int i = rowOf[j1];
        int rb = i * n;
        double h = c[rb + j1] - v[j1] - min;
        for (int k = up; k < n; k++) {
          int j = cols[k];
          double v2 = c[rb + j] - v[j] - h;
          if (v2 < d[j]) {
            pred[j] = i;
            if (v2 <= min) { // == in exact arithmetic; < only by rounding
              if (rowOf[j] < 0) {
                end = j;
                break;
              }
              cols[k] = cols[up];
              cols[up++] = j;
            }
            d[j] = v2;
          }
        }
      }
      // prices of the scanned columns (their distances are final and <= min)
      for (int k = 0; k < last; k++) {
        int j = cols[k];
        v[j] += d[j] - min;
      }
      int j = end;
      while (true) {
        int i = pred[j];
        rowOf[j] = i;
        int next = colOf[i];
        colOf[i] = j;
        if (i == freeRow) {
          break;
        }
        j = next;
      }
    }
  }
}
