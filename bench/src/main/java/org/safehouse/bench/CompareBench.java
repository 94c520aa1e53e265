package org.safehouse.bench;

import io.netty.channel.EventLoop;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAccumulator;
import java.util.concurrent.atomic.LongAdder;
import java.util.stream.Stream;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * Safehouse side by side with Mosquitto, Prosody and ejabberd, each run as its own process on this
 * machine. An open-loop generator (sends on schedule whatever the replies; latency from the
 * scheduled time) drives workloads A (online, stepped load), B (offline queue, then drain) and C
 * (idle TLS connections). Run it with {@code bench/run.sh [--quick|--full]}, which installs and
 * configures the peers first.
 */
public final class CompareBench {
  static final double LATENCY_LIMIT_MS = 50;
  static final double TARGET_P99_MS = 20;
  private static final int MAX_IN_FLIGHT = 50_000;

  static final class Settings {
    String mode = "quick";
    Path work = Path.of("bench/target/compare");
    Path out = Path.of("bench/results");
    Path serverJar = Path.of("server/target/safehouse-server.jar");

    /** Other Safehouse builds, run as peers "safehouse@LABEL" ({@code --jar LABEL=PATH}). */
    Map<String, Path> jars = new LinkedHashMap<>();

    /** Keep workload C's idle connections open through the send steps that follow. */
    boolean holdIdle;

    List<String> peers = List.of("safehouse", "mosquitto", "prosody", "ejabberd");
    List<Integer> payloads = List.of(256, 1024);
    List<Integer> sharedPayloads = List.of(1024);
    int senders = 16;
    int online = 32;
    int offline = 32;
    int[] rates = {500, 1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 64_000};
    Duration warmup = Duration.ofSeconds(1);
    Duration measure = Duration.ofSeconds(3);
    Duration prewarm = Duration.ofSeconds(5);
    int offlineMessages = 10_000;

    /**
     * Peers that queue fewer offline messages than {@link #offlineMessages} in workload B.
     * ejabberd's Mnesia offline table is a DETS bag that rewrites a recipient's whole queue on
     * every message, so its time per message grows with the queue: 100,000 (3,125 per recipient)
     * would take about an hour per run.
     */
    Map<String, Integer> offlineCap = Map.of("ejabberd", 10_000);

    int[] idleSteps = {1_000, 5_000};
    boolean idleOnly;
    int idleHoldSeconds;
    String serverJavaOpts =
        "-Xms512m -Xmx512m -XX:+AlwaysPreTouch -XX:+UseParallelGC -XX:+ExitOnOutOfMemoryError";
    int mqttPort = 18883;
    int xmppPort = 15223;
    int ejabberdPort = 15224;

