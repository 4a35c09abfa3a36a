/**
 * otfuse core: model fusion via optimal transport (Singh and Jaggi, "Model Fusion via Optimal
 * Transport", NeurIPS 2020, arXiv 1910.05653) as pure functions over ND4J arrays and small records.
 * Nothing in this module imports Spark; the {@code jobs} module adapts it to Spark.
 */
package org.otfuse.core;
