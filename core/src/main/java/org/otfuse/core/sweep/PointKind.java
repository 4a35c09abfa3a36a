package org.otfuse.core.sweep;

/** What a sweep point does: fuse a group of models, or compress one model. */
public enum PointKind {
  /** Fuse K models (rows: parent per model, ensemble, vanilla, ot, ot_finetuned). */
  FUSION,
  /** Compress one model to a width factor (rows: parent, compress_ot, compress_magnitude, ...). */
  COMPRESSION
}