    static Settings parse(String[] args) {
      Settings s = new Settings();
      for (int i = 0; i < args.length; i++) {
        String a = args[i];
        switch (a) {
          case "--quick" -> {}
          case "--full" -> {
            s.mode = "full";
            s.warmup = Duration.ofSeconds(3);
            s.measure = Duration.ofSeconds(15);
            s.prewarm = Duration.ofSeconds(15);
            s.offlineMessages = 100_000;
            s.idleSteps = new int[] {1_000, 5_000, 10_000, 18_000};
            s.sharedPayloads = List.of(256, 1024);
            s.rates =
                new int[] {
                  500, 1_000, 2_000, 4_000, 6_000, 8_000, 12_000, 16_000, 20_000, 25_000, 32_000,
                  48_000, 64_000
                };
          }
          case "--work" -> s.work = Path.of(args[++i]);
          case "--out" -> s.out = Path.of(args[++i]);
          case "--server-jar" -> s.serverJar = Path.of(args[++i]);
          case "--jar" -> {
            String[] kv = args[++i].split("=", 2);
            if (kv.length != 2 || kv[0].isBlank()) {
              throw new IllegalArgumentException("--jar wants LABEL=PATH, not " + args[i]);
            }
            s.jars.put(kv[0], Path.of(kv[1]));
          }
          case "--hold-idle" -> s.holdIdle = true;
          case "--prewarm-s" -> s.prewarm = Duration.ofSeconds(Integer.parseInt(args[++i]));
          case "--peers" -> s.peers = List.of(args[++i].split(","));
          case "--payloads" -> s.payloads = ints(args[++i]);
          case "--shared-payloads" ->
              s.sharedPayloads = args[++i].isEmpty() ? List.of() : ints(args[i]);
          case "--idle" ->
              s.idleSteps = ints(args[++i]).stream().mapToInt(Integer::intValue).toArray();
          case "--idle-only" -> s.idleOnly = true;
          case "--idle-hold-s" -> s.idleHoldSeconds = Integer.parseInt(args[++i]);
          case "--rates" ->
              s.rates = ints(args[++i]).stream().mapToInt(Integer::intValue).toArray();
          case "--offline-messages" -> s.offlineMessages = Integer.parseInt(args[++i]);
          case "--offline-cap" -> s.offlineCap = caps(args[++i]);
          case "--mqtt-port" -> s.mqttPort = Integer.parseInt(args[++i]);
          case "--xmpp-tls-port" -> s.xmppPort = Integer.parseInt(args[++i]);
          case "--ejabberd-port" -> s.ejabberdPort = Integer.parseInt(args[++i]);
          case "--measure-s" -> s.measure = Duration.ofSeconds(Integer.parseInt(args[++i]));
          default -> throw new IllegalArgumentException("unknown argument: " + a);
        }
      }
      String opts = System.getenv("SERVER_JAVA_OPTS");
      if (opts != null && !opts.isBlank()) {
        s.serverJavaOpts = opts;
      }
      return s;
    }

    /** "ejabberd=10000,prosody=50000" (empty: no caps). */
    static Map<String, Integer> caps(String csv) {
      Map<String, Integer> m = new LinkedHashMap<>();
      for (String kv : csv.split(",")) {
        if (kv.isBlank()) {
          continue;
        }
        String[] p = kv.split("=", 2);
        if (p.length != 2) {
          throw new IllegalArgumentException("--offline-cap wants peer=N,…, not " + csv);
        }
        m.put(p[0].trim(), Integer.valueOf(p[1].trim()));
      }
      return m;
    }

    static List<Integer> ints(String csv) {
      return Stream.of(csv.split(",")).filter(x -> !x.isBlank()).map(Integer::valueOf).toList();
    }
  }

  /** A CPU placement: the server's cores and the generator's. */
  record Placement(String label, String serverCpus, String generatorCpus) {}

  private final Settings s;

  private CompareBench(Settings s) {
    this.s = s;
  }

  public static void main(String[] args) throws Exception {
    Settings s = Settings.parse(args);
    Map<String, Object> result = new CompareBench(s).run();
    Files.createDirectories(s.out);
    Files.writeString(s.out.resolve("compare.json"), Json.write(result) + "\n");
    CompareReport.write(result, s.out);
    System.out.println("wrote " + s.out.resolve("compare.json") + " and compare.md");
    Net.shutdown();
    System.exit(0);
  }

  /** Servers still running, stopped if this JVM is stopped. */
  static final java.util.Set<ServerProcess> RUNNING =
      java.util.concurrent.ConcurrentHashMap.newKeySet();

  static {
    Runtime.getRuntime().addShutdownHook(new Thread(() -> RUNNING.forEach(ServerProcess::close)));
  }

