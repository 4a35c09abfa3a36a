package org.otfuse.core.zoo;

import java.io.InputStream;
import java.util.Properties;

/** Software versions recorded with every zoo model and result row. */
public final class Versions {
  private static final String OTFUSE = readOtfuse();

  private Versions() {}

  /** otfuse's version from the core jar's Maven metadata; {@code dev} when run from classes. */
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
