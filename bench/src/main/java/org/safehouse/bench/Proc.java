package org.safehouse.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** Figures of a process from /proc: CPU time, bytes written, resident memory. */
record Proc(long cpuNanos, long writeBytes, long wchar, long rssKb) {
  private static final long TICK_NANOS = 10_000_000L; // USER_HZ is 100 on Linux

  static Proc read(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      // fields after "(comm) ": state=0 ... utime=11 stime=12
      long cpu = (Long.parseLong(f[11]) + Long.parseLong(f[12])) * TICK_NANOS;
      long wb = 0;
      long wc = 0;
      try {
        for (String l : Files.readAllLines(Path.of("/proc/" + pid + "/io"))) {
          if (l.startsWith("write_bytes:")) {
            wb = Long.parseLong(l.substring(12).trim());
          } else if (l.startsWith("wchar:")) {
            wc = Long.parseLong(l.substring(6).trim());
          }
        }
      } catch (IOException e) {
        // /proc/PID/io needs the same user or root; leave zero
      }
      long rss = 0;
      for (String l : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
        if (l.startsWith("VmRSS:")) {
          rss = Long.parseLong(l.substring(6).replace("kB", "").trim());
        }
      }
      return new Proc(cpu, wb, wc, rss);
    } catch (IOException e) {
      throw new IllegalStateException("cannot read /proc/" + pid + ": " + e);
    }
  }

  static Proc self() {
    return read(ProcessHandle.current().pid());
  }

  /** Whole-machine busy time (all cores) from /proc/stat, in nanoseconds. */
  static long machineBusyNanos() {
    try {
      String[] f = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
      long busy = 0;
      for (int i = 1; i < f.length; i++) {
        if (i != 4 && i != 5) { // idle, iowait
          busy += Long.parseLong(f[i]);
        }
      }
      return busy * TICK_NANOS;
    } catch (IOException e) {
      return 0;
    }
  }

  /** Per-message figures between two readings of the server and of this generator. */
  static Map<String, Object> perMessage(
      Proc s0, Proc s1, Proc g0, Proc g1, long m0, long m1, long messages, double seconds) {
    Map<String, Object> m = new LinkedHashMap<>();
    double n = Math.max(1, messages);
    double serverCpu = (s1.cpuNanos - s0.cpuNanos) / 1e9;
    double genCpu = (g1.cpuNanos - g0.cpuNanos) / 1e9;
    m.put("server_cpu_us_per_msg", (s1.cpuNanos - s0.cpuNanos) / 1e3 / n);
    m.put("server_cores_busy", serverCpu / seconds);
    m.put("server_disk_bytes_per_msg", (s1.writeBytes - s0.writeBytes) / n);
    m.put("server_write_syscall_bytes_per_msg", (s1.wchar - s0.wchar) / n);
    m.put("generator_cpu_us_per_msg", (g1.cpuNanos - g0.cpuNanos) / 1e3 / n);
    m.put("generator_cores_busy", genCpu / seconds);
    double machine = (m1 - m0) / 1e9;
    m.put("other_processes_cores_busy", Math.max(0, machine - serverCpu - genCpu) / seconds);
    return m;
  }
}
