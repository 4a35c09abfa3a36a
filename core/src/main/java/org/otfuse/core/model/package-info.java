/**
 * Networks as parameters named like PyTorch's {@code state_dict} plus a forward pass on ND4J.
 * This package holds the multilayer perceptrons of the paper's MNIST experiments (the reference
 * {@code MLPNet} 784-400-200-100-10 and any other widths, with or without biases), evaluation
 * (accuracy, negative log-likelihood) and the prediction-ensemble baseline.
 */
package org.otfuse.core.model;
