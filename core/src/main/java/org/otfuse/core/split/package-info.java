/**
 * Seeded training-data splits for fusion experiments ({@link org.otfuse.core.split.DataSplit}):
 * i.i.d. shards, the skill-transfer split of Singh and Jaggi (2020, Section 5, "heterogeneous data
 * split") and Dirichlet label skew over K clients (Hsu et al. 2019). A split is a pure function of
 * the labels and a seed, and its canonical name goes into the model metadata. {@link
 * org.otfuse.core.split.Shuffle} is the one seeded shuffle behind these splits, the zoo's shards and
 * the trainers' epoch orders.
 */
package org.otfuse.core.split;
