package org.safehouse.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** compare.md (tables with Safehouse/peer ratios) and SVG charts of throughput against p99. */
final class CompareReport {
  private static final String[] COLORS = {"#1b9e77", "#d95f02", "#7570b3", "#e7298a"};

  /** The XMPP servers: Safehouse is compared with the better of them, column by column. */
  static final java.util.Set<String> XMPP = java.util.Set.of("prosody", "ejabberd");

  /** A column of the ratio rows: how to read it from a run, and which way is better. */
  private record Column(
      java.util.function.Function<Map<String, Object>, Object> value, boolean higherIsBetter) {}

  private static final Column BLANK = new Column(run -> null, true);

  @SuppressWarnings("unchecked")
  private static Object online(Map<String, Object> run, String key) {
    return ((Map<String, Object>) run.get("online")).get(key);
  }

  @SuppressWarnings("unchecked")
  private static Object cost(Map<String, Object> run, String key) {
    Map<String, Object> step = at((Map<String, Object>) run.get("online"));
    return step == null ? null : ((Map<String, Object>) step.get("cost")).get(key);
  }

  @SuppressWarnings("unchecked")
  private static Object offline(Map<String, Object> run, String key) {
    Map<String, Object> offline = (Map<String, Object>) run.get("offline");
    return offline == null ? null : offline.get(key);
  }

  /** The summary table's columns after "peer", in order; BLANK where no ratio is given. */
  private static final List<Column> RATIO_COLUMNS =
      List.of(
          new Column(run -> online(run, "best_at_p99_20ms"), true),
          new Column(run -> online(run, "best_at_p99_50ms"), true),
          BLANK,
          BLANK,
          new Column(run -> cost(run, "server_cpu_us_per_msg"), false),
          new Column(run -> cost(run, "server_disk_bytes_per_msg"), false),
          BLANK,
          new Column(run -> offline(run, "queued_per_s"), true),
          new Column(run -> offline(run, "drained_per_s"), true),
          BLANK);

  /**
   * A row of Safehouse's figures divided by the best of {@code peers} in each column (higher
   * throughput, lower cost), naming that peer when there is a choice. The ratio reads as "Safehouse
   * has N times the peer's figure": above 1 is better for throughput, below 1 for cost.
   */
  private static void ratioRow(
      StringBuilder md, Map<String, Object> sh, List<Map<String, Object>> peers, String label) {
    md.append("| **").append(label).append("**");
    for (Column c : RATIO_COLUMNS) {
      md.append(" | ");
      if (c == BLANK) {
        continue;
      }
      Map<String, Object> best = null;
      double bestValue = 0;
      for (Map<String, Object> run : peers) {
        if (c.value.apply(run) instanceof Number n
            && (best == null
                || (c.higherIsBetter
                    ? n.doubleValue() > bestValue
                    : n.doubleValue() < bestValue))) {
          best = run;
          bestValue = n.doubleValue();
        }
      }
      if (best == null) {
        md.append("–");
        continue;
      }
      String r = ratio(c.value.apply(sh), bestValue);
      md.append(r);
      if (peers.size() > 1 && !r.equals("–")) {
        md.append(" (").append(best.get("peer")).append(")");
      }
    }
    md.append(" |\n");
  }

  private CompareReport() {}

