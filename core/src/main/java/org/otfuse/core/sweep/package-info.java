/**
 * Sweeps without Spark: HOCON configuration ({@code reference.conf} defaults, unknown keys
 * rejected) resolved into small serializable records, the expansion of a sweep into
 * deterministic points with stable ids, the result-row schema, and {@link
 * org.otfuse.core.sweep.PointRunner}, which runs one point in pure Java (load models, fuse with
 * OT, evaluate parents, ensemble, vanilla average, OT and fine-tuned OT, compress). The jobs
 * module only distributes these calls and writes the rows.
 */
package org.otfuse.core.sweep;
