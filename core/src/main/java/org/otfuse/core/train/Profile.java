package org.otfuse.core.train;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.otfuse.core.graph.Op;

/**
 * Per-op CPU time of {@link Backprop}'s forward and backward passes (and of {@link Trainer}'s
 * other phases of a step), when the JVM runs with {@code -Dotfuse.profile=true} (off otherwise:
 * one boolean test per op). CPU time of the calling thread, which is where libnd4j runs with
 * {@code OMP_NUM_THREADS=1}; with more OpenMP threads it undercounts, and wall time is what the
 * progress lines report. The counters add up over the JVM's life ({@link #millis()}); {@link
 * Trainer#train} logs what its run added, once, at the end ({@link #report}).
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

  /**
   * What the counters gained between two {@link #millis()} snapshots, largest first:
   * {@code "backward Conv2d 812.3 ms, forward Conv2d 95.1 ms, ..."}; empty when nothing was added.
   */
  static String report(Map<String, Double> before, Map<String, Double> after) {
    List<Map.Entry<String, Double>> added = new ArrayList<>();
    after.forEach((k, v) -> {
      double d = v - before.getOrDefault(k, 0.0);
      if (d > 0) {
        added.add(Map.entry(k, d));
      }
    });
    added.sort(Map.Entry.<String, Double>comparingByValue().reversed().thenComparing(Map.Entry.<String, Double>comparingByKey()));
    StringBuilder out = new StringBuilder();
    for (Map.Entry<String, Double> e : added) {
      out.append(out.length() == 0 ? "" : ", ")
          .append(String.format(Locale.ROOT, "%s %.1f ms", e.getKey(), e.getValue()));
    }
    return out.toString();
  }

  /** Clears the counters. */
  public static void reset() {
    NANOS.clear();
  }
}
