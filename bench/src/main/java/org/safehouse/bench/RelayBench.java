package org.safehouse.bench;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.safehouse.server.SafehouseServer;
import org.safehouse.server.config.Limits;
import org.safehouse.server.config.Quotas;
import org.safehouse.server.config.ServerConfig;
import org.safehouse.server.testing.TestServers;
import org.safehouse.server.transport.TlsMaterial;

/**
 * Relay-core benchmark: durable sends (closed and open loop), mailbox drain, and sweeper cost,
 * against a real in-process server (TLS, RocksDB in a temporary folder). A program, not a test: run
 * it with {@code bench/relay-core.sh [--quick|--full] [--out DIR]}.
 */
public final class RelayBench {
  private static final double TARGET_RATE = 25_000;
  private static final double TARGET_P99_MS = 20;

  /** Run settings; --quick and --full only change the defaults. */
  static final class Settings {
    String mode = "quick";
    Path out = Path.of("bench/results");
    Path tmp = Path.of("bench/target/tmp");
    int connections = 32;
    int depth = 8;
    int recipients = 64;
    int rate = (int) TARGET_RATE;
    int clientThreads = 2;
    int payload = 1024;
    Duration warmup = Duration.ofSeconds(2);
    Duration measure = Duration.ofSeconds(5);
    Duration openWarmup = Duration.ofSeconds(1);
    Duration openMeasure = Duration.ofSeconds(5);
    int drainMessages = 20_000;
    long sweepLive = 100_000;
    long sweepExpired = 10_000;
    Set<String> parts = Set.of("sends", "drain", "sweep");

    static Settings parse(String[] args) {
      Settings s = new Settings();
      for (String a : args) {
        if (a.equals("--full")) {
          s.mode = "full";
          s.warmup = Duration.ofSeconds(5);
          s.measure = Duration.ofSeconds(20);
          s.openWarmup = Duration.ofSeconds(5);
          s.openMeasure = Duration.ofSeconds(20);
          s.drainMessages = 200_000;
          s.sweepLive = 1_000_000;
          s.sweepExpired = 100_000;
        }
      }
      for (int i = 0; i < args.length; i++) {
        String a = args[i];
        switch (a) {
          case "--quick", "--full" -> {}
          case "--out" -> s.out = Path.of(value(args, ++i, a));
          case "--tmp" -> s.tmp = Path.of(value(args, ++i, a));
          case "--connections" -> s.connections = Integer.parseInt(value(args, ++i, a));
          case "--depth" -> s.depth = Integer.parseInt(value(args, ++i, a));
          case "--recipients" -> s.recipients = Integer.parseInt(value(args, ++i, a));
          case "--rate" -> s.rate = Integer.parseInt(value(args, ++i, a));
          case "--client-threads" -> s.clientThreads = Integer.parseInt(value(args, ++i, a));
          case "--only" -> s.parts = Set.of(value(args, ++i, a).split(","));
          case "-h", "--help" -> {
            System.out.println(
                "usage: relay-core.sh [--quick|--full] [--out DIR] [--tmp DIR] [--connections N]"
                    + " [--depth N] [--recipients N] [--rate N] [--client-threads N]"
                    + " [--only sends,drain,sweep]");
            System.exit(0);
          }
          default -> throw new IllegalArgumentException("unknown argument: " + a);
        }
      }
      return s;
    }

    private static String value(String[] args, int i, String name) {
      if (i >= args.length) {
        throw new IllegalArgumentException(name + " needs a value");
      }
      return args[i];
    }

    Map<String, Object> describe() {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("sender_connections", connections);
      m.put("in_flight_per_connection", depth);
      m.put("recipients", recipients);
      m.put("open_loop_rate_per_s", rate);
      m.put("client_event_loop_threads", clientThreads);
      m.put("payload_bytes", payload);
      m.put("parts", List.copyOf(parts));
      return m;
    }
  }

  private RelayBench() {}

  public static void main(String[] args) throws Exception {
    Thread.currentThread().setName(Cpu.PREFIX + "main");
    Settings s = Settings.parse(args);
    Files.createDirectories(s.tmp);
    Files.createDirectories(s.out);
    Path work = Files.createTempDirectory(s.tmp.toAbsolutePath(), "relay-core-");
    Map<String, Object> results = new LinkedHashMap<>();
    results.put("benchmark", "relay-core");
    results.put("mode", s.mode);
    results.put("load_average_at_end", null);
    results.put("date", ZonedDateTime.now().format(DateTimeFormatter.ISO_OFFSET_DATE_TIME));
    results.put("machine", machine());
    results.put("settings", s.describe());
    results.put(
        "note",
        "server and load generator share one JVM and the same cores; generator_cpu counts the"
            + " client threads (bench-*), jvm_cpu the whole process including RocksDB");
    try {
      if (s.parts.contains("sends") || s.parts.contains("drain")) {
        results.putAll(serverParts(s, work.resolve("server")));
      }
      if (s.parts.contains("sweep")) {
        results.put("sweeper", sweeper(s, work));
      }
    } finally {
      deleteTree(work);
    }
    results.put("load_average_at_end", firstLine("/proc/loadavg"));
    Files.writeString(s.out.resolve("relay-core.json"), Json.write(results));
    String md = Report.markdown(results, TARGET_RATE, TARGET_P99_MS);
    Files.writeString(s.out.resolve("relay-core.md"), md);
    System.out.println(md);
    System.out.println("wrote " + s.out.resolve("relay-core.json") + " and relay-core.md");
    System.exit(0);
  }

