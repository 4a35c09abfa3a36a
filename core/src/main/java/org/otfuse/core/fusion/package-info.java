/**
 * Model fusion via optimal transport (Singh and Jaggi, NeurIPS 2020, Algorithm 1 and Section 4):
 * layer by layer, the neurons of each model are aligned to a target model by a transport plan
 * over a ground cost of weights or activations, then the aligned parameters are averaged. Also
 * the baselines: vanilla parameter averaging and the prediction ensemble.
 */
package org.otfuse.core.fusion;