  private Map<String, Object> run() throws Exception {
    Map<String, Object> root = new LinkedHashMap<>();
    root.put("benchmark", "compare");
    root.put("mode", s.mode);
    root.put("started", ZonedDateTime.now().toString());
    root.put("git", System.getProperty("bench.git", "unknown"));
    root.put("machine", RelayBench.machine());
    Map<String, Object> setup = new LinkedHashMap<>();
    setup.put("senders", s.senders);
    setup.put("online_recipients", s.online);
    setup.put("offline_recipients", s.offline);
    setup.put("warmup_s", s.warmup.toMillis() / 1e3);
    setup.put("measure_s_per_step", s.measure.toMillis() / 1e3);
    setup.put("rates", s.rates);
    setup.put("offline_messages", s.offlineMessages);
    setup.put("offline_cap", s.offlineCap);
    setup.put("idle_steps", s.idleSteps);
    setup.put("server_java_opts", s.serverJavaOpts);
    setup.put("prewarm_s", s.prewarm.toMillis() / 1e3);
    setup.put("hold_idle", s.holdIdle);
    setup.put("jars", s.jars.toString());
    setup.put("latency_limit_ms", LATENCY_LIMIT_MS);
    setup.put("target_p99_ms", TARGET_P99_MS);
    root.put("setup", setup);
    List<Object> runs = new ArrayList<>();
    root.put("runs", runs);
    Map<String, Object> idle = new LinkedHashMap<>();
    root.put("idle", idle);
    List<Placement> placements =
        List.of(
            new Placement("server 1 core, generator 1 core", "0", "1"),
            new Placement("server 2 cores (generator shares them)", "0,1", "0,1"));
    for (Placement p : placements) {
      List<Integer> payloads = p.serverCpus.equals("0") ? s.payloads : s.sharedPayloads;
      if (payloads.isEmpty() || (s.idleOnly && !p.serverCpus.equals("0"))) {
        continue;
      }
      pinSelf(p.generatorCpus);
      for (String name : s.peers) {
        log("== " + name + " (" + p.label + ")");
        Sink sink = new Sink();
        try (Peer peer = start(name, p.serverCpus)) {
          if (p.serverCpus.equals("0")) {
            // Workload C first, on the freshly started server, so earlier work's garbage does
            // not blur the memory figures.
            idle.put(peer.name(), idle(peer));
            writePartial(root);
          }
          if (s.idleOnly) {
            continue;
          }
          peer.setUp(s.senders, s.online, s.offline, sink);
          // Warm up both sides (the JVMs compile their hot paths) before anything is recorded.
          step(peer, sink, templates(1024), 2_000, s.prewarm);
          // The generator's own garbage from earlier peers (18,000 idle connections) goes now,
          // not in a collection during a measured step.
          System.gc();
          for (int payload : payloads) {
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("placement", p.label);
            r.put("peer", peer.name());
            r.put("durability", peer.durability());
            r.put("payload_bytes", payload);
            if (s.holdIdle && p.serverCpus.equals("0")) {
              r.put(
                  "idle_connections_held",
                  ((Map<?, ?>) idle.get(peer.name())).get("held_through_sends"));
            }
            r.put("online", online(peer, sink, payload));
            r.put("offline", offline(peer, sink, payload));
            runs.add(r);
            writePartial(root);
          }
        } catch (Exception e) {
          log("!! " + name + " failed: " + e);
          e.printStackTrace();
          Map<String, Object> r = new LinkedHashMap<>();
          r.put("placement", p.label);
          r.put("peer", name);
          r.put("error", e.toString());
          runs.add(r);
        }
      }
    }
    root.put("finished", ZonedDateTime.now().toString());
    return root;
  }

  private void writePartial(Map<String, Object> root) {
    try {
      Files.createDirectories(s.out);
      Files.writeString(s.out.resolve("compare.partial.json"), Json.write(root) + "\n");
    } catch (Exception e) {
      log("cannot write partial results: " + e);
    }
  }

  private static final java.util.Set<String> WARNED =
      java.util.concurrent.ConcurrentHashMap.newKeySet();

  /** Logs a message the first time only (connection errors can come by the thousand). */
  static void warnOnce(String m) {
    if (WARNED.add(m)) {
      log("warning: " + m);
    }
  }

  static void log(String m) {
    System.out.println(java.time.LocalTime.now().withNano(0) + " " + m);
    System.out.flush();
  }

  /** Moves every thread of this JVM to {@code cpus}. */
  private static void pinSelf(String cpus) throws Exception {
    long pid = ProcessHandle.current().pid();
    Process p =
        new ProcessBuilder("taskset", "-a", "-p", "-c", cpus, Long.toString(pid))
            .redirectErrorStream(true)
            .start();
    p.getInputStream().readAllBytes();
    p.waitFor();
  }

  // ------------------------------------------------------------------ servers

