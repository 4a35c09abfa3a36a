package org.otfuse.core.fusion;

/**
 * What one layer's alignment did: the transport problem's size, its cost {@code sum(T * M)}
 * (paper eq. 1), the entropy of the plan normalised to mass 1, the fraction of plan entries that
 * are non-zero, and the solve time. {@code transported} is false for a layer kept in place (the
 * output layer unless asked otherwise).
 */
public record LayerReport(
    String layer, int sourceNeurons, int targetNeurons, boolean transported,
    double otCost, double planEntropy, double density, int iterations, double seconds) {}
