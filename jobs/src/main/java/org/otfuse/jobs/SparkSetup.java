package org.otfuse.jobs;

import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;
import org.otfuse.core.io.HadoopPaths;
import org.otfuse.core.sweep.SweepConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Spark session of a job: the running one when there is one (tests, notebooks), otherwise a
 * new one from spark-submit's settings plus {@code otfuse.spark-conf} and {@code otfuse.hadoop}
 * (as {@code spark.hadoop.*}); local[*] when no master was given at all.
 */
public final class SparkSetup {
  private static final Logger LOG = LoggerFactory.getLogger(SparkSetup.class);
  private static final Pattern LOCAL = Pattern.compile("local(?:\\[([^,\\]]+)(?:,\\s*(\\d+))?\\])?");

  private SparkSetup() {}

  /** Gets or creates the session and points core's Hadoop paths at its configuration. */
  public static SparkSession session(SweepConfig cfg, String appName) {
    SparkSession.Builder b = SparkSession.builder().appName(appName);
    SparkConf probe = new SparkConf();
    if (!probe.contains("spark.master")) {
      b.master("local[*]");
    }
    // Job output commits by renaming task files at job commit (see ResultTable).
    b.config("spark.hadoop.mapreduce.fileoutputcommitter.algorithm.version", "1");
    b.config("spark.sql.parquet.compression.codec", "snappy");
    for (Map.Entry<String, String> e : cfg.sparkConf().entrySet()) {
      b.config(e.getKey(), e.getValue());
    }
    for (Map.Entry<String, String> e : cfg.hadoop().entrySet()) {
      b.config("spark.hadoop." + e.getKey(), e.getValue());
      LOG.info("hadoop {} = {}", e.getKey(), SweepConfig.isSecretKey(e.getKey()) ? "(redacted)" : e.getValue());
    }
    SparkSession spark = b.getOrCreate();
    adopt(spark, cfg);
    return spark;
  }

  /**
   * Applies {@code otfuse.hadoop} to a running session's Hadoop configuration and points core's
   * paths at it (for sessions created elsewhere: tests, notebooks).
   */
  public static void adopt(SparkSession spark, SweepConfig cfg) {
    for (Map.Entry<String, String> e : cfg.hadoop().entrySet()) {
      spark.sparkContext().hadoopConfiguration().set(e.getKey(), e.getValue());
    }
    HadoopPaths.setConfiguration(spark.sparkContext().hadoopConfiguration());
  }

  /**
   * How many attempts Spark makes per task: {@code F} of {@code local[N,F]}, 1 for other local
   * masters (Spark does not retry in plain local mode), else {@code spark.task.maxFailures}.
   */
  public static int maxFailures(SparkSession spark) {
    String master = spark.sparkContext().master();
    Matcher m = LOCAL.matcher(master);
    if (m.matches()) {
      return m.group(2) == null ? 1 : Integer.parseInt(m.group(2));
    }
    return spark.sparkContext().getConf().getInt("spark.task.maxFailures", 4);
  }
}
