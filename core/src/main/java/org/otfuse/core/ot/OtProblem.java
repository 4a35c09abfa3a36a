package org.otfuse.core.ot;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.otfuse.core.io.Tensors;

/**
 * The validated inputs of a {@link TransportSolver}, per the contract documented on {@link
 * TransportSolver}: the marginals as float64 {@code double[]} copies and rank-1 float64 arrays,
 * the cost as a float64 matrix and, once asked for, as a row-major {@code double[n * m]} copy.
 *
 * <p>Validation runs in plain Java loops over the copies (or one native reduction when the cost
 * stays in ND4J), never in many small ND4J ops: on a shared machine each native op can wait for
 * its thread pool, which dominated small solves.
 *
 * <p>Internal: the arrays it hands out are its own (no copies); callers must not modify them.
 */
final class OtProblem {
  private final INDArray a;
  private final INDArray b;
  private final INDArray cost;
  private final double[] aArr;
  private final double[] bArr;
  private double[] costArr;
  private INDArray costContiguous;
  private final double sumA;
  private final double sumB;

  private OtProblem(INDArray a, INDArray b, INDArray cost, double[] aArr, double[] bArr,
      double[] costArr, double sumA, double sumB) {
    this.a = a;
    this.b = b;
    this.cost = cost;
    this.aArr = aArr;
    this.bArr = bArr;
    this.costArr = costArr;
    this.sumA = sumA;
    this.sumB = sumB;
  }

  int n() {
    return (int) cost.size(0);
  }

  int m() {
    return (int) cost.size(1);
  }

  /** {@code a}, rank 1, float64. */
  INDArray a() {
    return a;
  }

  /** {@code b}, rank 1, float64. */
  INDArray b() {
    return b;
  }

  /** The cost, {@code n x m}, float64 (the caller's array when it already was). */
  INDArray cost() {
    return cost;
  }

  double sumA() {
    return sumA;
  }

  double sumB() {
    return sumB;
  }

  /**
   * Validates {@code (a, b, cost)}; the cost is checked through a row-major {@code double[]} copy
   * that {@link #costArray()} then returns.
   *
   * @param strictlyPositive whether every mass must be {@code > 0} (else {@code >= 0})
   * @param solver the solver's name, for messages
   */
  static OtProblem of(INDArray a, INDArray b, INDArray cost, boolean strictlyPositive,
      String solver) {
    return of(a, b, cost, strictlyPositive, solver, false);
  }

  /**
   * Validates {@code a} and {@code b} and the cost's shape.
   *
   * @param strictlyPositive whether every mass must be {@code > 0} (else {@code >= 0})
   * @param solver the solver's name, for messages
   * @param callerChecksCost true: the caller checks the cost's finiteness itself, in a pass it
   *     makes anyway, and the cost is copied only if {@link #costArray()} is called; false: the
   *     cost is copied to a {@code double[]} now and checked there
   */
  static OtProblem of(INDArray a, INDArray b, INDArray cost, boolean strictlyPositive,
      String solver, boolean callerChecksCost) {
    Checks.requireMatrix(cost, "cost");
    if (cost.size(0) < 1 || cost.size(1) < 1) {
      throw new IllegalArgumentException(
          "cost has shape " + Checks.shape(cost) + " but needs at least one row and one column");
    }
    if (cost.size(0) > Integer.MAX_VALUE / 2 || cost.size(1) > Integer.MAX_VALUE / 2) {
      throw new IllegalArgumentException("cost has shape " + Checks.shape(cost) + "; too large");
    }
    INDArray av = Checks.vector(a, cost.size(0), "a", "rows of cost " + Checks.shape(cost));
    INDArray bv = Checks.vector(b, cost.size(1), "b", "columns of cost " + Checks.shape(cost));
    double[] aArr = av.toDoubleVector();
    double[] bArr = bv.toDoubleVector();
    requireFinite(aArr, "a", av);
    requireFinite(bArr, "b", bv);
    requireMasses(aArr, "a", strictlyPositive, solver);
    requireMasses(bArr, "b", strictlyPositive, solver);
    double sa = sum(aArr);
    double sb = sum(bArr);
    if (!(sa > 0) || !(sb > 0)) {
      throw new IllegalArgumentException(
          "marginals must have positive totals but sum(a) = " + sa + " and sum(b) = " + sb);
    }
    if (Math.abs(sa - sb) > TransportSolver.BALANCE_TOLERANCE * Math.max(sa, sb)) {
      throw new IllegalArgumentException("marginals must have the same total within "
          + TransportSolver.BALANCE_TOLERANCE + " relative but sum(a) = " + sa + " and sum(b) = "
          + sb + " (difference " + (sa - sb) + ")");
    }
    INDArray c = cost.dataType() == DataType.DOUBLE ? cost : cost.castTo(DataType.DOUBLE);
    double[] cArr = null;
    if (!callerChecksCost) {
      if ((long) cost.size(0) * cost.size(1) > Integer.MAX_VALUE - 16) {
        throw new IllegalArgumentException("cost has shape " + Checks.shape(cost)
            + ": more than 2^31 entries is not supported");
      }
      cArr = toArray(c);
      requireFinite(cArr, "cost", c);
    }
    return new OtProblem(av, bv, c, aArr, bArr, cArr, sa, sb);
  }

