package org.otfuse.core.ot;

import java.util.Arrays;

/**
 * LAPJV on a sparse candidate graph with a dense optimality check, the fast path of {@link
 * Lapjv} for large dense costs. On a dense random cost the last augmenting paths of the dense
 * algorithm visit nearly every row and scan every column for each (tens of milliseconds per path
 * at {@code n = 8192}), yet an optimal assignment only uses arcs of small reduced cost. So:
 *
 * <ol>
 *   <li>after column reduction and reduction transfer (dense, {@code O(n^2)}), every row keeps
 *       its {@link #candidates(int)} columns of smallest reduced cost {@code C_ij - v_j}, plus
 *       its assigned column;
 *   <li>augmenting row reduction and shortest augmenting paths (Dijkstra with a binary heap)
 *       run on that sparse graph, at {@code O(k)} instead of {@code O(n)} per scanned row;
 *   <li>a dense pass checks every arc: with {@code u_i = C_{i x(i)} - v_{x(i)}}, any column with
 *       {@code C_ij - v_j < u_i - tol} is added to row {@code i}'s candidates and row {@code i}
 *       is freed and re-augmented; this repeats until no arc is violated, which certifies
 *       optimality on the full matrix exactly as the dense algorithm's duals do.
 * </ol>
 *
 * If the sparse graph has no augmenting path for a row, or the repair rounds exceed {@link
 * #MAX_ROUNDS}, the violating rows are freed and the dense shortest augmenting path of {@link
 * Lapjv} finishes the job from the current duals (it needs only that every assigned arc is its
 * row's minimum, which the check establishes). Either way the result is exact.
 */
final class SparseLapjv {

  /** Repair rounds before the dense fallback. */
  static final int MAX_ROUNDS = 16;

  private final double[] c;
  private final int n;
  private final double[] v;
  private final int[] colOf;
  private final int[] rowOf;
  private final int[][] adj;
  private final double[][] adjCost;
  private final int[] deg;

  // Dijkstra state, reused across augmentations
  private final double[] d;
  private final int[] pred;
  private final byte[] state; // 0 unseen, 1 reached, 2 scanned
  private final int[] touched;
  private final int[] scanned;
  private double[] heapKey;
  private int[] heapCol;
  private int heapSize;

  /** Counters for tests and logs. */
  int paths;
  int rounds;
  boolean denseFallback;

  private SparseLapjv(double[] c, int n, double[] v, int[] colOf, int[] rowOf) {
    this.c = c;
    this.n = n;
    this.v = v;
    this.colOf = colOf;
    this.rowOf = rowOf;
    this.adj = new int[n][];
    this.adjCost = new double[n][];
    this.deg = new int[n];
    this.d = new double[n];
    this.pred = new int[n];
    this.state = new byte[n];
    this.touched = new int[n];
    this.scanned = new int[n];
    this.heapKey = new double[Math.max(16, 4 * n)];
    this.heapCol = new int[heapKey.length];
  }

  /** Candidate columns per row: {@code min(n, max(24, 3 log2 n))}. */
  static int candidates(int n) {
    int log2 = 32 - Integer.numberOfLeadingZeros(Math.max(1, n - 1));
    return Math.min(n, Math.max(24, 3 * log2));
  }

  /**
   * Completes the assignment after column reduction and reduction transfer.
   *
   * @param c the {@code n x n} cost, row-major; not modified
   * @param v modified: column prices in, final prices out
   * @param colOf modified: the partial assignment in, a complete optimal one out
   * @param rowOf modified: its inverse
   * @param free the free rows ({@code numFree} of them); modified (scratch)
   * @param arrStepFactor at most this many evictions per row in augmenting row reduction
   * @return the solver, for its counters
   */
  static SparseLapjv complete(double[] c, int n, double[] v, int[] colOf, int[] rowOf,
      int[] free, int numFree, int arrStepFactor) {
    SparseLapjv s = new SparseLapjv(c, n, v, colOf, rowOf);
    s.buildCandidates(candidates(n));
    numFree = s.augmentingRowReduction(free, numFree, arrStepFactor);
    while (true) {
      int failed = s.augmentAll(free, numFree);
      numFree = s.repair(free, failed > 0);
      if (numFree == 0) {
        return s;
      }
      if (failed > 0 || ++s.rounds > MAX_ROUNDS) {
        s.denseFallback = true;
        s.paths += numFree;
        Lapjv.augment(c, n, v, colOf, rowOf, free, numFree);
        return s;
      }
    }
  }