  /** {@code command} run under {@code taskset -c cpus}. */
  private static List<String> pinned(String cpus, String... command) {
    List<String> cmd = new ArrayList<>(List.of("taskset", "-c", cpus));
    cmd.addAll(List.of(command));
    return cmd;
  }

  private Peer start(String name, String cpus) throws Exception {
    Path work = s.work.toAbsolutePath();
    if (SafehouseLauncher.isSafehouse(name)) {
      String label = SafehouseLauncher.label(name);
      Path jar = label == null ? s.serverJar : s.jars.get(label);
      if (jar == null) {
        throw new IllegalArgumentException("peer " + name + " needs --jar " + label + "=PATH");
      }
      return SafehouseLauncher.start(name, jar, pinned(cpus), s.serverJavaOpts, work);
    }
    switch (name) {
      case "mosquitto" -> {
        Path data = work.resolve("mosquitto-data");
        deleteTree(data);
        Files.createDirectories(data);
        ServerProcess sp =
            ServerProcess.start(
                pinned(cpus, "mosquitto", "-c", work.resolve("mosquitto.conf").toString()),
                work.resolve("mosquitto.log"),
                s.mqttPort);
        return new MqttPeer(sp, s.mqttPort, "bench", "bench-pass");
      }
      case "prosody" -> {
        // Keep the accounts, drop offline messages left from an earlier run.
        Path data = work.resolve("prosody-data");
        for (String d : List.of("offline", "roster", "smacks_h")) {
          deleteTree(data.resolve("localhost").resolve(d));
        }
        ServerProcess sp =
            ServerProcess.start(
                pinned(
                    cpus, "prosody", "--config", work.resolve("prosody.cfg.lua").toString(), "-F"),
                work.resolve("prosody.out"),
                s.xmppPort);
        String storage = Files.readString(work.resolve("prosody-durability.txt")).trim();
        return new XmppPeer("prosody", sp, s.xmppPort, "localhost", "bench-pass", storage);
      }
      case "ejabberd" -> {
        // A fresh Mnesia spool each time: a copy of the one run.sh registered the accounts in,
        // so no offline message or roster entry is left from an earlier run.
        Path dir = work.resolve("ejabberd");
        Path spool = dir.resolve("spool");
        deleteTree(spool);
        copyTree(dir.resolve("users-spool"), spool);
        ServerProcess sp =
            ServerProcess.start(
                pinned(
                    cpus,
                    dir.resolve("ejabberd.sh").toString(),
                    dir.toString(),
                    spool.toString(),
                    "run"),
                dir.resolve("ejabberd.out"),
                s.ejabberdPort);
        String storage = Files.readString(work.resolve("ejabberd-durability.txt")).trim();
        return new XmppPeer("ejabberd", sp, s.ejabberdPort, "localhost", "bench-pass", storage);
      }
      default -> throw new IllegalArgumentException("unknown peer " + name);
    }
  }

