/**
 * Model zoos: directories of trained models, one per model id ({@code <zoo>/<model_id>/model.safetensors}
 * and {@code <zoo>/<model_id>/meta.json}), on any Hadoop file system (local or {@code s3a://}), and
 * the HOCON zoo specification (dataset x architecture x width x seed x split) that the
 * {@code train-zoo} job expands into one training task per model. Spark-free: the jobs module only
 * distributes these calls.
 */
package org.otfuse.core.zoo;
