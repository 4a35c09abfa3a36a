package org.otfuse.core.backend;

/**
 * A CUDA runtime or cuBLAS call of the native library failed. The message names the call, the
 * CUDA (or cuBLAS) error string and code, and the source line of {@code otfuse_cuda.cu}. After an
 * error that leaves the device context unusable (an illegal address, a launch failure) every later
 * call on the same {@link CudaBackend} fails the same way: close it and use the CPU.
 */
public class CudaException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  /** Thrown from native code and by the loader. */
  public CudaException(String message) {
    super(message);
  }

  /** With a cause (the loader's {@link UnsatisfiedLinkError}). */
  public CudaException(String message, Throwable cause) {
    super(message, cause);
  }
}
