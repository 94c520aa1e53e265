package org.safehouse.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * CPU accounting for one phase. The server and the load generator share this JVM, so the process
 * CPU time covers both (plus RocksDB's native threads); the generator's own share is the CPU time
 * of the Java threads whose names start with {@code bench-} (client event loops, pacer, driver).
 */
final class Cpu {
  static final String PREFIX = "bench-";
  private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

  /** CPU time of generator threads that have already ended (their time is lost otherwise). */
  static final AtomicLong ENDED_GENERATOR_NANOS = new AtomicLong();

  private final long wall0;
  private final long process0;
  private final long generator0;
  private final long[] machine0;

  private Cpu() {
    wall0 = System.nanoTime();
    process0 = processNanos();
    generator0 = generatorNanos();
    machine0 = machineJiffies();
  }

  static Cpu start() {
    return new Cpu();
  }

  /** Called by a generator thread just before it ends. */
  static void threadEnding() {
    if (THREADS.isCurrentThreadCpuTimeSupported()) {
      ENDED_GENERATOR_NANOS.addAndGet(THREADS.getCurrentThreadCpuTime());
    }
  }

  static long processNanos() {
    var os = ManagementFactory.getOperatingSystemMXBean();
    if (os instanceof com.sun.management.OperatingSystemMXBean sun) {
      return sun.getProcessCpuTime();
    }
    return -1;
  }

  static long generatorNanos() {
    long sum = ENDED_GENERATOR_NANOS.get();
    for (ThreadInfo t : THREADS.getThreadInfo(THREADS.getAllThreadIds())) {
      if (t != null && t.getThreadName().startsWith(PREFIX)) {
        long n = THREADS.getThreadCpuTime(t.getThreadId());
        if (n > 0) {
          sum += n;
        }
      }
    }
    return sum;
  }

  /** CPU time of the live threads with exactly this name (e.g. the store's writer thread). */
  static long threadNanos(String name) {
    long sum = 0;
    for (ThreadInfo t : THREADS.getThreadInfo(THREADS.getAllThreadIds())) {
      if (t != null && t.getThreadName().equals(name)) {
        sum += Math.max(0, THREADS.getThreadCpuTime(t.getThreadId()));
      }
    }
    return sum;
  }

  /** {busy, total} jiffies of the whole machine from /proc/stat, or null. */
  static long[] machineJiffies() {
    try {
      String[] f = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
      long total = 0;
      long idle = 0;
      for (int i = 1; i < f.length && i <= 8; i++) {
        long v = Long.parseLong(f[i]);
        total += v;
        if (i == 4 || i == 5) {
          idle += v; // idle, iowait
        }
      }
      return new long[] {total - idle, total};
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  /** The phase's CPU figures, per message of {@code messages}. */
  Map<String, Object> stop(long messages) {
    long wall = System.nanoTime() - wall0;
    long process = processNanos() - process0;
    long generator = generatorNanos() - generator0;
    int cores = Runtime.getRuntime().availableProcessors();
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("wall_ms", wall / 1e6);
    m.put("jvm_cpu_ms", process / 1e6);
    m.put("generator_cpu_ms", generator / 1e6);
    m.put("jvm_cpu_utilization_of_all_cores", (double) process / wall / cores);
    long[] machine1 = machineJiffies();
    if (machine0 != null && machine1 != null && machine1[1] > machine0[1]) {
      double busy = (double) (machine1[0] - machine0[0]) / (machine1[1] - machine0[1]);
      m.put("machine_busy_fraction", busy);
      // What other processes used: a busy machine makes every figure here pessimistic.
      m.put("other_processes_fraction", Math.max(0, busy - (double) process / wall / cores));
    }
    if (messages > 0) {
      m.put("jvm_cpu_us_per_msg", process / 1e3 / messages);
      m.put("generator_cpu_us_per_msg", generator / 1e3 / messages);
      m.put("rest_cpu_us_per_msg", (process - generator) / 1e3 / messages);
    }
    return m;
  }
}
