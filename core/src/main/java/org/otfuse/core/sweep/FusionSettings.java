package org.otfuse.core.sweep;

import java.io.Serializable;
import java.util.Locale;
import org.otfuse.core.fusion.ActivationPoint;
import org.otfuse.core.fusion.FusionMode;
import org.otfuse.core.fusion.FusionOptions;
import org.otfuse.core.fusion.SolverKind;
import org.otfuse.core.ot.CostNormalization;
import org.otfuse.core.ot.GroundMetric;

/**
 * The OT settings of one sweep point (serializable, unlike {@link FusionOptions}, which it
 * becomes through {@link #toOptions(int)}).
 *
 * @param reg Sinkhorn's regularisation; {@code NaN} for exact OT
 * @param ensembleStep the target's weight; null for uniform ({@code 1/K})
 * @param activationSamples training images used in activations mode; 0 in weights mode
 */
public record FusionSettings(
    FusionMode mode, SolverKind solver, double reg, GroundMetric metric, CostNormalization normalization,
    Double ensembleStep, boolean correction, boolean pastCorrection, boolean alignOutput,
    ActivationPoint activationPoint, int activationSamples, double sinkhornTolerance, int sinkhornMaxIterations)
    implements Serializable {
  private static final long serialVersionUID = 1L;

  /** The target's weight for a group of {@code k} models. */
  public double step(int k) {
    return ensembleStep != null ? ensembleStep : 1.0 / k;
  }

  /** The core fusion options for a group of {@code k} models. */
  public FusionOptions toOptions(int k) {
    double r = solver == SolverKind.SINKHORN ? reg : 0.1;
    return new FusionOptions(mode, solver, r, sinkhornTolerance, sinkhornMaxIterations, metric, normalization,
        correction, pastCorrection, step(k), activationPoint, alignOutput);
  }

  /**
   * A canonical text of every setting that changes the result (part of the point id). Settings a
   * solver or mode ignores are left out, so that equal computations get equal ids.
   */
  public String canonical() {
    StringBuilder sb = new StringBuilder();
    sb.append("mode=").append(lower(mode)).append(";solver=").append(lower(solver));
    if (solver == SolverKind.SINKHORN) {
      sb.append(";reg=").append(reg).append(";tol=").append(sinkhornTolerance)
          .append(";maxit=").append(sinkhornMaxIterations);
    }
    sb.append(";metric=").append(lower(metric)).append(";norm=").append(lower(normalization))
        .append(";step=").append(ensembleStep == null ? "uniform" : ensembleStep.toString())
        .append(";corr=").append(correction).append(";past=").append(pastCorrection)
        .append(";alignout=").append(alignOutput);
    if (mode == FusionMode.ACTIVATIONS) {
      sb.append(";samples=").append(activationSamples).append(";act=").append(lower(activationPoint));
    }
    return sb.toString();
  }

  private static String lower(Enum<?> e) {
    return e.name().toLowerCase(Locale.ROOT);
  }
}
