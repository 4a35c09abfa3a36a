package org.otfuse.jobs;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.spark.sql.SparkSession;
import org.otfuse.core.sweep.OtfuseConfig;
import org.otfuse.core.sweep.SweepConfig;

/**
 * The application's entry point for spark-submit (one jar, three jobs):
 *
 * <pre>
 *   train-zoo CONF [--results DIR] [KEY=VALUE ...]
 *   sweep     CONF [--results DIR] [KEY=VALUE ...]
 *   compress  CONF [--results DIR] [KEY=VALUE ...]
 * </pre>
 *
 * Overrides: {@code KEY=VALUE}, {@code -DKEY=VALUE} or {@code --conf KEY=VALUE}, keys with or
 * without the {@code otfuse.} prefix, values in HOCON ({@code sweep.modes=[weights,activations]}).
 * Prints a summary table and the results path on stdout; logs go to stderr.
 */
public final class Main {
  private Main() {}

  /** Parsed command line ({@code --results DIR} becomes the override {@code results=DIR}). */
  record Args(String command, String conf, List<String> overrides) {}

  static final String USAGE = "usage: <train-zoo|sweep|compress> CONF [--results DIR] [KEY=VALUE ...]"
      + " (overrides also as -DKEY=VALUE or --conf KEY=VALUE)";

  public static void main(String[] argv) throws Exception {
    int rc = run(argv, System.out, null);
    if (rc != 0) {
      System.exit(rc);
    }
  }

  static Args parse(String[] argv) {
    if (argv.length < 2 || !List.of("train-zoo", "sweep", "compress").contains(argv[0])) {
      throw new IllegalArgumentException(USAGE);
    }
    String results = null;
    List<String> overrides = new ArrayList<>();
    for (int i = 2; i < argv.length; i++) {
      String a = argv[i];
      if (a.equals("--results") && i + 1 < argv.length) {
        results = argv[++i];
      } else if (a.startsWith("--results=")) {
        results = a.substring("--results=".length());
      } else if (a.equals("--conf") && i + 1 < argv.length) {
        overrides.add(argv[++i]);
      } else if (a.startsWith("-D") && a.contains("=")) {
        overrides.add(a.substring(2));
      } else if (!a.startsWith("-") && a.contains("=")) {
        overrides.add(a);
      } else {
        throw new IllegalArgumentException("unexpected argument '" + a + "'; " + USAGE);
      }
    }
    if (results != null) {
      overrides.add("results=" + results);
    }
    return new Args(argv[0], argv[1], overrides);
  }

  /** Loads and checks the configuration; local paths are made absolute. */
  static SweepConfig config(Args a) {
    SweepConfig c = SweepConfig.from(OtfuseConfig.load(a.conf(), a.overrides()));
    return new SweepConfig(c.sweepId(), ZooJob.absolute(c.results()),
        new SweepConfig.Data(ZooJob.absolute(c.data().dir()), c.data().install()),
        new SweepConfig.ZooSettings(ZooJob.absolute(c.zoo().dir()), c.zoo().trainMissing(), c.zoo().models()),
        c.select(), c.sweep(), c.compression(), c.run(), c.sparkConf(), c.hadoop(), c.testing());
  }

  /**
   * Runs a command; {@code spark} null: get or create the session. Returns the exit code.
   */
  static int run(String[] argv, PrintStream out, SparkSession given) throws Exception {
    Args a;
    SweepConfig cfg;
    try {
      a = parse(argv);
      cfg = config(a);
    } catch (IllegalArgumentException e) {
      System.err.println("otfuse: " + e.getMessage());
      return 2;
    }
    String app = "otfuse " + a.command() + (cfg.sweepId().isEmpty() ? "" : " " + cfg.sweepId());
    SparkSession spark = given != null ? given : SparkSetup.session(cfg, app);
    if (given != null) {
      SparkSetup.adopt(spark, cfg);
    }
    ProgressListener listener = new ProgressListener();
    spark.sparkContext().addSparkListener(listener);
    try {
      if (a.command().equals("train-zoo")) {
        int n = ZooJob.trainMissing(spark, cfg);
        out.printf(Locale.ROOT, "trained %d models; zoo: %s%n", n, cfg.zoo().dir());
        return 0;
      }
      boolean fusion = a.command().equals("sweep");
      SweepJob.Outcome o = SweepJob.run(spark, cfg, fusion, true, listener);
      out.println();
      out.print(Summary.render(ResultTable.readSweep(spark, cfg.results(), o.sweepId())));
      out.printf(Locale.ROOT, "%nsweep %s: %d points, %d skipped (already in the results), %d run, %.1f s%n",
          o.sweepId(), o.points(), o.skipped(), o.ran(), o.seconds());
      out.println("results: " + o.sweepDir());
      return 0;
    } finally {
      spark.sparkContext().removeSparkListener(listener);
    }
  }
}