  private static double sum(double[] x) {
    double s = 0;
    for (double v : x) {
      s += v;
    }
    return s;
  }

  /** Fails on a NaN or infinity in {@code x}, a copy of {@code original} (named like it). */
  private static void requireFinite(double[] x, String name, INDArray original) {
    // v * 0 is NaN for a NaN or an infinity, else 0; four chains so that the adds pipeline
    double acc0 = 0;
    double acc1 = 0;
    double acc2 = 0;
    double acc3 = 0;
    int k4 = x.length & ~3;
    for (int k = 0; k < k4; k += 4) {
      acc0 += x[k] * 0.0;
      acc1 += x[k + 1] * 0.0;
      acc2 += x[k + 2] * 0.0;
      acc3 += x[k + 3] * 0.0;
    }
    for (int k = k4; k < x.length; k++) {
      acc0 += x[k] * 0.0;
    }
    if (acc0 + acc1 + acc2 + acc3 == 0) {
      return;
    }
    for (int k = 0; k < x.length; k++) {
      if (!Double.isFinite(x[k])) {
        throw new IllegalArgumentException(name + Checks.index(original, k) + " = " + x[k]
            + " is not finite; " + name + " has shape " + Checks.shape(original));
      }
    }
  }

  private static void requireMasses(double[] v, String name, boolean strictlyPositive,
      String solver) {
    for (int k = 0; k < v.length; k++) {
      if (v[k] < 0 || (strictlyPositive && v[k] == 0)) {
        throw new IllegalArgumentException(name + "[" + k + "] = " + v[k] + " but "
            + solver + " needs every mass " + (strictlyPositive ? "> 0" : ">= 0"));
      }
    }
  }

  /** The entries of a float64 matrix, row-major, in one bulk copy (asDouble() reads one by one). */
  private static double[] toArray(INDArray c) {
    INDArray d = Tensors.dense(c);
    double[] out = new double[Math.toIntExact(d.length())];
    d.data().asNioDouble().get(0, out);
    return out;
  }

  /** The cost as a row-major {@code double[n * m]}; the problem's own copy, not to be modified. */
  double[] costArray() {
    if (costArr == null) {
      costArr = toArray(cost);
    }
    return costArr;
  }

  /**
   * The cost's float64 data, row-major, as a buffer over ND4J's own memory (no copy when the
   * cost is already a contiguous row-major float64 array); not to be modified.
   */
  java.nio.DoubleBuffer costBuffer() {
    if (costContiguous == null) {
      costContiguous = Tensors.dense(cost); // keeps the memory behind the buffer alive
    }
    return costContiguous.data().asNioDouble();
  }

  /** {@code a}; the problem's own copy, not to be modified. */
  double[] aArray() {
    return aArr;
  }

  /** {@code b}; the problem's own copy, not to be modified. */
  double[] bArray() {
    return bArr;
  }
}
