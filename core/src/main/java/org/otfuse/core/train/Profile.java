package org.otfuse.core.train;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.otfuse.core.graph.Op;

/**
 * Per-op CPU time of {@link Backprop}'s forward and backward passes, when the JVM runs with
 * {@code -Dotfuse.profile=true} (off otherwise: one boolean test per op). CPU time of the calling
 * thread, which is where libnd4j runs with {@code OMP_NUM_THREADS=1}; with more OpenMP threads it
 * undercounts, and wall time is what the progress lines report.
 */
public final class Profile {
  static final boolean ON = Boolean.getBoolean("otfuse.profile");
  private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
  private static final Map<String, AtomicLong> NANOS = new ConcurrentHashMap<>();

  private Profile() {}

  static long start() {
    return ON ? THREADS.getCurrentThreadCpuTime() : 0;
  }

  static void stop(String phase, Op op, long start) {
    if (ON) {
      stop(phase + " " + op.getClass().getSimpleName(), start);
    }
  }

  /** Adds the CPU time since {@code start} to {@code key}; returns the current CPU time. */
  static long stop(String key, long start) {
    if (!ON) {
      return 0;
    }
    long now = THREADS.getCurrentThreadCpuTime();
    NANOS.computeIfAbsent(key, k -> new AtomicLong()).addAndGet(now - start);
    return now;
  }

  /** Milliseconds of CPU time per "phase op", sorted by name; empty when profiling is off. */
  public static Map<String, Double> millis() {
    Map<String, Double> out = new TreeMap<>();
    NANOS.forEach((k, v) -> out.put(k, v.get() / 1e6));
    return out;
  }

  /** Clears the counters. */
  public static void reset() {
    NANOS.clear();
  }
}