  private static String javaBin() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }

  private static void copyTree(Path from, Path to) throws Exception {
    if (!Files.isDirectory(from)) {
      throw new java.io.IOException(from + " is missing; bench/run.sh makes it");
    }
    try (Stream<Path> w = Files.walk(from)) {
      for (Path x : w.toList()) {
        Files.copy(x, to.resolve(from.relativize(x).toString()));
      }
    }
  }

  static void deleteTree(Path p) throws Exception {
    if (!Files.exists(p)) {
      return;
    }
    try (Stream<Path> w = Files.walk(p)) {
      for (Path x : w.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(x);
      }
    }
  }

  // ------------------------------------------------------------------ delivery side

  /** Records end-to-end latency (scheduled send time to delivery) of messages in the window. */
  static final class Sink implements Peer.Sink {
    volatile long windowStart = Long.MAX_VALUE;
    volatile long windowEnd = Long.MIN_VALUE;
    final Recorder e2e = new Recorder(3);
    final LongAdder delivered = new LongAdder();
    final LongAdder inWindow = new LongAdder();

    @Override
    public void delivered(long stamp) {
      delivered.increment();
      if (stamp >= windowStart && stamp < windowEnd) {
        long d = System.nanoTime() - stamp;
        if (d > 0) {
          e2e.recordValue(d);
          inWindow.increment();
        }
      }
    }
  }

  private byte[][] templates(int size) {
    byte[][] t = new byte[256][size];
    for (byte[] p : t) {
      ThreadLocalRandom.current().nextBytes(p);
    }
    return t;
  }

  // ------------------------------------------------------------------ workload A

  private Map<String, Object> online(Peer peer, Sink sink, int payload) throws Exception {
    List<Object> steps = new ArrayList<>();
    byte[][] templates = templates(payload);
    Map<String, Object> best20 = null;
    Map<String, Object> best50 = null;
    int over = 0;
    for (int rate : s.rates) {
      Map<String, Object> step = step(peer, sink, templates, rate, s.measure);
      steps.add(step);
      @SuppressWarnings("unchecked")
      Map<String, Object> ack = (Map<String, Object>) step.get("ack_ms");
      @SuppressWarnings("unchecked")
      Map<String, Object> e2e = (Map<String, Object>) step.get("delivery_ms");
      double ackP99 = (double) ack.get("p99");
      double e2eP99 = (double) e2e.get("p99");
      double achieved = (double) step.get("achieved_per_s");
      boolean kept = achieved >= 0.95 * rate;
      log(
          String.format(
              "  %s %dB rate %d: achieved %.0f/s ack p99 %.2f ms, delivery p99 %.2f ms, server"
                  + " %.1f us/msg, generator %.2f cores; threads: %s",
              peer.name(),
              payload,
              rate,
              achieved,
              ackP99,
              e2eP99,
              (double) ((Map<?, ?>) step.get("cost")).get("server_cpu_us_per_msg"),
              (double) ((Map<?, ?>) step.get("cost")).get("generator_cores_busy"),
              ThreadCpu.summary(step.get("server_threads"), 4)));
      if (kept && Math.max(ackP99, e2eP99) <= TARGET_P99_MS) {
        best20 = step;
      }
      if (kept && Math.max(ackP99, e2eP99) <= LATENCY_LIMIT_MS) {
        best50 = step;
      }
      // Stop at the second step in a row over the limit (or the first that cannot keep its
      // rate): one bad step on a shared machine is not the end of the curve.
      if (!kept) {
        break;
      }
      over = ackP99 > LATENCY_LIMIT_MS || e2eP99 > LATENCY_LIMIT_MS ? over + 1 : 0;
      if (over >= 2) {
        break;
      }
    }
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("best_at_p99_20ms", best20 == null ? null : best20.get("target_per_s"));
    m.put("best_at_p99_50ms", best50 == null ? null : best50.get("target_per_s"));
    m.put("steps", steps);
    return m;
  }

  /** What one open-loop step's pacers and acknowledgement callbacks count together. */
  private static final class StepCounts {
    final Recorder acks = new Recorder(3);
    final LongAdder ok = new LongAdder();
    final AtomicLong inFlight = new AtomicLong();
    final AtomicLong skipped = new AtomicLong();
    final AtomicLong scheduled = new AtomicLong();
    final LongAccumulator maxLag = new LongAccumulator(Math::max, 0);
  }

  /**
   * Paces, on one client event loop, the senders whose connections that loop carries: message k
   * goes from sender k % senders at start + k × period. Running on the loop, a send is written at
   * once, with no hand-over between threads (a wake-up per message costs the generator more CPU
   * than the send itself on this VM).
   */
  private final class LoopPacer implements Runnable {
    private final EventLoop loop;
    private final boolean[] mine;
    private final Peer peer;
    private final byte[][] templates;
    private final double period;
    private final long start;
    private final long windowStart;
    private final long windowEnd;
    private final StepCounts c;
    private final CountDownLatch done;
    private long k;

    LoopPacer(
        EventLoop loop,
        boolean[] mine,
        Peer peer,
        byte[][] templates,
        double period,
        long start,
        long windowStart,
        long windowEnd,
        StepCounts c,
        CountDownLatch done) {
      this.loop = loop;
      this.mine = mine;
      this.peer = peer;
      this.templates = templates;
      this.period = period;
      this.start = start;
      this.windowStart = windowStart;
      this.windowEnd = windowEnd;
      this.c = c;
      this.done = done;
    }

    @Override
    public void run() {
      long now = System.nanoTime();
      long due = now < start ? 0 : (long) ((now - start) / period) + 1;
      for (; k < due; k++) {
        long intended = start + (long) (k * period);
        if (intended >= windowEnd) {
          break;
        }
        int from = (int) (k % s.senders);
        if (mine[from]) {
          send(from, intended, now);
        }
      }
      if (now >= windowEnd) {
        done.countDown();
        return;
      }
      // Again when the next send is due (at least 100 µs on): few wake-ups at low rates.
      long next = start + (long) (k * period);
      loop.schedule(this, Math.max(100_000, next - System.nanoTime()), TimeUnit.NANOSECONDS);
    }

    private void send(int from, long intended, long now) {
      boolean counted = intended >= windowStart;
      if (counted) {
        c.scheduled.incrementAndGet();
        c.maxLag.accumulate(now - intended);
      }
      if (c.inFlight.get() >= MAX_IN_FLIGHT) {
        c.skipped.incrementAndGet();
        return;
      }
      ThreadLocalRandom rnd = ThreadLocalRandom.current();
      byte[] p = templates[rnd.nextInt(templates.length)].clone();
      Net.stamp(p, intended);
      c.inFlight.incrementAndGet();
      Runnable acked =
          () -> {
            if (counted) {
              c.ok.increment();
              c.acks.recordValue(Math.max(1, System.nanoTime() - intended));
            }
            c.inFlight.decrementAndGet();
          };
      if (!peer.send(from, false, rnd.nextInt(s.online), p, acked)) {
        c.inFlight.decrementAndGet();
        c.skipped.incrementAndGet();
      }
    }
  }

  /** One open-loop step at {@code rate} messages per second, round-robin over the senders. */
  private Map<String, Object> step(
      Peer peer, Sink sink, byte[][] templates, int rate, Duration measure) throws Exception {
    StepCounts c = new StepCounts();
    double period = 1e9 / rate;
    long start = System.nanoTime() + 20_000_000;
    long windowStart = start + s.warmup.toNanos();
    long windowEnd = windowStart + measure.toNanos();
    sink.e2e.reset();
    sink.inWindow.reset();
    sink.windowStart = windowStart;
    sink.windowEnd = windowEnd;
    // One pacer per event loop that carries senders, on that loop.
    Map<EventLoop, boolean[]> loops = new LinkedHashMap<>();
    for (int i = 0; i < s.senders; i++) {
      loops.computeIfAbsent(peer.senderLoop(i), l -> new boolean[s.senders])[i] = true;
    }
    CountDownLatch paced = new CountDownLatch(loops.size());
    loops.forEach(
        (loop, mine) ->
            loop.execute(
                new LoopPacer(
                    loop, mine, peer, templates, period, start, windowStart, windowEnd, c, paced)));
    SendBench.sleepUntil(windowStart);
    Map<Long, ThreadCpu.Sample> threads0 = ThreadCpu.read(peer.serverPid());
    Proc s0 = Proc.read(peer.serverPid());
    Proc g0 = Proc.self();
    long m0 = Proc.machineBusyNanos();
    long t0 = System.nanoTime();
    c.acks.getIntervalHistogram();
    paced.await();
    // Let the window's last messages arrive (bounded: a saturated server shows as latency).
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (c.inFlight.get() > 0 && System.nanoTime() < deadline) {
      Thread.sleep(5);
    }
    while (sink.inWindow.sum() < c.ok.sum() && System.nanoTime() < deadline) {
      Thread.sleep(5);
    }
    double secs = (System.nanoTime() - t0) / 1e9;
    Proc s1 = Proc.read(peer.serverPid());
    Map<Long, ThreadCpu.Sample> threads1 = ThreadCpu.read(peer.serverPid());
    Proc g1 = Proc.self();
    long m1 = Proc.machineBusyNanos();
    sink.windowStart = Long.MAX_VALUE;
    sink.windowEnd = Long.MIN_VALUE;
    Histogram ackH = c.acks.getIntervalHistogram();
    Histogram e2eH = sink.e2e.getIntervalHistogram();
    double measured = measure.toNanos() / 1e9;
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("target_per_s", rate);
    m.put("scheduled", c.scheduled.get());
    m.put("acked", c.ok.sum());
    m.put("delivered", e2eH.getTotalCount());
    m.put("skipped", c.skipped.get());
    m.put("unanswered_at_end", c.inFlight.get());
    m.put("achieved_per_s", Math.min(c.ok.sum(), e2eH.getTotalCount()) / measured);
    m.put("pacer_max_lag_ms", c.maxLag.get() / 1e6);
    m.put("ack_ms", SendBench.latency(ackH));
    m.put("delivery_ms", SendBench.latency(e2eH));
    m.put("cost", Proc.perMessage(s0, s1, g0, g1, m0, m1, c.ok.sum(), secs));
    m.put("server_threads", ThreadCpu.diff(threads0, threads1, c.ok.sum()));
    return m;
  }

  // ------------------------------------------------------------------ workload B

  private Map<String, Object> offline(Peer peer, Sink sink, int payload) throws Exception {
    byte[][] templates = templates(payload);
    int total =
        Math.min(s.offlineMessages, s.offlineCap.getOrDefault(peer.name(), Integer.MAX_VALUE));
    int window = 1_000;
    Recorder acks = new Recorder(3);
    LongAdder ok = new LongAdder();
    java.util.concurrent.Semaphore slots = new java.util.concurrent.Semaphore(window);
    ThreadLocalRandom rnd = ThreadLocalRandom.current();
    Proc s0 = Proc.read(peer.serverPid());
    Proc g0 = Proc.self();
    long m0 = Proc.machineBusyNanos();
    long t0 = System.nanoTime();
    for (int k = 0; k < total; k++) {
      if (!slots.tryAcquire(30, TimeUnit.SECONDS)) {
        throw new IllegalStateException("offline sends stalled at " + k);
      }
      byte[] p = templates[rnd.nextInt(templates.length)].clone();
      long sent = System.nanoTime();
      Net.stamp(p, sent);
      peer.send(
          k % s.senders,
          true,
          k % s.offline,
          p,
          () -> {
            acks.recordValue(Math.max(1, System.nanoTime() - sent));
            ok.increment();
            slots.release();
          });
    }
    if (!slots.tryAcquire(window, 60, TimeUnit.SECONDS)) {
      throw new IllegalStateException(
          "offline sends unanswered: " + (window - slots.availablePermits()));
    }
    slots.release(window);
    double queueSecs = (System.nanoTime() - t0) / 1e9;
    Proc s1 = Proc.read(peer.serverPid());
    Proc g1 = Proc.self();
    long m1 = Proc.machineBusyNanos();
    Thread.sleep(500);
    long before = sink.delivered.sum();
    Proc s2 = Proc.read(peer.serverPid());
    Proc g2 = Proc.self();
    long m2 = Proc.machineBusyNanos();
    long t2 = System.nanoTime();
    peer.connectOffline();
    long connected = System.nanoTime();
    long deadline = t2 + TimeUnit.SECONDS.toNanos(120);
    while (sink.delivered.sum() - before < total && System.nanoTime() < deadline) {
      Thread.sleep(2);
    }
    long drained = sink.delivered.sum() - before;
    double drainSecs = (System.nanoTime() - t2) / 1e9;
    Proc s3 = Proc.read(peer.serverPid());
    Proc g3 = Proc.self();
    long m3 = Proc.machineBusyNanos();
    peer.disconnectOffline();
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("messages", total);
    m.put("queue_closed_loop_window", window);
    m.put("queued_per_s", ok.sum() / queueSecs);
    m.put("queue_ack_ms", SendBench.latency(acks.getIntervalHistogram()));
    m.put("queue_cost", Proc.perMessage(s0, s1, g0, g1, m0, m1, ok.sum(), queueSecs));
    m.put("reconnect_s", (connected - t2) / 1e9);
    m.put("drained", drained);
    m.put("drain_s", drainSecs);
    m.put("drained_per_s", drained / drainSecs);
    m.put("drain_cost", Proc.perMessage(s2, s3, g2, g3, m2, m3, drained, drainSecs));
    log(
        String.format(
            "  %s %dB offline: queued %.0f/s, drained %d in %.2f s (%.0f/s)",
            peer.name(), payload, ok.sum() / queueSecs, drained, drainSecs, drained / drainSecs));
    return m;
  }

  // ------------------------------------------------------------------ workload C

  /** Live Java heap of a JVM server, in KB: jcmd's class histogram runs a full GC first. */
  static long liveHeapKb(long pid) throws Exception {
    Process p =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
                Long.toString(pid),
                "GC.class_histogram")
            .redirectErrorStream(true)
            .start();
    String out =
        new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    p.waitFor();
    for (String line : out.split("\n")) {
      String[] f = line.trim().split("\\s+");
      if (f.length == 3 && f[0].equals("Total")) {
        return Long.parseLong(f[2]) / 1024;
      }
    }
    throw new java.io.IOException(
        "jcmd gave no heap histogram for the server: " + out.lines().findFirst().orElse(""));
  }

  private Map<String, Object> idle(Peer peer) throws Exception {
    List<Object> points = new ArrayList<>();
    System.gc();
    Thread.sleep(1000);
    Proc base = Proc.read(peer.serverPid());
    boolean jvm = SafehouseLauncher.isSafehouse(peer.name());
    long baseHeap = jvm ? liveHeapKb(peer.serverPid()) : 0;
    int open = 0;
    Map<String, Object> p0 = new LinkedHashMap<>();
    p0.put("connections", 0);
    p0.put("rss_kb", base.rssKb());
    if (jvm) {
      p0.put("heap_live_kb", baseHeap);
    }
    points.add(p0);
    String error = null;
    long t0 = System.nanoTime();
    int lastOpen = 0;
    long lastRss = base.rssKb();
    for (int target : s.idleSteps) {
      try {
        open = peer.openIdle(target - open);
      } catch (Exception e) {
        error = e.toString();
        log("  idle connections stopped: " + e);
        break;
      } finally {
        Thread.sleep(2000);
        Proc now = Proc.read(peer.serverPid());
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("connections", open);
        p.put("rss_kb", now.rssKb());
        p.put(
            "rss_per_connection_kb", open == 0 ? 0 : (now.rssKb() - base.rssKb()) / (double) open);
        if (open > lastOpen) {
          // The slope since the previous point: insensitive to what the server held at the start.
          p.put(
              "marginal_rss_per_connection_kb",
              (now.rssKb() - lastRss) / (double) (open - lastOpen));
        }
        if (jvm) {
          // A pre-touched fixed heap hides heap growth from RSS: add what the connections hold
          // live in the heap (after a full GC), so the per-connection figure is the whole cost.
          long heap = liveHeapKb(peer.serverPid());
          p.put("heap_live_kb", heap);
          if (open > 0) {
            p.put("heap_live_per_connection_kb", (heap - baseHeap) / (double) open);
          }
        }
        lastOpen = open;
        lastRss = now.rssKb();
        points.add(p);
        log(
            String.format(
                "  %s idle %d: RSS %d MB, %.1f KB per connection",
                peer.name(), open, now.rssKb() / 1024, p.get("rss_per_connection_kb")));
      }
    }
    double secs = (System.nanoTime() - t0) / 1e9;
    if (s.idleHoldSeconds > 0) {
      log(
          "  holding the idle connections for "
              + s.idleHoldSeconds
              + " s (server pid "
              + peer.serverPid()
              + ")");
      Thread.sleep(s.idleHoldSeconds * 1000L);
    }
    if (!s.holdIdle) {
      peer.closeIdle();
    }
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("held_through_sends", s.holdIdle ? open : 0);
    m.put("points", points);
    m.put("open_s", secs);
    if (error != null) {
      m.put("error", error);
    }
    return m;
  }
}
