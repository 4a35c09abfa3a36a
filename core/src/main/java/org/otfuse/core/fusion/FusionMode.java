package org.otfuse.core.fusion;

/**
 * What the ground cost between neurons is built from (paper, Section 4.1): the incoming weights
 * (after aligning their input axis with the previous layer's plan) or the activations of the
 * original models on a set of samples.
 */
public enum FusionMode {
  WEIGHTS,
  ACTIVATIONS
}
