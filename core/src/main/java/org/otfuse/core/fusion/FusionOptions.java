package org.otfuse.core.fusion;

import org.otfuse.core.ot.CostNormalization;
import org.otfuse.core.ot.GroundMetric;

/**
 * The settings of one OT fusion, validated on construction. {@link #defaults()} reproduces the
 * reference implementation's MNIST setup: weights mode, exact OT, euclidean (not squared) ground
 * metric without normalisation, correction and past correction on, ensemble step 0.5,
 * pre-activations; the output layer (class labels) is not permuted.
 *
 * @param reg Sinkhorn's entropic regularisation (POT's {@code reg}); ignored by exact OT
 * @param sinkhornTolerance stop Sinkhorn when the marginal error is at most this
 * @param sinkhornMaxIterations fail Sinkhorn loudly past this many iterations
 * @param correction scale each target neuron's column of the plan by 1/its mass, so that every
 *     target neuron receives a convex combination of source neurons
 * @param pastCorrection average {@code T^T (W A)} (the weights whose input axis is already aligned,
 *     paper eq. 3) rather than {@code T^T W}
 * @param ensembleStep the target model's weight in the average, in [0, 1]
 * @param alignOutput also transport the output layer's neurons (the reference's behaviour; off:
 *     outputs are class labels and stay in place)
 */
public record FusionOptions(
    FusionMode mode,
    SolverKind solver,
    double reg,
    double sinkhornTolerance,
    int sinkhornMaxIterations,
    GroundMetric metric,
    CostNormalization normalization,
    boolean correction,
    boolean pastCorrection,
    double ensembleStep,
    ActivationPoint activationPoint,
    boolean alignOutput) implements java.io.Serializable {

  public FusionOptions {
    if (mode == null || solver == null || metric == null || normalization == null || activationPoint == null) {
      throw new IllegalArgumentException("fusion options must not be null: mode=" + mode + ", solver="
          + solver + ", metric=" + metric + ", normalization=" + normalization + ", activations=" + activationPoint);
    }
    if (solver == SolverKind.SINKHORN && !(reg > 0)) {
      throw new IllegalArgumentException("reg is " + reg + " but Sinkhorn needs reg > 0");
    }
    if (!(sinkhornTolerance > 0) || sinkhornMaxIterations < 1) {
      throw new IllegalArgumentException("Sinkhorn tolerance is " + sinkhornTolerance + " and max iterations "
          + sinkhornMaxIterations + " but they must be > 0 and >= 1");
    }
    if (!(ensembleStep >= 0 && ensembleStep <= 1)) {
      throw new IllegalArgumentException("ensemble step is " + ensembleStep + " but must be in [0, 1]");
    }
  }

  /** The reference's MNIST defaults (see class comment). */
  public static FusionOptions defaults() {
    return new FusionOptions(FusionMode.WEIGHTS, SolverKind.EXACT, 0.1, 1e-9, 100_000,
        GroundMetric.EUCLIDEAN, CostNormalization.NONE, true, true, 0.5, ActivationPoint.PRE, false);
  }

  public FusionOptions withMode(FusionMode m) {
    return new FusionOptions(m, solver, reg, sinkhornTolerance, sinkhornMaxIterations, metric, normalization,
        correction, pastCorrection, ensembleStep, activationPoint, alignOutput);
  }

  public FusionOptions withSolver(SolverKind s, double r) {
    return new FusionOptions(mode, s, r, sinkhornTolerance, sinkhornMaxIterations, metric, normalization,
        correction, pastCorrection, ensembleStep, activationPoint, alignOutput);
  }

  public FusionOptions withSinkhornStopping(double tolerance, int maxIterations) {
    return new FusionOptions(mode, solver, reg, tolerance, maxIterations, metric, normalization,
        correction, pastCorrection, ensembleStep, activationPoint, alignOutput);
  }

  public FusionOptions withCost(GroundMetric g, CostNormalization n) {
    return new FusionOptions(mode, solver, reg, sinkhornTolerance, sinkhornMaxIterations, g, n,
        correction, pastCorrection, ensembleStep, activationPoint, alignOutput);
  }

  public FusionOptions withCorrection(boolean c, boolean past) {
    return new FusionOptions(mode, solver, reg, sinkhornTolerance, sinkhornMaxIterations, metric, normalization,
        c, past, ensembleStep, activationPoint, alignOutput);
  }

  public FusionOptions withEnsembleStep(double step) {
    return new FusionOptions(mode, solver, reg, sinkhornTolerance, sinkhornMaxIterations, metric, normalization,
        correction, pastCorrection, step, activationPoint, alignOutput);
  }

  public FusionOptions withActivationPoint(ActivationPoint p) {
    return new FusionOptions(mode, solver, reg, sinkhornTolerance, sinkhornMaxIterations, metric, normalization,
        correction, pastCorrection, ensembleStep, p, alignOutput);
  }

  public FusionOptions withAlignOutput(boolean align) {
    return new FusionOptions(mode, solver, reg, sinkhornTolerance, sinkhornMaxIterations, metric, normalization,
        correction, pastCorrection, ensembleStep, activationPoint, align);
  }
}
