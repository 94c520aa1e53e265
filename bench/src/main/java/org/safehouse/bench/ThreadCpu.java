package org.safehouse.bench;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A server's CPU time by thread, from {@code /proc/PID/task/TID/schedstat} (nanoseconds on the CPU;
 * {@code stat}'s utime+stime in 10 ms ticks where schedstat is missing), read before and after a
 * step. Threads are grouped by name with the numbers folded ("epollEventLoopGroup-3-1" and "-3-2"
 * are "epollEventLoopGroup-N-N"), so a step shows where the server spent its CPU: store writer,
 * event loops, completer, garbage collector, and the JIT compilers (their share is given apart, so
 * a step measured while the JVM still compiles shows it).
 */
final class ThreadCpu {
  private static final int TOP = 8;

  /** A thread's folded name and CPU nanoseconds so far. */
  record Sample(String name, long cpuNanos) {}

  private ThreadCpu() {}

  /** Every live thread of {@code pid}, by thread id (empty if /proc cannot be read). */
  static Map<Long, Sample> read(long pid) {
    Map<Long, Sample> m = new HashMap<>();
    try (DirectoryStream<Path> tasks =
        Files.newDirectoryStream(Path.of("/proc/" + pid + "/task"))) {
      for (Path t : tasks) {
        try {
          String stat = Files.readString(t.resolve("stat"));
          int open = stat.indexOf('(');
          int close = stat.lastIndexOf(')');
          String name = fold(stat.substring(open + 1, close));
          long cpu;
          Path sched = t.resolve("schedstat");
          if (Files.exists(sched)) {
            cpu = Long.parseLong(Files.readString(sched).trim().split("\\s+")[0]);
          } else {
            String[] f = stat.substring(close + 2).split(" ");
            cpu = (Long.parseLong(f[11]) + Long.parseLong(f[12])) * 10_000_000L;
          }
          m.put(Long.valueOf(t.getFileName().toString()), new Sample(name, cpu));
        } catch (IOException | RuntimeException e) {
          // the thread ended between the listing and the read
        }
      }
    } catch (IOException e) {
      return m;
    }
    return m;
  }

  /** Digits folded to "N": threads of one pool share a row. */
  static String fold(String name) {
    // "C1 CompilerThre" and "C2 CompilerThre" (names are cut at 15 characters) keep their tier.
    int keep = name.matches("C[12] .*") ? 2 : 0;
    return name.substring(0, keep) + name.substring(keep).replaceAll("[0-9]+", "N");
  }

  static boolean compiler(String name) {
    return name.startsWith("C1 Compiler") || name.startsWith("C2 Compiler");
  }

  /**
   * The CPU each thread group used between {@code before} and {@code after} (threads that ended in
   * between are lost; threads that started count from zero): the top groups with milliseconds,
   * share of the server's total and µs per message, and the compilers' share.
   */
  static Map<String, Object> diff(
      Map<Long, Sample> before, Map<Long, Sample> after, long messages) {
    Map<String, Long> byName = new HashMap<>();
    long total = 0;
    for (var e : after.entrySet()) {
      Sample b = before.get(e.getKey());
      long d = e.getValue().cpuNanos() - (b == null ? 0 : b.cpuNanos());
      if (d > 0) {
        byName.merge(e.getValue().name(), d, Long::sum);
        total += d;
      }
    }
    long compilers =
        byName.entrySet().stream()
            .filter(e -> compiler(e.getKey()))
            .mapToLong(Map.Entry::getValue)
            .sum();
    List<Map.Entry<String, Long>> sorted = new ArrayList<>(byName.entrySet());
    sorted.sort(Map.Entry.<String, Long>comparingByValue().reversed());
    List<Object> top = new ArrayList<>();
    for (var e : sorted.subList(0, Math.min(TOP, sorted.size()))) {
      Map<String, Object> t = new LinkedHashMap<>();
      t.put("thread", e.getKey());
      t.put("cpu_ms", e.getValue() / 1e6);
      t.put("share", total == 0 ? 0.0 : e.getValue() / (double) total);
      t.put("us_per_msg", e.getValue() / 1e3 / Math.max(1, messages));
      top.add(t);
    }
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("total_cpu_ms", total / 1e6);
    m.put("compiler_cpu_ms", compilers / 1e6);
    m.put("compiler_share", total == 0 ? 0.0 : compilers / (double) total);
    m.put("top", top);
    return m;
  }

  /** "C2 CompilerThreN 31%, store-writer 20%, …" (the first {@code n} groups). */
  @SuppressWarnings("unchecked")
  static String summary(Object threads, int n) {
    if (!(threads instanceof Map<?, ?> m) || !(m.get("top") instanceof List<?> top)) {
      return "–";
    }
    StringBuilder sb = new StringBuilder();
    for (Object o : top.subList(0, Math.min(n, top.size()))) {
      Map<String, Object> t = (Map<String, Object>) o;
      if (sb.length() > 0) {
        sb.append(", ");
      }
      sb.append(t.get("thread"))
          .append(' ')
          .append(String.format(Locale.ROOT, "%.0f%%", 100 * (double) t.get("share")));
    }
    return sb.toString();
  }

  /**
   * A markdown table under a group of runs: for each peer's steps, the compilers' share and the
   * thread groups that used the most CPU (JVM servers; other peers have one thread or two).
   */
  @SuppressWarnings("unchecked")
  static void table(StringBuilder md, List<Map<String, Object>> runs) {
    for (Map<String, Object> run : runs) {
      if (run.get("idle_connections_held") instanceof Number held && held.intValue() > 0) {
        md.append("\n")
            .append(run.get("peer"))
            .append(" held ")
            .append(held)
            .append(" idle connections (workload C) open through these steps.\n");
      }
    }
    md.append('\n');
    boolean any = false;
    for (Map<String, Object> run : runs) {
      if (!(run.get("online") instanceof Map<?, ?> online)) {
        continue;
      }
      for (Object o : (List<Object>) online.get("steps")) {
        Map<String, Object> st = (Map<String, Object>) o;
        Object threads = st.get("server_threads");
        if (threads == null) {
          continue;
        }
        if (!any) {
          md.append("Server CPU by thread (numbers folded to N; share of the server's CPU in")
              .append(" the step; the JIT compilers apart):\n\n")
              .append("| peer | msg/s | server CPU ms | JIT compilers | top threads |\n")
              .append("|---|---|---|---|---|\n");
          any = true;
        }
        Map<String, Object> t = (Map<String, Object>) threads;
        md.append("| ").append(run.get("peer"));
        md.append(" | ").append(CompareReport.num(st.get("target_per_s"), 0));
        md.append(" | ").append(CompareReport.num(t.get("total_cpu_ms"), 0));
        md.append(" | ")
            .append(
                String.format(
                    Locale.ROOT, "%.0f%%", 100 * ((Number) t.get("compiler_share")).doubleValue()));
        md.append(" | ").append(summary(t, 5)).append(" |\n");
      }
    }
    if (any) {
      md.append('\n');
    }
  }
}
