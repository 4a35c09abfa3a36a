/**
 * Reading and writing tensors and datasets through Hadoop's {@code FileSystem}, so that local
 * paths and {@code s3a://} URIs take the same code path: PyTorch checkpoints (legacy and zip
 * {@code torch.save} formats), safetensors, NumPy {@code .npy}/{@code .npz}. Every write goes to a
 * temporary file first and is renamed into place, so a reader never sees half a file.
 */
package org.otfuse.core.io;
