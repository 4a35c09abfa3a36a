package org.otfuse.core.backend;

/** The contract on the ND4J backend ({@link org.otfuse.core.ot.Sinkhorn} for the log form). */
class CpuBackendContractTest extends TransportBackendContract {
  @Override
  TransportBackend open() {
    return new CpuBackend();
  }

  @Override
  boolean honoursCheckEvery() {
    return false;
  }
}
