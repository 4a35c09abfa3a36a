package org.otfuse.core.ot;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Exact OT for any sizes and marginals: the primal network simplex method on the transportation
 * network of the OT linear program (Singh and Jaggi 2020, eq. (1); the solver behind POT's
 * {@code ot.emd}, Bonneel et al. 2011, which adapts LEMON's {@code NetworkSimplex}).
 *
 * <p>The network has a supply node per row {@code i} (supply {@code a_i}), a demand node per
 * column {@code j} (demand {@code b_j}, rescaled to {@code sum(a)}), an uncapacitated arc
 * {@code i -> j} of cost {@code C_ij} for every pair, and an artificial root joined to every node
 * (arc {@code i -> root} of cost 0, arc {@code root -> j} of a big cost {@code M = (n + m + 1)
 * max|C|}), whose arcs form the initial basis and can never re-enter it. The algorithm keeps:
 *
 * <ul>
 *   <li>a spanning-tree basis with parent, predecessor-arc, depth and child-list arrays, and the
 *       flow of each tree arc;
 *   <li>node potentials {@code pi} with {@code pi_t = pi_s + cost} on tree arcs {@code s -> t};
 *   <li><b>block-search pricing</b> (Grigoriadis 1986; LEMON's default): arcs are scanned in
 *       blocks of {@code 4 sqrt(n m)} ({@link #BLOCK_FACTOR}) from where the last scan stopped,
 *       as contiguous row segments of the cost, and the most negative reduced cost {@code C_ij
 *       + pi_i - pi_j} of the first block that holds one enters;
 *   <li><b>strongly feasible trees</b> (Cunningham 1976) as the anti-cycling rule: the initial
 *       tree is strongly feasible and the leaving arc is the last blocking arc met when the pivot
 *       cycle is traversed in the entering arc's direction starting at its apex. This keeps every
 *       basis strongly feasible, which rules out cycling, so degenerate problems (ties,
 *       all-equal costs, assignment-like plans with {@code n + m - 1} basic arcs but only
 *       {@code n} positive flows) terminate.
 * </ul>
 *
 * <p>Arithmetic is float64. An arc enters only when its reduced cost is below {@code -1e-14 M}
 * (about {@code 1e-11 max|C|} for {@code n + m = 1024}), so that rounding noise in the
 * potentials cannot drive degenerate pivots; the optimality gap this allows is at most that
 * times {@code sum(a)}. When pricing finds no entering arc, the potentials are recomputed from
 * the tree and every arc is priced again before optimality is declared.
 *
 * <p>The result's potentials are the LP duals {@code u_i = -pi_i}, {@code v_j = pi_j}:
 * {@code u_i + v_j <= C_ij} for all arcs (to the pricing tolerance), with equality on the tree
 * and hence wherever the plan is positive. The basic plan has at most {@code n + m - 1}
 * positive entries.
 *
 * <p>Time per pivot: {@code O(block)} pricing plus {@code O(cycle + moved subtree)} updates;
 * memory: the dense {@code double[n m]} cost, a byte per arc, and {@code O(n + m)}. Instances are
 * immutable and thread-safe (each call allocates its own state).
 */
public final class NetworkSimplex implements TransportSolver {

  private static final Logger LOG = LoggerFactory.getLogger(NetworkSimplex.class);

  /** Reduced costs above {@code -PRICING_TOLERANCE * M} count as non-negative. */
  static final double PRICING_TOLERANCE = 1e-14;

  /**
   * Pricing block size over {@code sqrt(n m)}: 4 (LEMON's default is 1) halves the pivots on
   * dense random costs for slightly longer scans; measured on the benchmark's 1024 x 1024
   * Dirichlet case and 3000 x 2000 (docs/benchmarks.md).
   */
  static final double BLOCK_FACTOR = 4.0;

  private final long maxPivots;

  /** A solver whose pivot limit is only a safety net: {@code max(10^7, 100 n m)}. */
  public NetworkSimplex() {
    this.maxPivots = 0;
  }

  /**
   * A solver that gives up with an {@link IllegalStateException} after {@code maxPivots} pivots.
   *
   * @param maxPivots the limit, {@code >= 1}
   */
  public NetworkSimplex(long maxPivots) {
    if (maxPivots < 1) {
      throw new IllegalArgumentException("maxPivots is " + maxPivots + " but must be >= 1");
    }
    this.maxPivots = maxPivots;
  }

  /**
   * {@inheritDoc}
   *
   * <p>Masses may be zero. The potentials of the result are the LP duals described above.
   *
   * @throws IllegalStateException when the pivot limit is reached
   */
  @Override
  public TransportPlan solve(INDArray a, INDArray b, INDArray cost) {
    return solve(OtProblem.of(a, b, cost, false, "NetworkSimplex"));
  }

  /** Solves a validated problem. */
  TransportPlan solve(OtProblem p) {
    int n = p.n();
    int m = p.m();
    long arcs = (long) n * m;
    if (arcs > Integer.MAX_VALUE - n - m - 1) {
      throw new IllegalArgumentException(
          "cost has shape " + Checks.shape(p.cost()) + ": more than 2^31 arcs is not supported");
    }
    long limit = maxPivots > 0 ? maxPivots : Math.max(10_000_000L, 100L * arcs);
    double[] supply = new double[n + m];
    double[] av = p.aArray();
    double[] bv = p.bArray();
    double scaleB = p.sumA() / p.sumB();
    System.arraycopy(av, 0, supply, 0, n);
    for (int j = 0; j < m; j++) {
      supply[n + j] = -bv[j] * scaleB;
    }
    long start = System.nanoTime();
    Network net = new Network(n, m, p.costArray(), supply);
    net.run(limit);
    double[] u = new double[n];
    double[] v = new double[m];
    net.duals(u, v);
    TransportPlan result = net.result(av, bv, (int) Math.min(Integer.MAX_VALUE, net.pivots),
        u, v);
    if (LOG.isDebugEnabled()) {
      LOG.debug("network simplex {}x{}: cost={} pivots={} in {} ms", n, m, result.cost(),
          net.pivots, (System.nanoTime() - start) / 1e6);
    }
    return result;
  }

  /** The mutable state of one solve. Nodes: rows {@code [0, n)}, columns {@code [n, n + m)}, root. */
  static final class Network {
    final int n;
    final int m;
    final int numNodes;
    final int root;
    final int numArcs;
    final double[] c;
    final double[] artCost;
    final double bigM;
    final double eps;
    final byte[] inTree;

    final int[] parent;
    final int[] pred;
    final boolean[] predUp;
    final double[] flow;
    final double[] pi;
    final int[] depth;
    final int[] firstChild;
    final int[] nextSib;
    final int[] prevSib;
    final int[] stem;
    final int[] stack;

    final int blockSize;
    int nextArc;
    long pivots;

    Network(int n, int m, double[] c, double[] supply) {
      this.n = n;
      this.m = m;
      this.numNodes = n + m;
      this.root = numNodes;
      this.numArcs = n * m;
      this.c = c;
      double maxAbs = 0;
      for (double x : c) {
        maxAbs = Math.max(maxAbs, Math.abs(x));
      }
      this.bigM = (numNodes + 1) * (maxAbs > 0 ? maxAbs : 1.0);
      this.eps = PRICING_TOLERANCE * bigM;
      this.inTree = new byte[numArcs];
      int size = numNodes + 1;
      parent = new int[size];
      pred = new int[size];
      predUp = new boolean[size];
      flow = new double[size];
      pi = new double[size];
      depth = new int[size];
      firstChild = new int[size];
      nextSib = new int[size];
      prevSib = new int[size];
      stem = new int[size];
      stack = new int[size];
      artCost = new double[numNodes];
      blockSize = Math.max(10, (int) (BLOCK_FACTOR * Math.sqrt((double) numArcs)));
      java.util.Arrays.fill(firstChild, -1);
      parent[root] = -1;
      pred[root] = -1;
      for (int u = numNodes - 1; u >= 0; u--) {
        parent[u] = root;
        pred[u] = numArcs + u;
        depth[u] = 1;
        if (supply[u] >= 0) {
          predUp[u] = true; // u -> root, cost 0: pi_root = pi_u
          flow[u] = supply[u];
          artCost[u] = 0;
          pi[u] = 0;
        } else {
          predUp[u] = false; // root -> u, cost M: pi_u = pi_root + M
          flow[u] = -supply[u];
          artCost[u] = bigM;
          pi[u] = bigM;
        }
        attach(u, root);
      }
    }

    double arcCost(int e) {
      return e < numArcs ? c[e] : artCost[e - numArcs];
    }

    void run(long limit) {
      while (true) {
        if (pivots >= limit) {
          if (nextEnteringArc() < 0) {
            return;
          }
          throw new IllegalStateException("network simplex reached its limit of " + limit
              + " pivots on a " + n + " x " + m + " problem before optimality");
        }
        if (!step()) {
          return;
        }
      }
    }

    /** One pivot; false (and no pivot) when the basis is optimal. */
    boolean step() {
      int e = nextEnteringArc();
      if (e < 0) {
        return false;
      }
      pivot(e);
      pivots++;
      return true;
    }

    /**
     * The next entering arc by block search; when there is none, the potentials are recomputed
     * from the tree and all arcs priced again. -1 when the basis is optimal.
     */
    private int nextEnteringArc() {
      int e = findEnteringArc();
      if (e < 0) {
        recomputePotentials(false);
        e = fullPricing();
      }
      return e;
    }

    /**
     * Whether the tree is strongly feasible: every tree arc that points away from the root
     * carries positive flow, so that a positive amount can be sent from any node to the root.
     */
    boolean stronglyFeasible() {
      for (int u = 0; u < numNodes; u++) {
        if (!predUp[u] && !(flow[u] > 0)) {
          return false;
        }
      }
      return true;
    }

    /** The cost of the current basic flow, artificial arcs included. */
    double objective() {
      double s = 0;
      for (int u = 0; u < numNodes; u++) {
        s += flow[u] * arcCost(pred[u]);
      }
      return s;
    }

    /**
     * Block search from {@code nextArc}; -1 when no arc has reduced cost below {@code -eps}.
     * Blocks are scanned as contiguous row segments of the row-major cost.
     */
    int findEnteringArc() {
      final double[] c = this.c;
      final double[] pi = this.pi;
      final byte[] inTree = this.inTree;
      final int m = this.m;
      final int n = this.n;
      double min = -eps;
      int best = -1;
      int e = nextArc;
      int remaining = numArcs;
      while (remaining > 0) {
        int todo = Math.min(blockSize, remaining);
        remaining -= todo;
        while (todo > 0) {
          int i = e / m;
          int j = e - i * m;
          int len = Math.min(todo, m - j);
          double piI = pi[i];
          int end = e + len;
          int colBase = n - i * m; // pi[n + j] = pi[colBase + e]
          for (int f = e; f < end; f++) {
            // tree arcs have reduced cost 0 up to rounding: inTree is read for candidates only
            double rc = c[f] + piI - pi[colBase + f];
            if (rc < min && inTree[f] == 0) {
              min = rc;
              best = f;
            }
          }
          todo -= len;
          e = end == numArcs ? 0 : end;
        }
        if (best >= 0) {
          nextArc = e;
          return best;
        }
      }
      nextArc = e;
      return best;
    }

    /** The arc with the most negative reduced cost below {@code -eps}, or -1. */
    int fullPricing() {
      double min = -eps;
      int best = -1;
      for (int i = 0; i < n; i++) {
        double pr = pi[i];
        int base = i * m;
        for (int j = 0; j < m; j++) {
          int e = base + j;
          if (inTree[e] == 0) {
            double rc = c[e] + pr - pi[n + j];
            if (rc < min) {
              min = rc;
              best = e;
            }
          }
        }
      }
      return best;
    }

    void pivot(int inArc) {
      int first = inArc / m;
      int second = n + inArc % m;
      double rc = c[inArc] + pi[first] - pi[second];
      int u = first;
      int v = second;
      while (u != v) {
        if (depth[u] > depth[v]) {
          u = parent[u];
        } else if (depth[v] > depth[u]) {
          v = parent[v];
        } else {
          u = parent[u];
          v = parent[v];
        }
      }
      int join = u;
      // Leaving arc: the last blocking arc along the cycle first -> second -> join -> first,
      // traversed from the apex (Cunningham's rule for strongly feasible trees).
      double delta = Double.POSITIVE_INFINITY;
      int uOut = -1;
      boolean outOnFirst = false;
      for (u = first; u != join; u = parent[u]) {
        if (predUp[u] && flow[u] < delta) { // arc u -> parent carries flow against the cycle
          delta = flow[u];
          uOut = u;
          outOnFirst = true;
        }
      }
      for (u = second; u != join; u = parent[u]) {
        if (!predUp[u] && flow[u] <= delta) { // arc parent -> u carries flow against the cycle
          delta = flow[u];
          uOut = u;
          outOnFirst = false;
        }
      }
      if (uOut < 0) {
        throw new IllegalStateException("unbounded pivot cycle in the transportation network");
      }
      if (delta > 0) {
        for (u = first; u != join; u = parent[u]) {
          flow[u] += predUp[u] ? -delta : delta;
        }
        for (u = second; u != join; u = parent[u]) {
          flow[u] += predUp[u] ? delta : -delta;
        }
      }
      int uIn;
      int vIn;
      boolean inUp;
      double sigma;
      if (outOnFirst) {
        uIn = first;
        vIn = second;
        inUp = true; // first -> second points from uIn to its new parent
        sigma = -rc;
      } else {
        uIn = second;
        vIn = first;
        inUp = false;
        sigma = rc;
      }
      int outArc = pred[uOut];
      if (outArc < numArcs) {
        inTree[outArc] = 0;
      }
      inTree[inArc] = 1;
      // Re-hang the subtree of uOut below vIn, rooted at uIn: reverse the stem uIn .. uOut.
      int k = 0;
      for (u = uIn; ; u = parent[u]) {
        stem[k++] = u;
        if (u == uOut) {
          break;
        }
      }
      for (int t = 0; t < k; t++) {
        detach(stem[t]);
      }
      for (int t = k - 1; t >= 1; t--) {
        int s = stem[t];
        int ch = stem[t - 1];
        parent[s] = ch;
        pred[s] = pred[ch];
        flow[s] = flow[ch];
        predUp[s] = !predUp[ch];
        attach(s, ch);
      }
      parent[uIn] = vIn;
      pred[uIn] = inArc;
      flow[uIn] = delta;
      predUp[uIn] = inUp;
      attach(uIn, vIn);
      // Shift the potentials of the moved subtree and renumber its depths.
      depth[uIn] = depth[vIn] + 1;
      pi[uIn] += sigma;
      int top = 0;
      stack[top++] = uIn;
      while (top > 0) {
        int x = stack[--top];
        int dx = depth[x] + 1;
        for (int ch = firstChild[x]; ch >= 0; ch = nextSib[ch]) {
          depth[ch] = dx;
          pi[ch] += sigma;
          stack[top++] = ch;
        }
      }
    }

    void detach(int u) {
      int p = parent[u];
      int prev = prevSib[u];
      int next = nextSib[u];
      if (prev >= 0) {
        nextSib[prev] = next;
      } else {
        firstChild[p] = next;
      }
      if (next >= 0) {
        prevSib[next] = prev;
      }
    }

    void attach(int u, int p) {
      int head = firstChild[p];
      nextSib[u] = head;
      prevSib[u] = -1;
      if (head >= 0) {
        prevSib[head] = u;
      }
      firstChild[p] = u;
    }

    /**
     * Recomputes {@code pi} from the tree (root 0). With {@code zeroArtificial}, artificial arcs
     * count as cost 0.
     */
    void recomputePotentials(boolean zeroArtificial) {
      pi[root] = 0;
      int top = 0;
      stack[top++] = root;
      while (top > 0) {
        int x = stack[--top];
        for (int ch = firstChild[x]; ch >= 0; ch = nextSib[ch]) {
          int e = pred[ch];
          double w = (zeroArtificial && e >= numArcs) ? 0 : arcCost(e);
          pi[ch] = predUp[ch] ? pi[x] - w : pi[x] + w;
          stack[top++] = ch;
        }
      }
    }

    /**
     * The basic plan (at most {@code n + m - 1} positive entries, from the tree's flows) with its
     * cost and marginal errors, summed over those entries in plain loops.
     */
    TransportPlan result(double[] a, double[] b, int iterations, double[] u, double[] v) {
      INDArray plan = OffHeap.zeros(n, m);
      java.nio.DoubleBuffer data = plan.data().asNioDouble();
      double[] rows = new double[n];
      double[] cols = new double[m];
      double cost = 0;
      for (int x = 0; x < numNodes; x++) {
        int e = pred[x];
        double f = flow[x];
        if (e < numArcs && f > 0) {
          int i = e / m;
          int j = e - i * m;
          data.put(e, f);
          rows[i] += f;
          cols[j] += f;
          cost += f * c[e];
        }
      }
      double rowError = 0;
      double colError = 0;
      for (int i = 0; i < n; i++) {
        rowError = Math.max(rowError, Math.abs(rows[i] - a[i]));
      }
      for (int j = 0; j < m; j++) {
        colError = Math.max(colError, Math.abs(cols[j] - b[j]));
      }
      return new TransportPlan(plan, cost, rowError, colError, iterations,
          Nd4j.createFromArray(u), Nd4j.createFromArray(v));
    }

    /**
     * The LP duals. When every artificial arc left in the tree is of one kind (always, unless
     * some masses are zero), they only shift all potentials alike and are counted as cost 0, so
     * the duals stay of the order of the costs; otherwise the big-M offsets are kept.
     */
    void duals(double[] u, double[] v) {
      boolean sawCheap = false;
      boolean sawExpensive = false;
      for (int ch = firstChild[root]; ch >= 0; ch = nextSib[ch]) {
        if (artCost[pred[ch] - numArcs] == 0) {
          sawCheap = true;
        } else {
          sawExpensive = true;
        }
      }
      recomputePotentials(!(sawCheap && sawExpensive));
      for (int i = 0; i < n; i++) {
        u[i] = -pi[i];
      }
      for (int j = 0; j < m; j++) {
        v[j] = pi[n + j];
      }
    }
  }
}
