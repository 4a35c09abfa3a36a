package org.otfuse.core.backend;

/** The contract on the pure-Java float64 backend (the GPU's reference). */
class JavaBackendContractTest extends TransportBackendContract {
  @Override
  TransportBackend open() {
    return new JavaBackend(2);
  }
}
