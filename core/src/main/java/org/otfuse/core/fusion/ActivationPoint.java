package org.otfuse.core.fusion;

/** Where activations are read in activations mode: before or after the ReLU. */
public enum ActivationPoint {
  PRE,
  POST
}
