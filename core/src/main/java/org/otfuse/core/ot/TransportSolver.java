package org.otfuse.core.ot;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Solves a discrete optimal transport problem between two weighted point sets (Singh and Jaggi
 * 2020, eq. (1)): find a plan {@code T >= 0} with row sums {@code a} and column sums {@code b}
 * that minimises {@code <T, C>}, exactly or with an entropic regulariser.
 *
 * <p>Contract shared by every implementation (checked before any work):
 *
 * <ul>
 *   <li>{@code cost} is an {@code n x m} finite floating-point matrix ({@code n, m >= 1});
 *   <li>{@code a} and {@code b} are vectors of lengths {@code n} and {@code m} (rank 1, or rank 2
 *       with a dimension of 1), entries finite and {@code >= 0} (an implementation may ask for
 *       {@code > 0}), each with a positive total;
 *   <li>{@code sum(a)} and {@code sum(b)} agree within {@code 1e-9} relative; an exact solver
 *       transports {@code sum(a)}, rescaling {@code b} by {@code sum(a) / sum(b)}.
 * </ul>
 *
 * Violations throw an {@link IllegalArgumentException} that names the argument, the value or
 * shape found, and the rule. Inputs of any floating dtype are read as float64 and are never
 * modified; the result is float64.
 */
public interface TransportSolver {

  /**
   * Relative tolerance on {@code |sum(a) - sum(b)| / max(sum(a), sum(b))} above which the
   * marginals are rejected as unbalanced.
   */
  double BALANCE_TOLERANCE = 1e-9;

  /**
   * Solves the OT problem.
   *
   * @param a the source masses, length {@code n}; not modified
   * @param b the target masses, length {@code m}; not modified
   * @param cost the {@code n x m} ground cost; not modified
   * @return the plan with its cost, marginal errors and dual potentials
   * @throws IllegalArgumentException when the inputs break the contract above
   */
  TransportPlan solve(INDArray a, INDArray b, INDArray cost);
}
