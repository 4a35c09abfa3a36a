/**
 * Transport backends: the dense steps of OT fusion (Singh and Jaggi, "Model Fusion via Optimal
 * Transport", NeurIPS 2020, Section 4 and eqs. (1)-(2)) behind one interface, so that they can run
 * on a GPU without ND4J and without Spark.
 *
 * <ul>
 *   <li>{@link org.otfuse.core.backend.TransportBackend}: ground cost, Sinkhorn (log and kernel
 *       form, to tolerance or a fixed number of iterations, batched), plan application, on Java
 *       arrays.
 *   <li>{@link org.otfuse.core.backend.CpuBackend}: the ND4J code of {@link org.otfuse.core.ot}.
 *   <li>{@link org.otfuse.core.backend.JavaBackend}: plain Java, float64, multi-threaded: the
 *       reference for the GPU where ND4J cannot go, and the same algorithm as the GPU.
 *   <li>{@link org.otfuse.core.backend.CudaBackend}: our CUDA library ({@code native/cuda}) through
 *       JNI; {@link org.otfuse.core.backend.Backends} picks it when asked and usable, else the CPU
 *       with a logged reason.
 *   <li>{@link org.otfuse.core.backend.OpenMpSpin}: a hint when ND4J's OpenMP threads would
 *       busy-wait on the cores the JVM needs ({@code GOMP_SPINCOUNT} unset).
 *   <li>{@link org.otfuse.core.backend.GpuCheck}: the one program run on a GPU machine (contract
 *       checks against {@code JavaBackend}, benchmarks); see {@code docs/gpu.md}.
 * </ul>
 *
 * <p>No class here but {@code CpuBackend} touches ND4J, and none touches Spark.
 */
package org.otfuse.core.backend;
