package org.otfuse.core.io;

import java.io.IOException;

/**
 * A file that is not what its reader expects: truncated, corrupt, of an unsupported dtype or
 * missing a tensor. The message always starts with the file (or zip entry) it is about.
 */
public class TensorFormatException extends IOException {
  private static final long serialVersionUID = 1L;
  private final String source;

  public TensorFormatException(String source, String problem) {
    super(source + ": " + problem);
    this.source = source;
  }

  public TensorFormatException(String source, String problem, Throwable cause) {
    super(source + ": " + problem, cause);
    this.source = source;
  }

  /** The file or entry the problem is in. */
  public String source() {
    return source;
  }
}
