package org.otfuse.core.ot;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The validated inputs of a {@link TransportSolver}: float64 views or copies of the marginals
 * (rank 1) and the cost, per the contract documented on {@link TransportSolver}.
 */
record OtProblem(INDArray a, INDArray b, INDArray cost, double sumA, double sumB) {

  int n() {
    return (int) cost.size(0);
  }

  int m() {
    return (int) cost.size(1);
  }

  /**
   * Validates {@code (a, b, cost)}.
   *
   * @param strictlyPositive whether every mass must be {@code > 0} (else {@code >= 0})
   * @param solver the solver's name, for messages
   */
  static OtProblem of(INDArray a, INDArray b, INDArray cost, boolean strictlyPositive,
      String solver) {
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
    Checks.requireFinite(av, "a");
    Checks.requireFinite(bv, "b");
    Checks.requireFinite(cost, "cost");
    requireMasses(av, "a", strictlyPositive, solver);
    requireMasses(bv, "b", strictlyPositive, solver);
    double sa = av.sumNumber().doubleValue();
    double sb = bv.sumNumber().doubleValue();
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
    return new OtProblem(av, bv, c, sa, sb);
  }

  private static void requireMasses(INDArray v, String name, boolean strictlyPositive,
      String solver) {
    double min = v.minNumber().doubleValue();
    if (min < 0 || (strictlyPositive && min == 0)) {
      long idx = v.neg().argMax().getLong(0);
      throw new IllegalArgumentException(name + "[" + idx + "] = " + v.getDouble(idx) + " but "
          + solver + " needs every mass " + (strictlyPositive ? "> 0" : ">= 0"));
    }
  }

  /** The cost as a new row-major {@code double[n * m]}. */
  double[] costArray() {
    return cost.dup('c').data().asDouble();
  }

  /** {@code a} as a new {@code double[n]}. */
  double[] aArray() {
    return a.toDoubleVector();
  }

  /** {@code b} as a new {@code double[m]}. */
  double[] bArray() {
    return b.toDoubleVector();
  }
}
