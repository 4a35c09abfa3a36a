/**
 * Training of the networks otfuse fuses: minibatch SGD with momentum and cross-entropy on the
 * MLPs, with a vectorised backward pass on ND4J, seeded initialisation and shuffling.
 */
package org.otfuse.core.train;
