package org.safehouse.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.HdrHistogram.Histogram;
import org.safehouse.server.config.ConfigFile;

/**
 * Does the store purge stall sends? Runs server jars (e.g. the code before and after a change) one
 * after the other, alternating, each its own process under {@code taskset}, with a short {@code
 * store.purge-interval}: queues copies for offline devices (so the store has data files for a purge
 * to rewrite), then sends at a steady open-loop rate to online devices that ack every delivery,
 * across several purges. Records the ack latency (scheduled send time to OK, so a stalled writer
 * shows as latency) overall, for sends scheduled during a purge and outside, and the longest gap
 * between two OKs during each purge. Purge times come from the server's log ("purged the store in N
 * ms"). Run with {@code bench/purge-stall.sh}; see bench/results/purge-stall/NOTE.md.
 */
public final class PurgeStallBench {
  private static final Pattern PURGED =
      Pattern.compile("^(\\S+) +\\S+ +\\S+ - purged the store in (\\d+) ms");

  /** A server jar to run, with environment variables set for its process only. */
  private record Jar(String label, Path path, List<String> env) {}

  private record Purge(long endMillis, long millis) {}

  private final Map<String, String> opts = new LinkedHashMap<>();
  private final List<Jar> jars = new ArrayList<>();

  public static void main(String[] args) throws Exception {
    PurgeStallBench b = new PurgeStallBench();
    for (int i = 0; i < args.length; i++) {
      if (args[i].equals("--jar")) {
        // LABEL=PATH[,NAME=VALUE...]
        String[] parts = args[++i].split(",");
        String[] kv = parts[0].split("=", 2);
        b.jars.add(
            new Jar(
                kv[0], Path.of(kv[1]).toAbsolutePath(), List.of(parts).subList(1, parts.length)));
      } else if (args[i].startsWith("--")) {
        b.opts.put(args[i].substring(2), args[++i]);
      } else {
        throw new IllegalArgumentException("unknown argument " + args[i]);
      }
    }
    Map<String, Object> result = b.run();
    Path out = Path.of(b.opt("out", "bench/results/purge-stall"));
    Files.createDirectories(out);
    Files.writeString(out.resolve("purge-stall.json"), Json.write(result) + "\n");
    Files.writeString(out.resolve("purge-stall.md"), b.table(result));
    System.out.print(b.table(result));
    Net.shutdown();
    System.exit(0);
  }

  private String opt(String k, String d) {
    return opts.getOrDefault(k, d);
  }

  private int num(String k, int d) {
    return Integer.parseInt(opt(k, Integer.toString(d)));
  }

  private Map<String, Object> run() throws Exception {
    int rounds = num("rounds", 2);
    Map<String, Object> root = new LinkedHashMap<>();
    root.put("benchmark", "purge-stall");
    root.put("started", ZonedDateTime.now().toString());
    root.put("machine", RelayBench.machine());
    root.put("options", opts);
    List<Object> runs = new ArrayList<>();
    root.put("runs", runs);
    for (int r = 1; r <= rounds; r++) {
      for (Jar jar : jars) {
        CompareBench.log("== " + jar.label + " round " + r);
        Map<String, Object> m = one(jar);
        m.put("round", r);
        runs.add(m);
      }
    }
    root.put("finished", ZonedDateTime.now().toString());
    return root;
  }