  /** The {@code k} columns of smallest {@code C_ij - v_j} of every row, plus its column. */
  private void buildCandidates(int k) {
    int[] heapIdx = new int[k + 1];
    double[] heapVal = new double[k + 1];
    for (int i = 0; i < n; i++) {
      int base = i * n;
      int size = 0;
      // a max-heap of the k best so far
      for (int j = 0; j < n; j++) {
        double r = c[base + j] - v[j];
        if (size < k) {
          int pos = size++;
          while (pos > 0) {
            int parent = (pos - 1) >> 1;
            if (heapVal[parent] >= r) {
              break;
            }
            heapVal[pos] = heapVal[parent];
            heapIdx[pos] = heapIdx[parent];
            pos = parent;
          }
          heapVal[pos] = r;
          heapIdx[pos] = j;
        } else if (r < heapVal[0]) {
          siftDownMax(heapVal, heapIdx, size, r, j);
        }
      }
      int own = colOf[i];
      boolean hasOwn = own < 0;
      for (int t = 0; t < size && !hasOwn; t++) {
        hasOwn = heapIdx[t] == own;
      }
      int[] row = new int[hasOwn ? size : size + 1];
      System.arraycopy(heapIdx, 0, row, 0, size);
      if (!hasOwn) {
        row[size] = own;
      }
      setRow(i, row, row.length);
    }
  }

  /** Row {@code i}'s candidates: the first {@code len} of {@code row}, with their costs. */
  private void setRow(int i, int[] row, int len) {
    double[] w = new double[row.length];
    int base = i * n;
    for (int t = 0; t < len; t++) {
      w[t] = c[base + row[t]];
    }
    adj[i] = row;
    adjCost[i] = w;
    deg[i] = len;
  }

  private static void siftDownMax(double[] val, int[] idx, int size, double r, int j) {
    int pos = 0;
    while (true) {
      int child = 2 * pos + 1;
      if (child >= size) {
        break;
      }
      if (child + 1 < size && val[child + 1] > val[child]) {
        child++;
      }
      if (val[child] <= r) {
        break;
      }
      val[pos] = val[child];
      idx[pos] = idx[child];
      pos = child;
    }
    val[pos] = r;
    idx[pos] = j;
  }

