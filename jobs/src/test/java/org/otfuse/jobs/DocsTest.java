package org.otfuse.jobs;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.otfuse.core.sweep.ResultSchema;

/** The documented result schema is the one written. */
class DocsTest {
  @Test
  void readmeCarriesTheResultSchema() throws Exception {
    String readme = Files.readString(Path.of("README.md"));
    assertTrue(readme.contains(ResultSchema.markdown().trim()),
        "jobs/README.md must contain ResultSchema.markdown() (regenerate the schema table)");
    assertTrue(readme.contains("Schema version " + ResultSchema.VERSION));
  }
}
