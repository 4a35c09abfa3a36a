package org.otfuse.core.ot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.otfuse.core.io.Npy;
import org.otfuse.core.testing.Fixtures;
import org.otfuse.core.testing.Tolerance;

/** Fixtures, oracles and assertions shared by the OT tests. */
final class OtTestSupport {
  private OtTestSupport() {}

  /** Exact solvers must match POT's ot.emd cost to this (the brief's 1e-9 relative). */
  static final Tolerance EXACT_COST = Tolerance.relative(1e-9);
  /** Marginals of an exact plan: 1e-9 absolute (masses are about 1/n). */
  static final Tolerance EXACT_MARGINAL = Tolerance.absolute(1e-9);
  /** Dual feasibility and complementary slackness slack: 1e-9 absolute in cost units. */
  static final double DUAL_SLACK = 1e-9;

  /** One case of fixtures/ot/ot_solver_results.json that has .npy files. */
  record SharedCase(String name, int n, int m, boolean uniform, double emdCost,
      double sinkhornCost, double sinkhornReg) {
    INDArray cost() {
      return npy("ot/" + name + "_C.npy");
    }

    INDArray a() {
      return npy("ot/" + name + "_a.npy");
    }

    INDArray b() {
      return npy("ot/" + name + "_b.npy");
    }

    boolean squareUniform() {
      return n == m && uniform;
    }

    @Override
    public String toString() {
      return name;
    }
  }

  static List<SharedCase> sharedCases() {
    JsonNode root = json(Fixtures.path("ot/ot_solver_results.json"));
    List<SharedCase> cases = new ArrayList<>();
    for (JsonNode c : root.get("cases")) {
      if (!c.has("fixture_files")) {
        continue; // n = 1024, 2048: timings only, no .npy
      }
      cases.add(new SharedCase(c.get("name").asText(), c.get("n").asInt(), c.get("m").asInt(),
          c.get("marginals").asText().equals("uniform"), c.get("emd_cost").asDouble(),
          c.get("sinkhorn_cost").asDouble(), c.get("sinkhorn_reg").asDouble()));
    }
    assertEquals(6, cases.size(), "shared OT cases with fixture files");
    return cases;
  }

