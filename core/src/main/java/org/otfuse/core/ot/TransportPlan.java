package org.otfuse.core.ot;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * A transport plan {@code T} between masses {@code a} (rows) and {@code b} (columns) with what
 * the solver knows about it (Singh and Jaggi 2020, eq. (1)).
 *
 * <p><b>Sharing.</b> The arrays are the solver's own results, handed over without copies: treat
 * them as read-only (ND4J arrays cannot be frozen). Call {@code dup()} before modifying one, for
 * example before rescaling the plan in place for the fusion average.
 *
 * @param plan the {@code n x m} float64 plan, entries {@code >= 0}
 * @param cost {@code <T, C> = sum_ij T_ij C_ij}, the transport cost (without any entropy term)
 * @param rowError {@code max_i |sum_j T_ij - a_i|}, measured on {@code plan}
 * @param colError {@code max_j |sum_i T_ij - b_j|}, measured on {@code plan}
 * @param iterations the solver's iteration count: pivots of the network simplex, augmenting
 *     paths of the assignment solver, column updates of Sinkhorn
 * @param rowPotential the dual potential of the rows, length {@code n} (rank 1, float64): for
 *     an exact solver the LP dual {@code u} with {@code u_i + v_j <= C_ij} for all {@code i, j},
 *     equality where {@code T_ij > 0}, and {@code <a, u> + <b, v> = cost}; for Sinkhorn the
 *     log-domain potential {@code f} with {@code T_ij = exp((f_i + g_j - C_ij) / reg)}
 * @param colPotential the dual potential of the columns, length {@code m}: {@code v} for an
 *     exact solver, {@code g} for Sinkhorn
 */
public record TransportPlan(INDArray plan, double cost, double rowError, double colError,
    int iterations, INDArray rowPotential, INDArray colPotential) {

  /** Checks shapes and dtypes; copies nothing. */
  public TransportPlan {
    Checks.requireMatrix(plan, "plan");
    if (plan.dataType() != DataType.DOUBLE) {
      throw new IllegalArgumentException("plan must be float64 (DOUBLE) but is " + plan.dataType());
    }
    Checks.requireNonNull(rowPotential, "rowPotential");
    Checks.requireNonNull(colPotential, "colPotential");
    if (rowPotential.rank() != 1 || rowPotential.length() != plan.size(0)) {
      throw new IllegalArgumentException("rowPotential must have shape [" + plan.size(0)
          + "] (rows of plan " + Checks.shape(plan) + ") but has " + Checks.shape(rowPotential));
    }
    if (colPotential.rank() != 1 || colPotential.length() != plan.size(1)) {
      throw new IllegalArgumentException("colPotential must have shape [" + plan.size(1)
          + "] (columns of plan " + Checks.shape(plan) + ") but has "
          + Checks.shape(colPotential));
    }
    if (!(rowError >= 0) || !(colError >= 0)) {
      throw new IllegalArgumentException(
          "rowError = " + rowError + " and colError = " + colError + " must both be >= 0");
    }
    if (iterations < 0) {
      throw new IllegalArgumentException("iterations is " + iterations + " but must be >= 0");
    }
  }

  /** {@code plan.size(0)}. */
  public int rows() {
    return (int) plan.size(0);
  }

  /** {@code plan.size(1)}. */
  public int cols() {
    return (int) plan.size(1);
  }

  /** {@code max(rowError, colError)}. */
  public double marginalError() {
    return Math.max(rowError, colError);
  }

  /**
   * Builds a plan record, measuring its cost and marginal errors with vectorised ops.
   *
   * @param plan {@code n x m} float64; kept, not copied
   * @param a row masses, rank 1 float64
   * @param b column masses, rank 1 float64
   * @param cost {@code n x m} float64
   */
  static TransportPlan measure(INDArray plan, INDArray a, INDArray b, INDArray cost,
      int iterations, INDArray rowPotential, INDArray colPotential) {
    double c = plan.mul(cost).sumNumber().doubleValue();
    return new TransportPlan(plan, c, maxAbsDiff(plan.sum(1), a), maxAbsDiff(plan.sum(0), b),
        iterations, rowPotential, colPotential);
  }

  static double maxAbsDiff(INDArray x, INDArray y) {
    return Transforms.abs(x.sub(y), false).maxNumber().doubleValue();
  }
}
