package org.otfuse.core.ot;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether the JDK's Vector API ({@code jdk.incubator.vector}) is in the boot layer, so that the
 * SIMD kernels of {@link SinkhornSimd} can run; no vector type is referenced here, so this class
 * loads on any JVM. Java 17 needs {@code --add-modules=jdk.incubator.vector} (in otfuse's
 * launchers, the test JVMs and Spark's own JVM flags); without it, or with {@code
 * -Dotfuse.simd=false}, the scalar loops run instead (same results up to summation order).
 */
final class Simd {
  private static final Logger LOG = LoggerFactory.getLogger(Simd.class);

  /** The Vector API is usable and not switched off. */
  static final boolean AVAILABLE = detect();

  private Simd() {}

  private static boolean detect() {
    if (!Boolean.parseBoolean(System.getProperty("otfuse.simd", "true"))) {
      return false;
    }
    if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
      LOG.debug("jdk.incubator.vector is not in the boot layer: scalar Sinkhorn loops");
      return false;
    }
    try {
      return SinkhornSimd.lanes() > 1;
    } catch (LinkageError e) {
      LOG.warn("the Vector API did not load ({}): scalar Sinkhorn loops", e.toString());
      return false;
    }
  }
}
