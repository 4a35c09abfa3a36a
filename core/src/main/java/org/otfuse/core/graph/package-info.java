/**
 * Networks as a forward graph plus parameters named like PyTorch's {@code state_dict}: the graph
 * ({@link org.otfuse.core.graph.Graph} of {@link org.otfuse.core.graph.Op} nodes), its forward pass
 * on ND4J ({@link org.otfuse.core.graph.Network}), the built-in architectures (MLPs, the VGG family
 * and CIFAR ResNets of pytorch-cifar) and the neuron groups that fusion aligns
 * ({@link org.otfuse.core.graph.NeuronGroups}, paper Section 4 generalised to any graph).
 */
package org.otfuse.core.graph;
