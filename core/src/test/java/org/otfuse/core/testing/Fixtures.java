package org.otfuse.core.testing;

import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Path;

/** Locates the golden fixtures copied into {@code src/test/resources/fixtures}. */
public final class Fixtures {
  private Fixtures() {}

  /** Absolute path of {@code fixtures/<relative>}; fails the test when it is missing. */
  public static String path(String relative) {
    URL url = Fixtures.class.getResource("/fixtures/" + relative);
    if (url == null) {
      throw new AssertionError("test fixture missing: fixtures/" + relative);
    }
    try {
      return Path.of(url.toURI()).toString();
    } catch (URISyntaxException e) {
      throw new AssertionError(e);
    }
  }
}