  private Map<String, Object> one(Jar jar) throws Exception {
    Path work = Path.of(opt("work", "bench/target/purge-stall")).toAbsolutePath();
    Path data = work.resolve("data-" + jar.label);
    CompareBench.deleteTree(data);
    Files.createDirectories(data);
    Path conf = work.resolve("safehouse.conf");
    Files.writeString(
        conf,
        String.join(
            "\n",
            "limits.requests-per-second = 1000000",
            "limits.sends-per-account-per-second = 1000000",
            "limits.connections-per-address = 19500",
            "quota.mailbox-messages = 2000000000",
            "quota.mailbox-bytes = 1000000000000",
            "store.purge-interval = " + opt("purge-interval", "5s"),
            ""));
    Path log = work.resolve("server-" + jar.label + ".log");
    Files.deleteIfExists(log);
    List<String> cmd = new ArrayList<>();
    if (!jar.env.isEmpty()) {
      cmd.add("env");
      cmd.addAll(jar.env);
    }
    cmd.addAll(
        List.of(
            "taskset",
            "-c",
            opt("server-cpus", "0"),
            Path.of(System.getProperty("java.home"), "bin", "java").toString()));
    cmd.addAll(
        List.of(
            opt(
                    "server-java-opts",
                    "-Xms512m -Xmx512m -XX:+AlwaysPreTouch -XX:+UseParallelGC"
                        + " -XX:+ExitOnOutOfMemoryError")
                .split("\\s+")));
    cmd.addAll(
        List.of(
            "-Djava.io.tmpdir=" + Files.createDirectories(work.resolve("tmp")),
            "-jar",
            jar.path.toString(),
            "serve",
            "--data",
            data.toString(),
            "--listen",
            "127.0.0.1:0",
            "--config",
            conf.toString()));
    ServerProcess sp = ServerProcess.start(cmd, log, 0);
    SafehouseLauncher.Listening started = SafehouseLauncher.awaitListening(sp, log);
    String secret = Files.readString(data.resolve("upgrade-secret")).trim();
    Path socket = ConfigFile.load(conf, data.toString(), null).adminSocket();
    int senders = 16;
    int online = 32;
    int offline = 32;
    try (SafehousePeer peer =
        new SafehousePeer("safehouse", sp, started.port(), started.pin(), secret, socket)) {
      peer.setUp(senders, online, offline, stamp -> {});
      byte[][] templates = new byte[64][num("payload", 1024)];
      for (byte[] t : templates) {
        ThreadLocalRandom.current().nextBytes(t);
      }
      int queued = queueOffline(peer, senders, offline, templates, num("offline-queue", 50_000));
      int rate = num("rate", 4_000);
      openLoop(peer, senders, online, templates, rate, 5, null);
      int seconds = num("seconds", 40);
      long[][] acks = new long[2][rate * (seconds + 10)];
      AtomicInteger n = new AtomicInteger();
      long wallStart = System.currentTimeMillis();
      long nanoStart = System.nanoTime();
      openLoop(
          peer,
          senders,
          online,
          templates,
          rate,
          seconds,
          (intended, latency) -> {
            int i = n.getAndIncrement();
            if (i < acks[0].length) {
              acks[0][i] = intended;
              acks[1][i] = latency;
            }
          });
      List<Purge> purges = purges(log);
      Map<String, Object> m =
          analyse(acks, Math.min(n.get(), acks[0].length), purges, wallStart, nanoStart);
      m.put("jar", jar.label);
      m.put("rate_per_s", rate);
      m.put("seconds", seconds);
      m.put("offline_queued", queued);
      return m;
    }
  }

  private static int queueOffline(
      SafehousePeer peer, int senders, int offline, byte[][] templates, int total)
      throws Exception {
    Semaphore slots = new Semaphore(1000);
    for (int k = 0; k < total; k++) {
      if (!slots.tryAcquire(30, TimeUnit.SECONDS)) {
        throw new IllegalStateException("offline sends stalled at " + k);
      }
      byte[] p = templates[k % templates.length].clone();
      Net.stamp(p, System.nanoTime());
      peer.send(k % senders, true, k % offline, p, slots::release);
    }
    if (!slots.tryAcquire(1000, 60, TimeUnit.SECONDS)) {
      throw new IllegalStateException("offline sends unanswered");
    }
    return total;
  }

  private interface AckSink {
    void ack(long intendedNanos, long latencyNanos);
  }