  /** Augmenting row reduction on the candidate graph (two passes, bounded steps). */
  private int augmentingRowReduction(int[] free, int numFree, int arrStepFactor) {
    if (arrStepFactor == 0) {
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
        int[] row = adj[i];
        int len = deg[i];
        if (++steps > stepLimit || len < 2) {
          free[numFree++] = i;
          continue;
        }
        double[] w = adjCost[i];
        double umin = Double.POSITIVE_INFINITY;
        double usubmin = Double.POSITIVE_INFINITY;
        int j1 = -1;
        int j2 = -1;
        for (int t = 0; t < len; t++) {
          int j = row[t];
          double h = w[t] - v[j];
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
            free[--k] = i0;
          } else {
            free[numFree++] = i0;
          }
        }
      }
    }
    return numFree;
  }

  /**
   * A sparse shortest augmenting path from each free row. Rows without a path in the candidate
   * graph stay free and are moved to the front of {@code free}; returns their number.
   */
  private int augmentAll(int[] free, int numFree) {
    int failed = 0;
    for (int f = 0; f < numFree; f++) {
      if (!augmentFrom(free[f])) {
        free[failed++] = free[f];
      }
    }
    return failed;
  }

  private boolean augmentFrom(int freeRow) {
    paths++;
    int numTouched = 0;
    int numScanned = 0;
    heapSize = 0;
    int[] row = adj[freeRow];
    double[] w = adjCost[freeRow];
    for (int t = 0, len = deg[freeRow]; t < len; t++) {
      int j = row[t];
      double r = w[t] - v[j];
      if (state[j] == 0) {
        state[j] = 1;
        touched[numTouched++] = j;
        d[j] = r;
        pred[j] = freeRow;
        push(r, j);
      } else if (r < d[j]) {
        d[j] = r;
        pred[j] = freeRow;
        push(r, j);
      }
    }
    int end = -1;
    double min = 0;
    while (heapSize > 0) {
      double key = heapKey[0];
      int j = heapCol[0];
      pop();
      if (state[j] == 2 || key > d[j]) {
        continue; // stale entry
      }
      min = key;
      if (rowOf[j] < 0) {
        end = j;
        break;
      }
      state[j] = 2;
      scanned[numScanned++] = j;
      int i = rowOf[j];
      int rb = i * n;
      double h = c[rb + j] - v[j] - min;
      int[] ri = adj[i];
      double[] wi = adjCost[i];
      for (int t = 0, len = deg[i]; t < len; t++) {
        int k = ri[t];
        byte s = state[k];
        if (s == 2) {
          continue;
        }
        double v2 = wi[t] - v[k] - h;
        if (s == 0) {
          state[k] = 1;
          touched[numTouched++] = k;
          d[k] = v2;
          pred[k] = i;
          push(v2, k);
        } else if (v2 < d[k]) {
          d[k] = v2;
          pred[k] = i;
          push(v2, k);
        }
      }
    }
    if (end >= 0) {
      for (int t = 0; t < numScanned; t++) {
        int j = scanned[t];
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
    for (int t = 0; t < numTouched; t++) {
      state[touched[t]] = 0;
    }
    return end >= 0;
  }

  private void push(double key, int col) {
    if (heapSize == heapKey.length) {
      heapKey = Arrays.copyOf(heapKey, 2 * heapSize);
      heapCol = Arrays.copyOf(heapCol, 2 * heapSize);
    }
    int pos = heapSize++;
    while (pos > 0) {
      int parent = (pos - 1) >> 1;
      if (heapKey[parent] <= key) {
        break;
      }
      heapKey[pos] = heapKey[parent];
      heapCol[pos] = heapCol[parent];
      pos = parent;
    }
    heapKey[pos] = key;
    heapCol[pos] = col;
  }

  private void pop() {
    int last = --heapSize;
    if (last == 0) {
      return;
    }
    double key = heapKey[last];
    int col = heapCol[last];
    int pos = 0;
    while (true) {
      int child = 2 * pos + 1;
      if (child >= last) {
        break;
      }
      if (child + 1 < last && heapKey[child + 1] < heapKey[child]) {
        child++;
      }
      if (heapKey[child] >= key) {
        break;
      }
      heapKey[pos] = heapKey[child];
      heapCol[pos] = heapCol[child];
      pos = child;
    }
    heapKey[pos] = key;
    heapCol[pos] = col;
  }

  /**
   * The dense check: frees every assigned row that has an arc with {@code C_ij - v_j < u_i -
   * tol}, after adding its violating columns to its candidates (unless {@code keepGraph}). Rows
   * already free are kept in {@code free}. Returns the number of free rows.
   */
  private int repair(int[] free, boolean keepGraph) {
    // rounding noise of C_ij - v_j - u_i is a few ulps of the largest term where an arc can be
    // violated, i.e. where C_ij is about u_i + v_j
    double maxV = 0;
    double maxU = 0;
    for (int i = 0; i < n; i++) {
      maxV = Math.max(maxV, Math.abs(v[i]));
      int own = colOf[i];
      if (own >= 0) {
        maxU = Math.max(maxU, Math.abs(c[i * n + own] - v[own]));
      }
    }
    double tol = 1e-13 * (maxU + maxV) + Double.MIN_NORMAL;
    int numFree = 0;
    int[] extra = new int[n];
    for (int i = 0; i < n; i++) {
      int own = colOf[i];
      if (own < 0) {
        free[numFree++] = i;
        continue;
      }
      int base = i * n;
      double thr = c[base + own] - v[own] - tol;
      int numExtra = 0;
      for (int j = 0; j < n; j++) {
        if (c[base + j] - v[j] < thr) {
          extra[numExtra++] = j;
        }
      }
      if (numExtra == 0) {
        continue;
      }
      if (!keepGraph) {
        int[] row = adj[i];
        int len = deg[i];
        int[] grown = Arrays.copyOf(row, len + numExtra);
        int added = 0;
        for (int t = 0; t < numExtra; t++) {
          int j = extra[t];
          boolean present = false;
          for (int q = 0; q < len && !present; q++) {
            present = row[q] == j;
          }
          if (!present) {
            grown[len + added++] = j;
          }
        }
        setRow(i, grown, len + added);
      }
      rowOf[own] = -1;
      colOf[i] = -1;
      free[numFree++] = i;
    }
    return numFree;
  }
}
