package org.otfuse.jobs;

import java.io.Serializable;
import org.otfuse.core.fusion.ActivationPoint;
import org.otfuse.core.fusion.FusionMode;
import org.otfuse.core.fusion.FusionOptions;
import org.otfuse.core.fusion.SolverKind;
import org.otfuse.core.ot.CostNormalization;
import org.otfuse.core.ot.GroundMetric;

/** {@link FusionOptions} as a serializable record, for Spark tasks. */
record PortableOptions(FusionMode mode, SolverKind solver, double reg, double sinkhornTolerance,
    int sinkhornMaxIterations, GroundMetric metric, CostNormalization normalization, boolean correction,
    boolean pastCorrection, double ensembleStep, ActivationPoint activationPoint, boolean alignOutput)
    implements Serializable {
  private static final long serialVersionUID = 1L;

  static PortableOptions of(FusionOptions o) {
    return new PortableOptions(o.mode(), o.solver(), o.reg(), o.sinkhornTolerance(), o.sinkhornMaxIterations(),
        o.metric(), o.normalization(), o.correction(), o.pastCorrection(), o.ensembleStep(), o.activationPoint(),
        o.alignOutput());
  }

  FusionOptions toOptions() {
    return new FusionOptions(mode, solver, reg, sinkhornTolerance, sinkhornMaxIterations, metric, normalization,
        correction, pastCorrection, ensembleStep, activationPoint, alignOutput);
  }
}