  private static Map<String, Object> serverParts(Settings s, Path data) throws Exception {
    Map<String, Object> out = new LinkedHashMap<>();
    Limits d = Limits.defaults();
    Limits limits =
        new Limits(
            d.maxFrameBytes(),
            d.handshakeTimeout(),
            d.upgradeTimeout(),
            d.idleTimeout(),
            1_000_000,
            d.maxConnections(),
            d.deliveryWindow(),
            // Every benchmark connection comes from 127.0.0.1, and one account sends flat out.
            d.maxConnections(),
            1_000_000);
    // Fill and drain workloads queue far more for one device than a mailbox may hold.
    ServerConfig config =
        TestServers.withLimits(TestServers.config(data), limits)
            .withQuotas(new Quotas(Integer.MAX_VALUE, Long.MAX_VALUE, Integer.MAX_VALUE, 16));
    if (!config.tlsEnabled()) {
      throw new IllegalStateException("the benchmark expects TLS on");
    }
    Clock clock = Clock.systemUTC();
    EventLoopGroup group =
        new MultiThreadIoEventLoopGroup(
            s.clientThreads,
            new DefaultThreadFactory(Cpu.PREFIX + "client", true),
            NioIoHandler.newFactory());
    try (SafehouseServer server = SafehouseServer.start(config, clock);
        SendBench sends = new SendBench(server, group, s.payload)) {
      log("server on port " + server.port() + ", data in " + data);
      if (s.parts.contains("sends")) {
        log("enrolling " + s.recipients + " recipients and " + s.connections + " senders");
        sends.setUp(s.connections, s.recipients);
        log("closed loop: " + s.warmup.toSeconds() + " s warm-up, " + s.measure.toSeconds() + " s");
        Map<String, Object> closed = sends.closedLoop(s.depth, s.warmup, s.measure);
        log("closed loop: " + closed);
        out.put("durable_sends_closed_loop", closed);
        log("open loop at " + s.rate + "/s: " + s.openMeasure.toSeconds() + " s");
        Map<String, Object> open = sends.openLoop(s.rate, s.openWarmup, s.openMeasure);
        log("open loop: " + open);
        out.put("durable_sends_open_loop", open);
      }
      if (s.parts.contains("drain")) {
        log("drain: queueing " + s.drainMessages + " copies for an offline device");
        Map<String, Object> drain =
            new DrainBench(server, sends, clock).run(s.drainMessages, s.payload);
        log("drain: " + drain);
        out.put("mailbox_drain", drain);
      }
    } finally {
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }
    return out;
  }

  private static Map<String, Object> sweeper(Settings s, Path work) throws Exception {
    Map<String, Object> out = new LinkedHashMap<>();
    Object[][] cases = {
      {"a_live_and_expired", s.sweepLive, s.sweepExpired},
      {"b_live_only", s.sweepLive, 0L},
      {"c_expired_only", 0L, s.sweepExpired},
    };
    for (Object[] c : cases) {
      Path dir = work.resolve("sweep-" + c[0]);
      log("sweeper " + c[0] + ": " + c[1] + " live, " + c[2] + " expired");
      Map<String, Object> r = SweepBench.scenario(dir, (Long) c[1], (Long) c[2], s.payload);
      log("sweeper " + c[0] + ": " + r);
      out.put((String) c[0], r);
      deleteTree(dir);
    }
    double a = (Double) ((Map<?, ?>) out.get("a_live_and_expired")).get("sweep_ms");
    double cc = (Double) ((Map<?, ?>) out.get("c_expired_only")).get("sweep_ms");
    out.put("ratio_a_over_c", a / cc);
    double aCpu = (Double) ((Map<?, ?>) out.get("a_live_and_expired")).get("sweep_writer_cpu_ms");
    double cCpu = (Double) ((Map<?, ?>) out.get("c_expired_only")).get("sweep_writer_cpu_ms");
    out.put("writer_cpu_ratio_a_over_c", aCpu / cCpu);
    return out;
  }

  static Map<String, Object> machine() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("nproc", Runtime.getRuntime().availableProcessors());
    m.put("cpu_model", cpuModel());
    m.put("load_average_at_start", firstLine("/proc/loadavg"));
    m.put(
        "java",
        System.getProperty("java.runtime.version")
            + " ("
            + System.getProperty("java.vm.name")
            + ")");
    m.put("jvm_args", ManagementFactory.getRuntimeMXBean().getInputArguments());
    m.put("max_heap_mb", Runtime.getRuntime().maxMemory() >> 20);
    m.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version"));
    m.put("tls_provider", TlsMaterial.provider());
    m.put("git_commit", System.getProperty("bench.git", "unknown"));
    return m;
  }

  private static String cpuModel() {
    try (Stream<String> lines = Files.lines(Path.of("/proc/cpuinfo"))) {
      return lines
          .filter(l -> l.startsWith("model name"))
          .map(l -> l.substring(l.indexOf(':') + 1).trim())
          .findFirst()
          .orElse("unknown");
    } catch (IOException e) {
      return "unknown";
    }
  }

  private static String firstLine(String file) {
    try {
      return Files.readAllLines(Path.of(file)).get(0).trim();
    } catch (IOException | RuntimeException e) {
      return "unknown";
    }
  }

  static void log(String s) {
    System.err.println("[relay-bench] " + s);
  }

  private static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