  /** Sends at {@code rate}/s for {@code seconds} on a schedule, whatever the answers. */
  private static void openLoop(
      SafehousePeer peer,
      int senders,
      int online,
      byte[][] templates,
      int rate,
      int seconds,
      AckSink sink)
      throws Exception {
    double period = 1e9 / rate;
    long start = System.nanoTime() + 10_000_000;
    long total = (long) rate * seconds;
    AtomicInteger inFlight = new AtomicInteger();
    ThreadLocalRandom rnd = ThreadLocalRandom.current();
    for (long k = 0; k < total; ) {
      long now = System.nanoTime();
      for (; k < total && start + (long) (k * period) <= now; k++) {
        long intended = start + (long) (k * period);
        byte[] p = templates[rnd.nextInt(templates.length)].clone();
        Net.stamp(p, intended);
        inFlight.incrementAndGet();
        peer.send(
            (int) (k % senders),
            false,
            rnd.nextInt(online),
            p,
            () -> {
              if (sink != null) {
                sink.ack(intended, System.nanoTime() - intended);
              }
              inFlight.decrementAndGet();
            });
      }
      LockSupport.parkNanos(200_000);
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (inFlight.get() > 0 && System.nanoTime() < deadline) {
      Thread.sleep(5);
    }
  }

  private static List<Purge> purges(Path log) throws Exception {
    List<Purge> out = new ArrayList<>();
    for (String l : Files.readAllLines(log)) {
      Matcher m = PURGED.matcher(l);
      if (m.find()) {
        out.add(
            new Purge(
                OffsetDateTime.parse(m.group(1)).toInstant().toEpochMilli(),
                Long.parseLong(m.group(2))));
      }
    }
    return out;
  }

  private static Map<String, Object> analyse(
      long[][] acks, int n, List<Purge> all, long wallStart, long nanoStart) {
    Histogram overall = new Histogram(3);
    Histogram during = new Histogram(3);
    Histogram outside = new Histogram(3);
    long first = Long.MAX_VALUE;
    long last = Long.MIN_VALUE;
    for (int i = 0; i < n; i++) {
      long wall = wallStart + (acks[0][i] - nanoStart) / 1_000_000;
      first = Math.min(first, wall);
      last = Math.max(last, wall);
    }
    List<Purge> purges = new ArrayList<>();
    for (Purge p : all) {
      if (p.endMillis - p.millis >= first && p.endMillis <= last) {
        purges.add(p);
      }
    }
    List<Object> perPurge = new ArrayList<>();
    List<Long> outsideOks = new ArrayList<>();
    long[] maxDuring = new long[purges.size()];
    List<List<Long>> okTimes = new ArrayList<>();
    purges.forEach(p -> okTimes.add(new ArrayList<>()));
    for (int i = 0; i < n; i++) {
      long wall = wallStart + (acks[0][i] - nanoStart) / 1_000_000;
      long lat = Math.max(1, acks[1][i]);
      overall.recordValue(lat);
      boolean in = false;
      for (int j = 0; j < purges.size(); j++) {
        Purge p = purges.get(j);
        // The purge's span, and 50 ms either side (log timestamps are to the millisecond).
        if (wall >= p.endMillis - p.millis - 50 && wall <= p.endMillis + 50) {
          in = true;
          maxDuring[j] = Math.max(maxDuring[j], lat);
          okTimes.get(j).add(wall + lat / 1_000_000);
        }
      }
      (in ? during : outside).recordValue(lat);
      if (!in) {
        outsideOks.add(wall + lat / 1_000_000);
      }
    }
    for (int j = 0; j < purges.size(); j++) {
      List<Long> t = okTimes.get(j);
      t.sort(null);
      long gap = 0;
      for (int i = 1; i < t.size(); i++) {
        gap = Math.max(gap, t.get(i) - t.get(i - 1));
      }
      Map<String, Object> p = new LinkedHashMap<>();
      p.put("purge_ms", purges.get(j).millis);
      p.put("ack_max_ms", maxDuring[j] / 1e6);
      p.put("longest_gap_between_oks_ms", gap);
      perPurge.add(p);
    }
    // The same measure away from purges: what the machine and the rest of the server cost.
    outsideOks.sort(null);
    long outsideGap = 0;
    for (int i = 1; i < outsideOks.size(); i++) {
      long g = outsideOks.get(i) - outsideOks.get(i - 1);
      boolean spansPurge = false;
      for (Purge p : purges) {
        if (outsideOks.get(i - 1) <= p.endMillis + 50
            && outsideOks.get(i) >= p.endMillis - p.millis - 50) {
          spansPurge = true;
        }
      }
      if (!spansPurge) {
        outsideGap = Math.max(outsideGap, g);
      }
    }
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("purges", purges.size());
    m.put("longest_gap_between_oks_outside_purges_ms", outsideGap);
    m.put("ack_ms", SendBench.latency(overall));
    m.put("ack_ms_during_purges", SendBench.latency(during));
    m.put("ack_ms_outside_purges", SendBench.latency(outside));
    m.put("per_purge", perPurge);
    return m;
  }

  @SuppressWarnings("unchecked")
  private String table(Map<String, Object> root) {
    StringBuilder b = new StringBuilder();
    b.append("# Purge stall: ack latency across purges\n\n");
    b.append("Options: ").append(root.get("options")).append("\n\n");
    b.append(
        "| jar | round | purges | ack p50 | p99 | p99.9 | max | during purges p99 | max |"
            + " outside p99 | max | purge ms (median) | longest gap between OKs: in a purge |"
            + " outside |\n");
    b.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
    for (Object o : (List<Object>) root.get("runs")) {
      Map<String, Object> r = (Map<String, Object>) o;
      Map<String, Object> a = (Map<String, Object>) r.get("ack_ms");
      Map<String, Object> d = (Map<String, Object>) r.get("ack_ms_during_purges");
      Map<String, Object> x = (Map<String, Object>) r.get("ack_ms_outside_purges");
      List<Map<String, Object>> pp = (List<Map<String, Object>>) (List<?>) r.get("per_purge");
      List<Long> ms = new ArrayList<>();
      long gap = 0;
      for (Map<String, Object> p : pp) {
        ms.add((Long) p.get("purge_ms"));
        gap = Math.max(gap, (Long) p.get("longest_gap_between_oks_ms"));
      }
      ms.sort(null);
      b.append(
          String.format(
              "| %s | %s | %s | %.2f | %.2f | %.2f | %.1f | %.2f | %.1f | %.2f | %.1f | %s | %d"
                  + " | %s |%n",
              r.get("jar"),
              r.get("round"),
              r.get("purges"),
              a.get("p50"),
              a.get("p99"),
              a.get("p99_9"),
              a.get("max"),
              d.get("p99"),
              d.get("max"),
              x.get("p99"),
              x.get("max"),
              ms.isEmpty() ? "-" : ms.get(ms.size() / 2).toString(),
              gap,
              r.get("longest_gap_between_oks_outside_purges_ms")));
    }
    b.append("\nLatency in ms from each send's scheduled time to its OK.\n");
    return b.toString();
  }
}
