package org.otfuse.core.train;

import java.io.InputStream;
import java.util.Properties;

/**
 * Software versions recorded with every trained model ({@link TrainMeta}'s {@code otfuse_version},
 * so every zoo model too) and every result row. In {@code train} so that both the trainer and the
 * zoo (which depends on it) read the one implementation.
 */
public final class Versions {
  private static final String OTFUSE = readOtfuse();

  private Versions() {}

  /**
   * otfuse's version from the core jar's Maven metadata ({@code pom.properties}, which the jar
   * plugin writes); else the manifest's {@code Implementation-Version}; else, when run from classes
   * (tests, an IDE), {@code 0.1.0-SNAPSHOT-dev}.
   */
  public static String otfuse() {
    return OTFUSE;
  }

  /** The running Java version. */
  public static String java() {
    return System.getProperty("java.version");
  }

  /** The ND4J backend class in use (e.g. {@code CpuBackend}, {@code JCublasBackend}); loads ND4J. */
  public static String nd4jBackend() {
    return org.nd4j.linalg.factory.Nd4j.getBackend().getClass().getSimpleName();
  }

  private static String readOtfuse() {
    try (InputStream in = Versions.class.getResourceAsStream(
        "/META-INF/maven/org.otfuse/otfuse-core/pom.properties")) {
      if (in != null) {
        Properties p = new Properties();
        p.load(in);
        return p.getProperty("version", "dev");
      }
    } catch (java.io.IOException e) {
      // fall through
    }
    String v = Versions.class.getPackage().getImplementationVersion();
    return v != null ? v : "0.1.0-SNAPSHOT-dev";
  }
}