  /** Rebuilds compare.md and the charts from a run's compare.json: {@code CompareReport DIR}. */
  @SuppressWarnings("unchecked")
  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args.length > 0 ? args[0] : "bench/results");
    write((Map<String, Object>) Json.parse(Files.readString(dir.resolve("compare.json"))), dir);
    System.out.println("wrote " + dir.resolve("compare.md"));
  }

  @SuppressWarnings("unchecked")
  static void write(Map<String, Object> r, Path out) throws Exception {
    List<Map<String, Object>> runs = new ArrayList<>();
    for (Object o : (List<Object>) r.get("runs")) {
      runs.add((Map<String, Object>) o);
    }
    Map<String, Object> idle = (Map<String, Object>) r.get("idle");
    Map<String, Object> setup = (Map<String, Object>) r.get("setup");
    StringBuilder md = new StringBuilder();
    md.append("# Safehouse compared with ").append(peerNames(runs, idle)).append("\n\n");
    md.append("Mode: ").append(r.get("mode")).append(", git ").append(r.get("git"));
    md.append(", started ").append(r.get("started")).append(".\n\n");
    md.append("Machine: `").append(r.get("machine")).append("`\n\n");
    md.append(
        "Open-loop load (sends on schedule, latency from the scheduled time), TLS 1.3 everywhere,"
            + " random payloads, each server its own process. *ack* = sender's acknowledgement"
            + " (Safehouse OK after synced commit, MQTT PUBACK, XMPP stream-management `<a/>`);"
            + " *delivery* = scheduled send to arrival at the recipient. Throughput at a target ="
            + " highest step whose ack and delivery p99 both stay under it and that achieved at"
            + " least 95% of its rate. Ratio rows divide Safehouse's figure by the peer's;"
            + " **Safehouse / best XMPP** divides it, column by column, by the better of Prosody and"
            + " ejabberd on that column (higher throughput, lower cost), named in brackets.\n\n");
    Map<String, List<Map<String, Object>>> groups = new LinkedHashMap<>();
    for (Map<String, Object> run : runs) {
      if (run.containsKey("error")) {
        md.append("**")
            .append(run.get("peer"))
            .append(" failed** (")
            .append(run.get("placement"))
            .append("): ")
            .append(run.get("error"))
            .append("\n\n");
        continue;
      }
      groups
          .computeIfAbsent(
              run.get("placement") + ", " + run.get("payload_bytes") + " B", k -> new ArrayList<>())
          .add(run);
    }
    int chart = 0;
    for (var g : groups.entrySet()) {
      md.append("## ").append(g.getKey()).append("\n\n");
      md.append(
          "| peer | msg/s at p99 ≤ 20 ms | msg/s at p99 ≤ 50 ms | at that step: ack p50 / p99 / p99.9 ms |"
              + " delivery p50 / p99 / p99.9 ms | server CPU µs/msg | server disk B/msg |"
              + " generator cores | offline: queued/s | drained/s | durability |\n");
      md.append("|---|---|---|---|---|---|---|---|---|---|---|\n");
      java.util.Set<String> cappedPeers = new java.util.TreeSet<>();
      Map<String, Object> sh = null;
      for (Map<String, Object> run : g.getValue()) {
        if ("safehouse".equals(run.get("peer"))) {
          sh = run;
        }
      }
      for (Map<String, Object> run : g.getValue()) {
        Map<String, Object> online = (Map<String, Object>) run.get("online");
        Map<String, Object> step = at(online);
        Map<String, Object> offline = (Map<String, Object>) run.get("offline");
        md.append("| ").append(run.get("peer"));
        md.append(" | ").append(num(online.get("best_at_p99_20ms"), 0));
        md.append(" | ").append(num(online.get("best_at_p99_50ms"), 0));
        if (step != null) {
          md.append(" | ").append(pct((Map<String, Object>) step.get("ack_ms")));
          md.append(" | ").append(pct((Map<String, Object>) step.get("delivery_ms")));
          Map<String, Object> cost = (Map<String, Object>) step.get("cost");
          md.append(" | ").append(num(cost.get("server_cpu_us_per_msg"), 1));
          md.append(" | ").append(num(cost.get("server_disk_bytes_per_msg"), 0));
          md.append(" | ").append(num(cost.get("generator_cores_busy"), 2));
        } else {
          md.append(" | – | – | – | – | –");
        }
        String capped = "";
        if (offline != null
            && ((Number) offline.get("messages")).longValue()
                != ((Number) setup.get("offline_messages")).longValue()) {
          capped = " (" + num(offline.get("messages"), 0) + " msgs)";
          cappedPeers.add(String.valueOf(run.get("peer")));
        }
        md.append(" | ")
            .append(offline == null ? "–" : num(offline.get("queued_per_s"), 0) + capped);
        md.append(" | ")
            .append(offline == null ? "–" : num(offline.get("drained_per_s"), 0) + capped);
        md.append(" | ").append(run.get("durability")).append(" |\n");
      }
      if (sh != null) {
        List<Map<String, Object>> xmpp = new ArrayList<>();
        for (Map<String, Object> run : g.getValue()) {
          if (run == sh) {
            continue;
          }
          if (XMPP.contains(String.valueOf(run.get("peer")))) {
            xmpp.add(run);
          } else {
            ratioRow(md, sh, List.of(run), "Safehouse / " + run.get("peer"));
          }
        }
        if (!xmpp.isEmpty()) {
          ratioRow(
              md,
              sh,
              xmpp,
              xmpp.size() == 1
                  ? "Safehouse / " + xmpp.get(0).get("peer")
                  : "Safehouse / best XMPP");
        }
      }
      if (!cappedPeers.isEmpty()) {
        md.append("\nOffline: ")
            .append(String.join(", ", cappedPeers))
            .append(" queued and drained fewer messages than the others (the count is beside")
            .append(" each figure; the others ")
            .append(num(setup.get("offline_messages"), 0))
            .append("; `--offline-cap`), so those offline figures and ratios flatter them.");
        if (cappedPeers.contains("ejabberd")) {
          md.append(
              " ejabberd's Mnesia offline table is a DETS bag that rewrites a recipient's whole"
                  + " queue on every message: its time per message grows with the queue.");
        }
        md.append("\n");
      }
      ThreadCpu.table(md, g.getValue());
      String file = "compare-" + (++chart) + ".svg";
      Files.writeString(out.resolve(file), svg(g.getKey(), g.getValue()));
      md.append("\n![throughput against p99, ").append(g.getKey()).append("](").append(file);
      md.append(
          ")\n\nAll steps:\n\n| peer | target/s | achieved/s | ack p50 / p99 / p99.9 ms |"
              + " delivery p50 / p99 / p99.9 ms | server CPU µs/msg | server cores busy | disk B/msg |"
              + " generator cores busy | other processes' cores busy |\n|---|---|---|---|---|---|---|---|---|---|\n");
      for (Map<String, Object> run : g.getValue()) {
        for (Object o : (List<Object>) ((Map<String, Object>) run.get("online")).get("steps")) {
          Map<String, Object> st = (Map<String, Object>) o;
          Map<String, Object> cost = (Map<String, Object>) st.get("cost");
          md.append("| ").append(run.get("peer"));
          md.append(" | ").append(st.get("target_per_s"));
          md.append(" | ").append(num(st.get("achieved_per_s"), 0));
          md.append(" | ").append(pct((Map<String, Object>) st.get("ack_ms")));
          md.append(" | ").append(pct((Map<String, Object>) st.get("delivery_ms")));
          md.append(" | ").append(num(cost.get("server_cpu_us_per_msg"), 1));
          md.append(" | ").append(num(cost.get("server_cores_busy"), 2));
          md.append(" | ").append(num(cost.get("server_disk_bytes_per_msg"), 0));
          md.append(" | ").append(num(cost.get("generator_cores_busy"), 2));
          md.append(" | ").append(num(cost.get("other_processes_cores_busy"), 2));
          md.append(" |\n");
        }
      }
      md.append("\n");
    }
    md.append("## Idle TLS connections (server on 1 core)\n\n");
    md.append(
        "RSS per connection is (RSS - RSS with none open) / connections; marginal is the slope"
            + " since the previous row. Safehouse runs with a fixed, pre-touched heap (see"
            + " `server_java_opts` in compare.json), which RSS does not show growing: its live"
            + " heap per connection (after a full GC) is added, and the last column is the whole"
            + " cost of one more idle connection. The other servers' heaps are in their RSS.\n\n");
    md.append(
        "| peer | connections | server RSS MB | RSS per connection KB | marginal RSS KB |"
            + " live heap per connection KB | marginal cost per connection KB |\n"
            + "|---|---|---|---|---|---|---|\n");
    for (var e : idle.entrySet()) {
      Map<String, Object> m = (Map<String, Object>) e.getValue();
      for (Object o : (List<Object>) m.get("points")) {
        Map<String, Object> p = (Map<String, Object>) o;
        if (((Number) p.get("connections")).intValue() == 0) {
          continue;
        }
        Object heap = p.get("heap_live_per_connection_kb");
        Object marginal = p.get("marginal_rss_per_connection_kb");
        md.append("| ").append(e.getKey());
        md.append(" | ").append(p.get("connections"));
        md.append(" | ").append(num(((Number) p.get("rss_kb")).doubleValue() / 1024, 0));
        md.append(" | ").append(num(p.get("rss_per_connection_kb"), 1));
        md.append(" | ").append(marginal == null ? "" : num(marginal, 1));
        md.append(" | ").append(heap == null ? "in RSS" : num(heap, 1));
        Double whole = wholeCost(p);
        md.append(" | ").append(whole == null ? "" : num(whole, 1));
        md.append(" |\n");
      }
      if (m.containsKey("error")) {
        md.append("| ")
            .append(e.getKey())
            .append(" | stopped: ")
            .append(m.get("error"))
            .append(" | | | | | |\n");
      }
    }
    idleRatios(md, idle);
    md.append("\n");
    Files.writeString(out.resolve("compare.md"), md.toString());
  }

  /** Marginal RSS plus live heap per connection (heap only for Safehouse), or null. */
  private static Double wholeCost(Map<String, Object> p) {
    if (!(p.get("marginal_rss_per_connection_kb") instanceof Number marginal)) {
      return null;
    }
    double heap = p.get("heap_live_per_connection_kb") instanceof Number h ? h.doubleValue() : 0;
    return marginal.doubleValue() + heap;
  }

  /**
   * Ratio rows under the idle table: the whole cost of one more idle connection (last column) at
   * Safehouse's largest step, divided by each peer's at the same number of connections (the better
   * XMPP peer for "best XMPP").
   */
  @SuppressWarnings("unchecked")
  private static void idleRatios(StringBuilder md, Map<String, Object> idle) {
    Map<String, Object> sh = (Map<String, Object>) idle.get("safehouse");
    if (sh == null) {
      return;
    }
    List<Object> points = (List<Object>) sh.get("points");
    Map<String, Object> last = (Map<String, Object>) points.get(points.size() - 1);
    Object connections = last.get("connections");
    Map<String, Double> perPeer = new LinkedHashMap<>();
    for (var e : idle.entrySet()) {
      for (Object o : (List<Object>) ((Map<String, Object>) e.getValue()).get("points")) {
        Map<String, Object> p = (Map<String, Object>) o;
        Double cost = wholeCost(p);
        if (!e.getKey().equals("safehouse")
            && connections.equals(p.get("connections"))
            && cost != null) {
          perPeer.put(e.getKey(), cost);
        }
      }
    }
    String bestXmpp = null;
    for (var e : perPeer.entrySet()) {
      if (XMPP.contains(e.getKey())) {
        if (bestXmpp == null || e.getValue() < perPeer.get(bestXmpp)) {
          bestXmpp = e.getKey();
        }
      } else {
        md.append("| **Safehouse / ").append(e.getKey()).append("** | ").append(connections);
        md.append(" | | | | | ").append(ratio(wholeCost(last), e.getValue()));
        md.append(" |\n");
      }
    }
    if (bestXmpp != null) {
      long xmppPeers = perPeer.keySet().stream().filter(XMPP::contains).count();
      md.append("| **Safehouse / ")
          .append(xmppPeers > 1 ? "best XMPP" : bestXmpp)
          .append("** | ")
          .append(connections);
      md.append(" | | | | | ").append(ratio(wholeCost(last), perPeer.get(bestXmpp)));
      md.append(xmppPeers > 1 ? " (" + bestXmpp + ")" : "").append(" |\n");
    }
  }

  /** "Mosquitto, Prosody and ejabberd": the peers other than Safehouse, in the order they ran. */
  private static String peerNames(List<Map<String, Object>> runs, Map<String, Object> idle) {
    java.util.LinkedHashSet<String> names = new java.util.LinkedHashSet<>(idle.keySet());
    runs.forEach(run -> names.add(String.valueOf(run.get("peer"))));
    names.remove("safehouse");
    List<String> shown =
        names.stream()
            .map(
                n ->
                    n.equals("ejabberd")
                        ? n
                        : n.substring(0, 1).toUpperCase(Locale.ROOT) + n.substring(1))
            .toList();
    if (shown.size() <= 1) {
      return shown.isEmpty() ? "nothing" : shown.get(0);
    }
    return String.join(", ", shown.subList(0, shown.size() - 1))
        + " and "
        + shown.get(shown.size() - 1);
  }

  /** The step at the 50 ms target, or the first step if none met it. */
  @SuppressWarnings("unchecked")
  private static Map<String, Object> at(Map<String, Object> online) {
    Object best = online.get("best_at_p99_50ms");
    List<Object> steps = (List<Object>) online.get("steps");
    for (Object o : steps) {
      Map<String, Object> st = (Map<String, Object>) o;
      if (best != null && best.equals(st.get("target_per_s"))) {
        return st;
      }
    }
    return steps.isEmpty() ? null : (Map<String, Object>) steps.get(0);
  }

  private static String pct(Map<String, Object> l) {
    return num(l.get("p50"), 2) + " / " + num(l.get("p99"), 2) + " / " + num(l.get("p99_9"), 2);
  }

  static String num(Object v, int decimals) {
    if (!(v instanceof Number n)) {
      return "–";
    }
    return String.format(Locale.ROOT, "%,." + decimals + "f", n.doubleValue());
  }

  static String ratio(Object a, Object b) {
    // Below 0.5 the peer's figure shows as 0 (disk bytes of a server that never syncs): no ratio.
    if (!(a instanceof Number x) || !(b instanceof Number y) || y.doubleValue() < 0.5) {
      return "–";
    }
    return String.format(Locale.ROOT, "%.2f×", x.doubleValue() / y.doubleValue());
  }

  // ------------------------------------------------------------------ SVG

  @SuppressWarnings("unchecked")
  static String svg(String title, List<Map<String, Object>> runs) {
    int w = 760;
    int h = 440;
    int left = 70;
    int right = 190;
    int top = 40;
    int bottom = 50;
    double x0 = Math.log10(100);
    double x1 = Math.log10(100_000);
    double y0 = Math.log10(0.1);
    double y1 = Math.log10(5_000);
    StringBuilder sb = new StringBuilder();
    sb.append(
        String.format(
            Locale.ROOT,
            "<svg xmlns='http://www.w3.org/2000/svg' width='%d' height='%d' font-family='sans-serif'"
                + " font-size='12'>\n<rect width='100%%' height='100%%' fill='white'/>\n",
            w,
            h));
    sb.append(
        String.format(
            Locale.ROOT,
            "<text x='%d' y='20' font-size='14'>%s: p99 latency against achieved messages/s</text>\n",
            left,
            esc(title)));
    double pw = w - left - right;
    double ph = h - top - bottom;
    java.util.function.DoubleUnaryOperator px =
        v -> left + (Math.log10(Math.max(v, 100)) - x0) / (x1 - x0) * pw;
    java.util.function.DoubleUnaryOperator py =
        v -> top + ph - (Math.log10(Math.min(Math.max(v, 0.1), 5000)) - y0) / (y1 - y0) * ph;
    for (double v : new double[] {100, 1_000, 10_000, 100_000}) {
      double x = px.applyAsDouble(v);
      sb.append(
          String.format(
              Locale.ROOT,
              "<line x1='%.1f' y1='%d' x2='%.1f' y2='%.1f' stroke='#ddd'/>\n",
              x,
              top,
              x,
              top + ph));
      sb.append(
          String.format(
              Locale.ROOT,
              "<text x='%.1f' y='%.1f' text-anchor='middle'>%,.0f</text>\n",
              x,
              top + ph + 16,
              v));
    }
    for (double v : new double[] {0.1, 1, 10, 100, 1000}) {
      double y = py.applyAsDouble(v);
      sb.append(
          String.format(
              Locale.ROOT,
              "<line x1='%d' y1='%.1f' x2='%.1f' y2='%.1f' stroke='#ddd'/>\n",
              left,
              y,
              left + pw,
              y));
      sb.append(
          String.format(
              Locale.ROOT,
              "<text x='%d' y='%.1f' text-anchor='end'>%s ms</text>\n",
              left - 4,
              y + 4,
              v < 1 ? "0.1" : String.format(Locale.ROOT, "%.0f", v)));
    }
    for (double limit : new double[] {CompareBench.TARGET_P99_MS, CompareBench.LATENCY_LIMIT_MS}) {
      double y = py.applyAsDouble(limit);
      sb.append(
          String.format(
              Locale.ROOT,
              "<line x1='%d' y1='%.1f' x2='%.1f' y2='%.1f' stroke='#c00' stroke-dasharray='4 3'/>\n",
              left,
              y,
              left + pw,
              y));
    }
    sb.append(
        String.format(
            Locale.ROOT,
            "<text x='%.1f' y='%d' text-anchor='middle'>achieved messages/s (log)</text>\n",
            left + pw / 2,
            h - 10));
    int i = 0;
    int ly = top + 10;
    for (Map<String, Object> run : runs) {
      String color = COLORS[i++ % COLORS.length];
      for (String kind : List.of("ack_ms", "delivery_ms")) {
        StringBuilder pts = new StringBuilder();
        for (Object o : (List<Object>) ((Map<String, Object>) run.get("online")).get("steps")) {
          Map<String, Object> st = (Map<String, Object>) o;
          double x = px.applyAsDouble(((Number) st.get("achieved_per_s")).doubleValue());
          double y =
              py.applyAsDouble(((Number) ((Map<?, ?>) st.get(kind)).get("p99")).doubleValue());
          pts.append(String.format(Locale.ROOT, "%.1f,%.1f ", x, y));
          sb.append(
              String.format(
                  Locale.ROOT, "<circle cx='%.1f' cy='%.1f' r='3' fill='%s'/>\n", x, y, color));
        }
        String dash = kind.equals("ack_ms") ? "" : " stroke-dasharray='6 3'";
        sb.append(
            String.format(
                Locale.ROOT,
                "<polyline points='%s' fill='none' stroke='%s' stroke-width='2'%s/>\n",
                pts,
                color,
                dash));
        sb.append(
            String.format(
                Locale.ROOT,
                "<line x1='%.1f' y1='%d' x2='%.1f' y2='%d' stroke='%s' stroke-width='2'%s/>\n",
                left + pw + 10,
                ly,
                left + pw + 40,
                ly,
                color,
                dash));
        sb.append(
            String.format(
                Locale.ROOT,
                "<text x='%.1f' y='%d'>%s %s p99</text>\n",
                left + pw + 45,
                ly + 4,
                esc(String.valueOf(run.get("peer"))),
                kind.equals("ack_ms") ? "ack" : "delivery"));
        ly += 18;
      }
    }
    sb.append(
        String.format(
            Locale.ROOT,
            "<text x='%.1f' y='%d' fill='#c00'>dashed red: 20 ms, 50 ms</text>\n",
            left + pw + 10,
            ly + 10));
    sb.append("</svg>\n");
    return sb.toString();
  }

  private static String esc(String s) {
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
  }
}
