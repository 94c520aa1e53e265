package org.safehouse.bench;

import java.util.Map;

/** The Markdown summary of a results map. */
final class Report {
  private Report() {}

  static String markdown(Map<String, Object> r, double targetRate, double targetP99Ms) {
    StringBuilder sb = new StringBuilder();
    Map<?, ?> machine = (Map<?, ?>) r.get("machine");
    sb.append("# Relay core benchmark (").append(r.get("mode")).append(")\n\n");
    sb.append("- Date: ").append(r.get("date")).append('\n');
    sb.append("- Machine: ")
        .append(machine.get("nproc"))
        .append(" cores, ")
        .append(machine.get("cpu_model"))
        .append("; load average at start ")
        .append(machine.get("load_average_at_start"))
        .append(", at end ")
        .append(r.get("load_average_at_end"))
        .append('\n');
    sb.append("- Java ")
        .append(machine.get("java"))
        .append(", TLS provider ")
        .append(machine.get("tls_provider"))
        .append(", max heap ")
        .append(machine.get("max_heap_mb"))
        .append(" MB, commit ")
        .append(machine.get("git_commit"))
        .append('\n');
    sb.append("- Settings: ").append(r.get("settings")).append('\n');
    sb.append("- Note: ").append(r.get("note")).append("\n\n");

    sb.append("| Measure | Result |\n|---|---|\n");
    Map<?, ?> closed = (Map<?, ?>) r.get("durable_sends_closed_loop");
    if (closed != null) {
      Map<?, ?> lat = (Map<?, ?>) closed.get("ack_latency_ms");
      row(
          sb,
          "Durable sends, closed loop ("
              + closed.get("connections")
              + " conns x "
              + closed.get("in_flight_per_connection")
              + " in flight)",
          num(closed.get("durable_sends_per_s"), 0) + " /s, errors " + closed.get("errors"));
      row(
          sb,
          "  sender-ack latency p50 / p99 / p99.9 / max",
          ms(lat.get("p50"))
              + " / "
              + ms(lat.get("p99"))
              + " / "
              + ms(lat.get("p99_9"))
              + " / "
              + ms(lat.get("max")));
      row(sb, "  CPU per send (JVM total / generator)", cpu(closed));
    }
    Map<?, ?> open = (Map<?, ?>) r.get("durable_sends_open_loop");
    if (open != null) {
      Map<?, ?> lat = (Map<?, ?>) open.get("latency_from_schedule_ms");
      double achieved = (Double) open.get("achieved_per_s");
      int target = (Integer) open.get("target_per_s");
      double p99 = (Double) lat.get("p99");
      boolean met =
          target >= targetRate
              && achieved >= 0.99 * target
              && p99 <= targetP99Ms
              && ((Number) open.get("skipped_in_flight_cap")).longValue() == 0;
      row(
          sb,
          "Durable sends, open loop at " + target + " /s",
          num(achieved, 0)
              + " /s achieved, errors "
              + open.get("errors")
              + ", not sent (in-flight cap) "
              + open.get("skipped_in_flight_cap")
              + ", pacer max lag "
              + ms(open.get("pacer_max_lag_ms")));
      row(
          sb,
          "  latency from schedule p50 / p99 / p99.9 / max",
          ms(lat.get("p50"))
              + " / "
              + ms(lat.get("p99"))
              + " / "
              + ms(lat.get("p99_9"))
              + " / "
              + ms(lat.get("max")));
      row(sb, "  CPU per send (JVM total / generator)", cpu(open));
      row(
          sb,
          "  Target "
              + (int) targetRate
              + " durable msgs/s with p99 <= "
              + (int) targetP99Ms
              + " ms",
          met ? "**met**" : "**not met**");
    }
    Map<?, ?> drain = (Map<?, ?>) r.get("mailbox_drain");
    if (drain != null) {
      row(
          sb,
          "Mailbox drain ("
              + drain.get("messages")
              + " queued, window "
              + drain.get("delivery_window")
              + ")",
          num(drain.get("drain_msgs_per_s"), 0)
              + " msgs/s received+acked; all acks applied after "
              + ms(drain.get("all_acks_applied_ms"))
              + "; dupes "
              + drain.get("duplicates"));
      row(sb, "  CPU per message (JVM total / generator)", cpu(drain));
    }
    Map<?, ?> sweep = (Map<?, ?>) r.get("sweeper");
    if (sweep != null) {
      for (String k : new String[] {"a_live_and_expired", "b_live_only", "c_expired_only"}) {
        Map<?, ?> c = (Map<?, ?>) sweep.get(k);
        row(
            sb,
            "Sweep " + k + " (" + c.get("live") + " live, " + c.get("expired") + " expired)",
            ms(c.get("sweep_ms"))
                + " wall, "
                + ms(c.get("sweep_writer_cpu_ms"))
                + " writer-thread CPU; removed "
                + c.get("removed")
                + "; no-op sweep after "
                + ms(c.get("second_sweep_ms")));
      }
      row(
          sb,
          "  Sweep cost ratio a / c (want ~1): wall / writer CPU",
          num(sweep.get("ratio_a_over_c"), 2)
              + " / "
              + num(sweep.get("writer_cpu_ratio_a_over_c"), 2));
    }
    return sb.toString();
  }

  private static void row(StringBuilder sb, String k, String v) {
    sb.append("| ").append(k.replace("|", "/")).append(" | ").append(v).append(" |\n");
  }

  private static String cpu(Map<?, ?> phase) {
    Map<?, ?> c = (Map<?, ?>) phase.get("cpu");
    return num(c.get("jvm_cpu_us_per_msg"), 1)
        + " / "
        + num(c.get("generator_cpu_us_per_msg"), 1)
        + " us; JVM used "
        + num(100 * ((Number) c.get("jvm_cpu_utilization_of_all_cores")).doubleValue(), 0)
        + "% of all cores, other processes "
        + (c.get("other_processes_fraction") instanceof Number o
            ? num(100 * o.doubleValue(), 0) + "%"
            : "unknown");
  }

  private static String ms(Object v) {
    return num(v, 2) + " ms";
  }

  private static String num(Object v, int decimals) {
    if (!(v instanceof Number n)) {
      return String.valueOf(v);
    }
    return String.format("%,." + decimals + "f", n.doubleValue());
  }
}
