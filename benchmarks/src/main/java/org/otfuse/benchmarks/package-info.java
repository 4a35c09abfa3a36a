/**
 * JMH microbenchmarks of otfuse's optimal-transport code (Singh and Jaggi 2020, eq. (1), and its
 * entropic form): exact OT, Sinkhorn and ground costs at the sizes wide models need, with fixed
 * seeds and {@code @Param} sizes. The side-by-side comparison with POT and scipy on identical
 * inputs is {@code otfuse bench ot} (docs/benchmarks.md); these measure otfuse alone, with JMH's
 * warm-up and forking.
 */
package org.otfuse.benchmarks;
