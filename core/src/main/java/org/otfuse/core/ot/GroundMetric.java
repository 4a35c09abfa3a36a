package org.otfuse.core.ot;

/**
 * The distance between two neurons' feature vectors (rows of weights or activations) that forms
 * the ground cost {@code C_ij = d(x_i, y_j)} of the OT problem (Singh and Jaggi 2020, Section 4,
 * "ground metric"; the reference implementation's {@code ground_metric.py}).
 */
public enum GroundMetric {
  /** {@code ||x - y||_2}, the metric the paper uses by default. */
  EUCLIDEAN,
  /** {@code ||x - y||_2^2}. */
  SQEUCLIDEAN,
  /** {@code 1 - <x, y> / (||x|| ||y||)}, clamped at 0; undefined for zero vectors. */
  COSINE
}
