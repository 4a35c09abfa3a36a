package org.otfuse.core.ot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import picocli.CommandLine;

/**
 * The contract of {@code otfuse bench ot --json} (issue 7): one JSON object per case with
 * {@code n, m, solver, otfuse_s, anchor, anchor_s, ratio, cost_rel_diff}, on inputs shared with
 * the anchors, so that exact costs agree to 1e-9 relative and Sinkhorn costs to 1e-6. Asserts
 * correctness only, never timings. Runs the anchors when Debian's Python has POT and scipy (CI
 * installs them), else checks that they are skipped with a message.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class BenchCommandTest {

  @Test
  void sideBySideJsonOnSmallCases() throws Exception {
    CommandLine cl = org.otfuse.cli.Main.commandLine();
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    cl.setOut(new PrintWriter(out));
    cl.setErr(new PrintWriter(err));
    int code = cl.execute("bench", "ot", "--sizes", "64", "--cases",
        "square,sinkhorn,rect,dirichlet", "--rect", "30x20", "--dirichlet-n", "40",
        "--repeats", "1", "--warmup", "1", "--warmup-min", "0", "--json");
    assertEquals(0, code, err.toString());
    List<JsonNode> rows = new ArrayList<>();
    ObjectMapper json = new ObjectMapper();
    for (String line : out.toString().split("\n")) {
      if (!line.isBlank()) {
        rows.add(json.readTree(line));
      }
    }
    // n = 64: exact vs lsa, exact vs emd, sinkhorn; rect and dirichlet: exact and sinkhorn
    assertEquals(3 + 2 + 2, rows.size(), out.toString());
    boolean anchors = pythonHasPot();
    if (!anchors) {
      assertTrue(err.toString().contains("anchors skipped"), err.toString());
    }
    for (JsonNode r : rows) {
      for (String field : new String[] {"n", "m", "solver", "otfuse_s", "anchor", "anchor_s",
          "ratio", "cost_rel_diff"}) {
        assertTrue(r.has(field), field + " missing in " + r);
      }
      assertTrue(r.get("otfuse_s").asDouble() > 0, r.toString());
      if (!anchors) {
        assertTrue(r.get("anchor_s").isNull(), r.toString());
        continue;
      }
      double limit = r.get("solver").asText().equals("exact") ? 1e-9 : 1e-6;
      assertTrue(r.get("cost_rel_diff").asDouble() <= limit, r.toString());
      assertTrue(r.get("ratio").asDouble() > 0, r.toString());
      if (r.get("solver").asText().equals("sinkhorn")) {
        assertFalse(r.get("otfuse_has_nan").asBoolean(), r.toString());
        assertTrue(r.get("otfuse_marginal_error").asDouble() <= 1e-9, r.toString());
      }
    }
  }

  @Test
  void negativeWarmUpTimesAreRefusedWithTheirValues() {
    CommandLine cl = org.otfuse.cli.Main.commandLine();
    StringWriter err = new StringWriter();
    cl.setOut(new PrintWriter(new StringWriter()));
    cl.setErr(new PrintWriter(err));
    int code = cl.execute("bench", "ot", "--sizes", "8", "--cases", "square", "--warmup-min", "-1", "--json");
    assertTrue(code != 0, "exit code " + code);
    assertTrue(err.toString().contains("--warmup-min is -1.0"), err.toString());
  }

  private static boolean pythonHasPot() throws Exception {
    String py = System.getenv().getOrDefault("OTFUSE_PYTHON", "/usr/bin/python3");
    if (!Files.isExecutable(Path.of(py))) {
      return false;
    }
    Process p = new ProcessBuilder(py, "-c", "import numpy, scipy.optimize, ot")
        .redirectErrorStream(true).start();
    p.getInputStream().readAllBytes();
    return p.waitFor(120, TimeUnit.SECONDS) && p.exitValue() == 0;
  }
}
