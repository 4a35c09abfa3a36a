/**
 * Optimal transport for model fusion (Singh and Jaggi, "Model Fusion via Optimal Transport",
 * NeurIPS 2020, arXiv 1910.05653, Section 4): ground costs between neurons, exact OT and
 * entropy-regularised OT.
 *
 * <p>The paper aligns the neurons of layer {@code l} of a model to those of a target model by a
 * transport plan {@code T} that solves the discrete OT problem (its eq. (1), Kantorovich's
 * linear program)
 *
 * <pre>
 *   min_T &lt;T, C&gt;   subject to   T &gt;= 0,  T 1_m = a,  T^T 1_n = b
 * </pre>
 *
 * where {@code C} is the ground cost between the neurons' weight vectors or activations
 * ({@link org.otfuse.core.ot.GroundCost}) and {@code a}, {@code b} are the neuron masses
 * (uniform in the paper). The plan is used with its rows rescaled by {@code 1/a}, i.e.
 * {@code T diag(1/b)} in the paper's notation, to average the aligned weights (eq. (2)).
 *
 * <ul>
 *   <li>{@link org.otfuse.core.ot.GroundCost}: pairwise cost matrices ({@link
 *       org.otfuse.core.ot.GroundMetric}) and their normalisations ({@link
 *       org.otfuse.core.ot.CostNormalization}), always float64: one BLAS GEMM per row block of
 *       the first point set, norms and clamping in plain loops; float32 inputs are read block by
 *       block.
 *   <li>{@link org.otfuse.core.ot.TransportSolver}: the solver interface; every solver returns a
 *       {@link org.otfuse.core.ot.TransportPlan} with its cost, marginal errors and dual
 *       potentials.
 *   <li>Exact OT: {@link org.otfuse.core.ot.AssignmentSolver} (square, uniform: the plan is a
 *       permutation scaled by {@code 1/n}; the LAPJV algorithm, {@code Lapjv}, on a sparse
 *       candidate graph with a dense optimality check, {@code SparseLapjv}, from {@code n = 512}),
 *       {@link org.otfuse.core.ot.NetworkSimplex} (any sizes and marginals), and {@link
 *       org.otfuse.core.ot.ExactOt}, which picks between them. Every exact solver returns LP
 *       duals that certify optimality.
 *   <li>Entropic OT: {@link org.otfuse.core.ot.Sinkhorn} with {@link
 *       org.otfuse.core.ot.SinkhornOptions}: the kernel form with absorption into log-domain
 *       potentials (stabilised Sinkhorn), epsilon scaling for small {@code reg}, a log-domain
 *       fallback, and warm starts; large costs cannot underflow; {@link
 *       org.otfuse.core.ot.OtConvergenceException} when it does not converge.
 * </ul>
 *
 * <p>All OT arithmetic is float64 ({@code DataType.DOUBLE}) whatever the dtype of the inputs.
 * Hot loops run on {@code double[]} copies in plain Java (row blocks on the common fork-join
 * pool where it pays, {@code RowBlocks}) rather than in many small ND4J ops, whose per-op cost
 * dominated small problems on a loaded machine. Benchmarks against POT and scipy on identical
 * inputs: {@code otfuse bench ot}, docs/benchmarks.md.
 * Golden values come from POT 0.8.2 ({@code ot.emd}, {@code ot.sinkhorn}); see
 * {@code src/test/resources/fixtures/ot/README.md}.
 */
package org.otfuse.core.ot;
