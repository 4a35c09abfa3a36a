package org.otfuse.jobs;

import org.apache.hadoop.conf.Configuration;
import org.apache.spark.SparkConf;
import org.apache.spark.SparkEnv;
import org.otfuse.core.io.HadoopPaths;
import scala.Tuple2;

/**
 * Prepares a JVM (driver or executor) for core code: core reads every path through
 * {@link HadoopPaths}, whose Hadoop configuration must carry the session's {@code spark.hadoop.*}
 * settings (s3a endpoint, credential providers). Spark ships its conf to executors; this turns it
 * into the Hadoop configuration, as Spark itself does for its own file reads.
 */
public final class ExecutorSetup {
  private static volatile boolean done;

  private ExecutorSetup() {}

  /** Once per JVM: the Hadoop configuration from the running Spark conf. */
  public static void ensure() {
    if (done) {
      return;
    }
    synchronized (ExecutorSetup.class) {
      if (!done) {
        SparkEnv env = SparkEnv.get();
        // In local mode the "executor" is the driver, whose paths are already set up (with
        // settings added to the session's Hadoop configuration at run time); leave them.
        if (env != null && !"driver".equals(env.executorId())) {
          HadoopPaths.setConfiguration(hadoopConf(env.conf()));
        }
        done = true;
      }
    }
  }

  /** A Hadoop configuration with every {@code spark.hadoop.<key>} of {@code conf} set as {@code <key>}. */
  public static Configuration hadoopConf(SparkConf conf) {
    Configuration h = new Configuration();
    for (Tuple2<String, String> kv : conf.getAll()) {
      if (kv._1().startsWith("spark.hadoop.")) {
        h.set(kv._1().substring("spark.hadoop.".length()), kv._2());
      }
    }
    return h;
  }
}