  static INDArray npy(String fixture) {
    try {
      return Npy.read(Fixtures.path(fixture));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A file of this package's own test resources, {@code src/test/resources/ot/<name>}. */
  static String resource(String name) {
    URL url = OtTestSupport.class.getResource("/ot/" + name);
    if (url == null) {
      throw new AssertionError("test resource missing: ot/" + name);
    }
    try {
      return Path.of(url.toURI()).toString();
    } catch (URISyntaxException e) {
      throw new AssertionError(e);
    }
  }

  static JsonNode json(String path) {
    try (InputStream in = java.nio.file.Files.newInputStream(Path.of(path))) {
      return new ObjectMapper().readTree(in);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static INDArray uniform(int n) {
    return Nd4j.valueArrayOf(new long[] {n}, 1.0 / n, DataType.DOUBLE);
  }

  static INDArray matrix(double[][] x) {
    return Nd4j.createFromArray(x);
  }

  static INDArray vector(double... x) {
    return Nd4j.createFromArray(x);
  }

  /** Masses {@code counts / sum(counts)}. */
  static INDArray masses(int[] counts) {
    double total = 0;
    for (int c : counts) {
      total += c;
    }
    double[] v = new double[counts.length];
    for (int i = 0; i < v.length; i++) {
      v[i] = counts[i] / total;
    }
    return vector(v);
  }

  /** The kinds of cost matrix the degenerate-case tests use. */
  enum CostKind {
    RANDOM, ALL_ZERO, INTEGER_0_1_2, RANK_ONE, PERMUTATION, CONSTANT;

    double[][] make(int n, int m, Random rnd) {
      double[][] c = new double[n][m];
      switch (this) {
        case RANDOM -> {
          for (double[] row : c) {
            for (int j = 0; j < m; j++) {
              row[j] = rnd.nextDouble();
            }
          }
        }
        case ALL_ZERO -> { }
        case CONSTANT -> {
          for (double[] row : c) {
            java.util.Arrays.fill(row, 3.25);
          }
        }
        case INTEGER_0_1_2 -> {
          for (double[] row : c) {
            for (int j = 0; j < m; j++) {
              row[j] = rnd.nextInt(3);
            }
          }
        }
        case RANK_ONE -> {
          double[] x = new double[n];
          double[] y = new double[m];
          for (int i = 0; i < n; i++) {
            x[i] = rnd.nextInt(4) - 1; // ties and a sign change
          }
          for (int j = 0; j < m; j++) {
            y[j] = rnd.nextInt(3) + 0.5;
          }
          for (int i = 0; i < n; i++) {
            for (int j = 0; j < m; j++) {
              c[i][j] = x[i] * y[j];
            }
          }
        }
        case PERMUTATION -> {
          // 1 - P for a random partial permutation P: the optimum is 0 when n == m
          int[] perm = shuffled(Math.max(n, m), rnd);
          for (double[] row : c) {
            java.util.Arrays.fill(row, 1.0);
          }
          for (int i = 0; i < n; i++) {
            if (perm[i] < m) {
              c[i][perm[i]] = 0;
            }
          }
        }
        default -> throw new AssertionError(this);
      }
      return c;
    }
  }

  static int[] shuffled(int n, Random rnd) {
    int[] p = new int[n];
    for (int i = 0; i < n; i++) {
      p[i] = i;
    }
    for (int i = n - 1; i > 0; i--) {
      int k = rnd.nextInt(i + 1);
      int t = p[i];
      p[i] = p[k];
      p[k] = t;
    }
    return p;
  }

  /** {@code min over permutations sigma of sum_i c[i][sigma(i)]}, by enumeration (n <= 8). */
  static double bruteForceAssignment(double[][] c) {
    int n = c.length;
    assertTrue(n <= 8, "brute force is for n <= 8");
    int[] p = new int[n];
    for (int i = 0; i < n; i++) {
      p[i] = i;
    }
    double best = Double.POSITIVE_INFINITY;
    // Heap's algorithm, iterative
    int[] k = new int[n];
    best = Math.min(best, permCost(c, p));
    int i = 1;
    while (i < n) {
      if (k[i] < i) {
        int s = (i % 2 == 0) ? 0 : k[i];
        int t = p[s];
        p[s] = p[i];
        p[i] = t;
        best = Math.min(best, permCost(c, p));
        k[i]++;
        i = 1;
      } else {
        k[i] = 0;
        i++;
      }
    }
    return best;
  }

  private static double permCost(double[][] c, int[] p) {
    double s = 0;
    for (int i = 0; i < p.length; i++) {
      s += c[i][p[i]];
    }
    return s;
  }

  /**
   * OT between integer multiplicities {@code rows[i] / N} and {@code cols[j] / N} as an assignment:
   * repeat row {@code i} {@code rows[i]} times and column {@code j} {@code cols[j]} times; the
   * optimal assignment cost divided by {@code N} is the OT cost (the LP's vertices are integral).
   */
  static double expandedAssignmentCost(double[][] c, int[] rows, int[] cols) {
    int total = 0;
    for (int r : rows) {
      total += r;
    }
    double[][] big = new double[total][total];
    int bi = 0;
    for (int i = 0; i < rows.length; i++) {
      for (int ri = 0; ri < rows[i]; ri++, bi++) {
        int bj = 0;
        for (int j = 0; j < cols.length; j++) {
          for (int cj = 0; cj < cols[j]; cj++, bj++) {
            big[bi][bj] = c[i][j];
          }
        }
      }
    }
    if (total <= 7) {
      return bruteForceAssignment(big) / total;
    }
    return new AssignmentSolver().solve(uniform(total), uniform(total), matrix(big)).cost();
  }

  /** Random positive counts summing to {@code total}, each at least 1. */
  static int[] counts(int k, int total, Random rnd) {
    int[] c = new int[k];
    java.util.Arrays.fill(c, 1);
    for (int t = k; t < total; t++) {
      c[rnd.nextInt(k)]++;
    }
    return c;
  }

  /**
   * Checks the plan's own bookkeeping and LP optimality through its duals: {@code plan >= 0},
   * {@code cost == <plan, C>}, reported errors equal to the measured ones, {@code u_i + v_j <=
   * C_ij + slack} everywhere, {@code |u_i + v_j - C_ij| <= slack} where {@code plan_ij > 0}, and
   * strong duality {@code <a, u> + <b, v> == cost}.
   */
  static void assertOptimalByDuality(TransportPlan p, INDArray a, INDArray b, INDArray cost,
      double slack) {
    INDArray c = cost.castTo(DataType.DOUBLE);
    int n = (int) c.size(0);
    int m = (int) c.size(1);
    double[][] cc = c.toDoubleMatrix();
    double[][] t = p.plan().toDoubleMatrix();
    double[] u = p.rowPotential().toDoubleVector();
    double[] v = p.colPotential().toDoubleVector();
    double direct = 0;
    double[] rows = new double[n];
    double[] cols = new double[m];
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < m; j++) {
        if (t[i][j] < 0) {
          fail("plan[" + i + ", " + j + "] = " + t[i][j] + " < 0");
        }
        direct += t[i][j] * cc[i][j];
        rows[i] += t[i][j];
        cols[j] += t[i][j];
        double gap = cc[i][j] - u[i] - v[j];
        if (gap < -slack) {
          fail("dual infeasible at [" + i + ", " + j + "]: u + v - C = " + (-gap));
        }
        if (t[i][j] > 0 && gap > slack) {
          fail("complementary slackness broken at [" + i + ", " + j + "]: plan = " + t[i][j]
              + " but C - u - v = " + gap);
        }
      }
    }
    Tolerance.relative(1e-12).assertClose(direct, p.cost(), "reported cost vs sum(plan * C)");
    double[] av = a.castTo(DataType.DOUBLE).toDoubleVector();
    double[] bv = b.castTo(DataType.DOUBLE).toDoubleVector();
    double rowErr = 0;
    double colErr = 0;
    double dual = 0;
    for (int i = 0; i < n; i++) {
      rowErr = Math.max(rowErr, Math.abs(rows[i] - av[i]));
      dual += av[i] * u[i];
    }
    for (int j = 0; j < m; j++) {
      colErr = Math.max(colErr, Math.abs(cols[j] - bv[j]));
      dual += bv[j] * v[j];
    }
    Tolerance.absolute(1e-14).assertClose(rowErr, p.rowError(), "reported row error");
    Tolerance.absolute(1e-14).assertClose(colErr, p.colError(), "reported column error");
    new Tolerance(1e-12, 1e-9).assertClose(p.cost(), dual, "dual objective <a,u> + <b,v>");
  }
}
