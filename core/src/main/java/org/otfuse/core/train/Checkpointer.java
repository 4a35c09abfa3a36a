package org.otfuse.core.train;

import java.io.IOException;
import java.util.Optional;

/** Where a {@link Trainer} saves its state after every epoch and finds it again on restart. */
public interface Checkpointer {
  /** The last saved state of this run, if any. */
  Optional<TrainState> latest() throws IOException;

  /** Saves {@code state} atomically (a crash leaves the previous state readable). */
  void save(TrainState state) throws IOException;
}
