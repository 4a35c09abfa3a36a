package org.otfuse.core.backend;

import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The OpenMP wait policy of ND4J's native threads, which libgomp reads from the environment once,
 * when ND4J loads. With no more threads than cores (the default) they busy-wait 300,000 spins after
 * every native op and keep the cores from the JVM's own threads between ops: the two-VGG11 fusion
 * took 0.23-0.24 s instead of 0.18-0.19 s on 2 cores ({@code submit/bench-gomp}, docs/benchmarks.md).
 * Every otfuse launcher exports {@code GOMP_SPINCOUNT=10000}; a JVM started otherwise (a notebook, a user's own Spark
 * application) gets one hint in the log.
 */
public final class OpenMpSpin {
  private static final Logger LOG = LoggerFactory.getLogger(OpenMpSpin.class);
  private static final AtomicBoolean HINTED = new AtomicBoolean();

  /** The value the launchers export. */
  public static final String RECOMMENDED_SPINCOUNT = "10000";

  private OpenMpSpin() {}

  /**
   * The hint for {@code env}, or null when the wait policy is set ({@code GOMP_SPINCOUNT} or
   * {@code OMP_WAIT_POLICY}) or ND4J runs one OpenMP thread ({@code OMP_NUM_THREADS=1}: nothing
   * spins beside the caller).
   */
  static String hint(Map<String, String> env) {
    if (env.containsKey("GOMP_SPINCOUNT") || env.containsKey("OMP_WAIT_POLICY")
        || "1".equals(env.get("OMP_NUM_THREADS"))) {
      return null;
    }
    return "GOMP_SPINCOUNT is not set: ND4J's OpenMP threads will spin after every native op and"
        + " slow fusion down on small machines (0.24 vs 0.19 s for two VGG11 on 2 cores); start the JVM"
        + " with GOMP_SPINCOUNT=" + RECOMMENDED_SPINCOUNT + " in its environment (submit/* do;"
        + " Spark: spark.executorEnv.GOMP_SPINCOUNT)";
  }

  /** Logs {@link #hint} of this process's environment, once per JVM. */
  public static void hintOnce() {
    if (!HINTED.get() && HINTED.compareAndSet(false, true)) {
      String h = hint(System.getenv());
      if (h != null) {
        LOG.info(h);
      }
    }
  }
}
