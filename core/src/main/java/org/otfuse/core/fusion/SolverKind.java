package org.otfuse.core.fusion;

/** Exact optimal transport (paper eq. 1) or its entropic regularisation solved by Sinkhorn. */
public enum SolverKind {
  EXACT,
  SINKHORN
}
