package org.otfuse.core.backend;

import java.nio.DoubleBuffer;
import java.util.Optional;

/**
 * The outcome of a {@link TransportBackend} Sinkhorn call: the dual potentials {@code f, g} (cost
 * units) with {@code P_ij = exp((f_i + g_j - C_ij) / reg)}, the plan when asked for, and what was
 * measured on that plan.
 *
 * <p>Immutable: the arrays handed in are owned by this object (not copied, so the caller must not
 * keep them); accessors return copies or read-only views.
 */
public final class SinkhornResult {

  private final int n;
  private final int m;
  private final double[] plan;
  private final double[] rowPotential;
  private final double[] colPotential;
  private final int iterations;
  private final double rowError;
  private final double colError;
  private final double cost;
  private final double deviceMillis;
  private final String backend;

  /**
   * @param n rows of the plan
   * @param m columns of the plan
   * @param plan the row-major {@code n * m} plan, or null when not materialised; taken over
   * @param rowPotential {@code f}, length {@code n}; taken over
   * @param colPotential {@code g}, length {@code m}; taken over
   * @param iterations the iterations run
   * @param rowError {@code max_i |sum_j P_ij - a_i|}
   * @param colError {@code max_j |sum_i P_ij - b_j|}
   * @param cost {@code <P, C>}
   * @param deviceMillis time spent on the device (CUDA events), NaN where not measured
   * @param backend the name of the backend that ran
   */
  public SinkhornResult(int n, int m, double[] plan, double[] rowPotential, double[] colPotential,
      int iterations, double rowError, double colError, double cost, double deviceMillis,
      String backend) {
    if (plan != null && plan.length != (long) n * m) {
      throw new IllegalArgumentException(
          "plan has " + plan.length + " entries but n * m = " + (long) n * m);
    }
    if (rowPotential.length != n || colPotential.length != m) {
      throw new IllegalArgumentException("potentials have lengths " + rowPotential.length + ", "
          + colPotential.length + " but the plan is " + n + " x " + m);
    }
    this.n = n;
    this.m = m;
    this.plan = plan;
    this.rowPotential = rowPotential;
    this.colPotential = colPotential;
    this.iterations = iterations;
    this.rowError = rowError;
    this.colError = colError;
    this.cost = cost;
    this.deviceMillis = deviceMillis;
    this.backend = backend;
  }

  /** Rows {@code n}. */
  public int rows() {
    return n;
  }

  /** Columns {@code m}. */
  public int cols() {
    return m;
  }

  /** Whether the plan was materialised ({@link SinkhornSpec#returnPlan()}). */
  public boolean hasPlan() {
    return plan != null;
  }

  /** A read-only row-major view of the {@code n * m} plan, if materialised. */
  public Optional<DoubleBuffer> plan() {
    return plan == null ? Optional.empty() : Optional.of(DoubleBuffer.wrap(plan).asReadOnlyBuffer());
  }

  /**
   * A new copy of the row-major plan.
   *
   * @throws IllegalStateException when it was not materialised
   */
  public double[] planArray() {
    if (plan == null) {
      throw new IllegalStateException("the plan was not materialised (SinkhornSpec.returnPlan)");
    }
    return plan.clone();
  }

  /** {@code P_ij}, computed from the stored plan. */
  public double planEntry(int i, int j) {
    if (plan == null) {
      throw new IllegalStateException("the plan was not materialised (SinkhornSpec.returnPlan)");
    }
    return plan[i * m + j];
  }

  /** A new copy of {@code f} (cost units). */
  public double[] rowPotential() {
    return rowPotential.clone();
  }

  /** A new copy of {@code g} (cost units). */
  public double[] colPotential() {
    return colPotential.clone();
  }

  /** Iterations run (column updates). */
  public int iterations() {
    return iterations;
  }

  /** {@code max_i |sum_j P_ij - a_i|}, measured on the final plan in float64 sums. */
  public double rowError() {
    return rowError;
  }

  /** {@code max_j |sum_i P_ij - b_j|}. */
  public double colError() {
    return colError;
  }

  /** {@code max(rowError, colError)}. */
  public double marginalError() {
    return Math.max(rowError, colError);
  }

  /** The transport cost {@code <P, C>} (no entropy term). */
  public double cost() {
    return cost;
  }

  /** Device time of the solve in milliseconds (CUDA events); NaN on CPU backends. */
  public double deviceMillis() {
    return deviceMillis;
  }

  /** {@link TransportBackend#name()} of the backend that produced this. */
  public String backend() {
    return backend;
  }

  @Override
  public String toString() {
    return "SinkhornResult[" + n + "x" + m + ", iterations=" + iterations + ", rowError="
        + rowError + ", colError=" + colError + ", cost=" + cost + ", backend=" + backend + "]";
  }
}
