package org.safehouse.bench;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.safehouse.server.config.ConfigFile;
import org.safehouse.server.testing.RawClient;

/**
 * Start-up time of server jars on a store with many queued messages. For each {@code --jar
 * LABEL=PATH}: a fresh data folder; the server started once to enroll a sender and an offline
 * recipient and to queue {@code --messages} messages of {@code --payload} bytes to the recipient;
 * stopped with SIGTERM; then started {@code --runs} times on that folder (pinned with taskset to
 * {@code --cpus}), timing from the process start (a) to its "listening" line on standard output and
 * (b) to the first TLS handshake and sign-in that succeeds (a client retrying every 5 ms). A
 * baseline row times {@code java -version} with the same JVM options: what the JVM alone costs.
 * Writes {@code start.json} and {@code start.md}. JVM options: {@code SERVER_JAVA_OPTS} (default:
 * what the Debian package's launcher uses, a 256 MB pre-touched heap), plus {@code --opts
 * LABEL=OPTIONS} for one jar. {@code --cds LABEL}: that jar's first start (the one that fills the
 * store) writes a class-data-sharing archive at its clean stop and the timed starts use it, as the
 * Debian launcher does. The timed starts go round-robin over the jars (a label may name the same
 * jar as another with other options), so a busy spell of the machine hits them alike.
 */
public final class StartBench {
  private static final String PRODUCTION_OPTS =
      "-Xms256m -Xmx256m -XX:+AlwaysPreTouch -XX:+UseTransparentHugePages -XX:+UseParallelGC"
          + " -XX:+ExitOnOutOfMemoryError";
  private static final String CONFIG =
      "tls.enabled = true\n"
          + "limits.requests-per-second = 1000000\n"
          + "limits.sends-per-account-per-second = 1000000\n"
          + "quota.mailbox-messages = 2000000000\n"
          + "quota.mailbox-bytes = 1000000000000\n";

  private final Map<String, Path> jars = new LinkedHashMap<>();
  private final Map<String, List<String>> extraOpts = new LinkedHashMap<>();
  private final java.util.Set<String> cds = new java.util.HashSet<>();
  private Path work = Path.of("bench/target/start");
  private Path out = Path.of("bench/results/start");
  private int messages = 100_000;
  private int payload = 256;
  private int runs = 5;
  private String cpus = "0";
  private String javaOpts = PRODUCTION_OPTS;

  public static void main(String[] args) throws Exception {
    StartBench b = new StartBench();
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--jar" -> {
          String[] kv = args[++i].split("=", 2);
          if (kv.length != 2) {
            throw new IllegalArgumentException("--jar wants LABEL=PATH, not " + args[i]);
          }
          b.jars.put(kv[0], Path.of(kv[1]).toAbsolutePath());
        }
        case "--opts" -> {
          String[] kv = args[++i].split("=", 2);
          if (kv.length != 2) {
            throw new IllegalArgumentException("--opts wants LABEL=JVM-OPTIONS, not " + args[i]);
          }
          b.extraOpts.put(kv[0], List.of(kv[1].trim().split("\\s+")));
        }
        case "--cds" -> b.cds.add(args[++i]);
        case "--work" -> b.work = Path.of(args[++i]);
        case "--out" -> b.out = Path.of(args[++i]);
        case "--messages" -> b.messages = Integer.parseInt(args[++i]);
        case "--payload" -> b.payload = Integer.parseInt(args[++i]);
        case "--runs" -> b.runs = Integer.parseInt(args[++i]);
        case "--cpus" -> b.cpus = args[++i];
        default -> throw new IllegalArgumentException("unknown argument: " + args[i]);
      }
    }
    if (b.jars.isEmpty()) {
      b.jars.put("current", Path.of("server/target/safehouse-server.jar").toAbsolutePath());
    }
    String opts = System.getenv("SERVER_JAVA_OPTS");
    if (opts != null && !opts.isBlank()) {
      b.javaOpts = opts.trim();
    }
    Map<String, Object> root = b.run();
    Files.createDirectories(b.out);
    Files.writeString(b.out.resolve("start.json"), Json.write(root) + "\n");
    Files.writeString(b.out.resolve("start.md"), markdown(root));
    System.out.println("wrote " + b.out.resolve("start.json") + " and start.md");
    Net.shutdown();
    System.exit(0);
  }

  private Map<String, Object> run() throws Exception {
    Map<String, Object> root = new LinkedHashMap<>();
    root.put("benchmark", "start");
    root.put("started", ZonedDateTime.now().toString());
    root.put("git", System.getProperty("bench.git", "unknown"));
    root.put("server_java_opts", javaOpts);
    root.put("cpus", cpus);
    root.put("queued_messages", messages);
    root.put("payload_bytes", payload);
    root.put("runs_per_jar", runs);
    List<Double> jvm = new ArrayList<>();
    for (int i = 0; i < runs; i++) {
      List<String> cmd = command(List.of("-version"));
      long t0 = System.nanoTime();
      new ProcessBuilder(cmd).redirectErrorStream(true).start().waitFor();
      jvm.add((System.nanoTime() - t0) / 1e6);
    }
    root.put("jvm_only_ms", Map.of("median", median(jvm), "runs", jvm));
    CompareBench.log("JVM alone (java -version): median " + median(jvm) + " ms");
    root.put("jars", measureAll());
    root.put("finished", ZonedDateTime.now().toString());
    return root;
  }

  private List<String> command(List<String> tail) {
    List<String> cmd = new ArrayList<>(List.of("taskset", "-c", cpus));
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(List.of(javaOpts.split("\\s+")));
    cmd.addAll(tail);
    return cmd;
  }

  /** One started server: its process and when its "listening" line and pin came. */
  private static final class Started {
    final ServerProcess process;
    final long t0;
    final CompletableFuture<Long> listening = new CompletableFuture<>();
    volatile long cpuAtListeningNanos;
    final CompletableFuture<String> pin = new CompletableFuture<>();

    Started(ServerProcess process, long t0) {
      this.process = process;
      this.t0 = t0;
    }
  }

  private Started start(Path jar, List<String> opts, Path data, Path conf, int port, Path log)
      throws Exception {
    List<String> tail = new ArrayList<>(opts);
    tail.addAll(
        List.of(
            "-Djava.io.tmpdir=" + work.toAbsolutePath(),
            "-jar",
            jar.toString(),
            "serve",
            "--data",
            data.toString(),
            "--listen",
            "127.0.0.1:" + port,
            "--config",
            conf.toString()));
    List<String> cmd = command(tail);
    long t0 = System.nanoTime();
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    Started s = new Started(ServerProcess.adopt(p), t0);
    Thread reader =
        new Thread(
            () -> {
              try (BufferedReader r =
                      new BufferedReader(
                          new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
                  PrintWriter w =
                      new PrintWriter(Files.newBufferedWriter(log, StandardCharsets.UTF_8))) {
                for (String l; (l = r.readLine()) != null; ) {
                  long now = System.nanoTime();
                  if (l.startsWith("Safehouse relay listening on ")) {
                    s.cpuAtListeningNanos = cpuOf(p);
                    s.listening.complete(now);
                  } else if (l.startsWith("Pin: ")) {
                    s.pin.complete(l.substring(5).trim());
                  }
                  w.println(l);
                  w.flush();
                }
              } catch (Exception e) {
                s.listening.completeExceptionally(e);
              }
              s.listening.completeExceptionally(new IllegalStateException("server exited"));
            },
            "start-bench-log");
    reader.setDaemon(true);
    reader.start();
    return s;
  }

  /** One jar (or one set of JVM options) under test: its store and its starts so far. */
  private final class Subject {
    final String label;
    final Path jar;
    final Path dir;
    final Path data;
    final Path conf;
    final int port;
    List<String> opts;
    RawClient.Device sender;
    SafehousePeer prober;
    double fillSecs;
    final List<Object> rounds = new ArrayList<>();
    final List<Double> listening = new ArrayList<>();
    final List<Double> signedIn = new ArrayList<>();
    final List<Double> cpus = new ArrayList<>();

    Subject(String label, Path jar) throws Exception {
      this.label = label;
      this.jar = jar;
      this.dir = work.toAbsolutePath().resolve(label);
      CompareBench.deleteTree(dir);
      this.data = Files.createDirectories(dir.resolve("data"));
      this.conf = dir.resolve("safehouse.conf");
      Files.writeString(conf, CONFIG);
      this.port = freePort();
      this.opts = extraOpts.getOrDefault(label, List.of());
    }
  }

  /**
   * Fills each subject's store, then starts them in turn, round-robin ({@code --runs} rounds): a
   * busy spell of the machine hits every subject alike.
   */
  private Map<String, Object> measureAll() throws Exception {
    List<Subject> subjects = new ArrayList<>();
    for (var e : jars.entrySet()) {
      subjects.add(prepare(new Subject(e.getKey(), e.getValue())));
    }
    for (int i = 0; i < runs; i++) {
      for (Subject s : subjects) {
        startOnce(s, i);
      }
    }
    Map<String, Object> results = new LinkedHashMap<>();
    for (Subject s : subjects) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("jar", s.jar.toString());
      m.put("extra_java_opts", String.join(" ", s.opts));
      m.put("fill_s", s.fillSecs);
      m.put("store_bytes", treeSize(s.data));
      m.put("median_listening_ms", median(s.listening));
      m.put("median_signed_in_ms", median(s.signedIn));
      m.put("median_server_cpu_at_listening_ms", median(s.cpus));
      m.put("runs", s.rounds);
      results.put(s.label, m);
    }
    return results;
  }

  private Subject prepare(Subject s) throws Exception {
    CompareBench.log("== " + s.label + ": queueing " + messages + " messages (" + s.jar + ")");
    List<String> fillOpts = s.opts;
    Path archive = s.dir.resolve("classes.jsa");
    if (cds.contains(s.label)) {
      // As the Debian launcher does: the first start writes the archive at its clean stop.
      fillOpts = new ArrayList<>(s.opts);
      fillOpts.add("-XX:ArchiveClassesAtExit=" + archive);
      fillOpts.add("-XX:+VerifySharedSpaces");
      fillOpts.add("-Xlog:cds=off,cds+dynamic=off");
    }
    Started first = start(s.jar, fillOpts, s.data, s.conf, s.port, s.dir.resolve("fill.log"));
    first.listening.get(120, TimeUnit.SECONDS);
    String pin = first.pin.get(10, TimeUnit.SECONDS);
    String secret = Files.readString(s.data.resolve("upgrade-secret")).trim();
    Path socket = ConfigFile.load(s.conf, s.data.toString(), null).adminSocket();
    long f0 = System.nanoTime();
    try (SafehousePeer peer =
        new SafehousePeer(s.label, first.process, s.port, pin, secret, socket)) {
      peer.setUp(1, 0, 1, stamp -> {});
      s.sender = peer.senderDevice(0);
      fill(peer);
    } // closes the connections and stops the server with SIGTERM
    s.fillSecs = (System.nanoTime() - f0) / 1e9;
    CompareBench.log(String.format(Locale.ROOT, "  queued in %.1f s", s.fillSecs));
    if (cds.contains(s.label)) {
      if (!Files.isRegularFile(archive)) {
        throw new IllegalStateException("no class archive written: " + archive);
      }
      List<String> o = new ArrayList<>(s.opts);
      o.addAll(
          List.of("-XX:SharedArchiveFile=" + archive, "-XX:+VerifySharedSpaces", "-Xshare:auto"));
      s.opts = o;
    }
    s.prober = new SafehousePeer(s.label, null, s.port, pin, secret, socket);
    return s;
  }

  private void startOnce(Subject x, int i) throws Exception {
    Started s = start(x.jar, x.opts, x.data, x.conf, x.port, x.dir.resolve("start-" + i + ".log"));
    double signIn = signIn(x.prober, x.sender, s) / 1e6;
    double listen = (s.listening.get(60, TimeUnit.SECONDS) - s.t0) / 1e6;
    double cpu = s.cpuAtListeningNanos / 1e6;
    long stop0 = System.nanoTime();
    s.process.close();
    double stop = (System.nanoTime() - stop0) / 1e6;
    x.listening.add(listen);
    x.signedIn.add(signIn);
    x.cpus.add(cpu);
    x.rounds.add(
        Map.of(
            "listening_ms", listen,
            "signed_in_ms", signIn,
            "server_cpu_at_listening_ms", cpu,
            "stop_ms", stop));
    CompareBench.log(
        String.format(
            Locale.ROOT,
            "  %s start %d: listening after %.0f ms (server CPU %.0f ms), signed in after %.0f ms,"
                + " stopped in %.0f ms",
            x.label,
            i + 1,
            listen,
            cpu,
            signIn,
            stop));
  }

  /** Queues the messages to the offline recipient, 1,000 unanswered at most. */
  private void fill(SafehousePeer peer) throws Exception {
    Semaphore slots = new Semaphore(1_000);
    byte[] p = new byte[payload];
    for (int k = 0; k < messages; k++) {
      if (!slots.tryAcquire(60, TimeUnit.SECONDS)) {
        throw new IllegalStateException("sends stalled at " + k);
      }
      ThreadLocalRandom.current().nextBytes(p);
      peer.send(0, true, 0, p.clone(), slots::release);
    }
    if (!slots.tryAcquire(1_000, 120, TimeUnit.SECONDS)) {
      throw new IllegalStateException("sends unanswered at the end");
    }
  }

  /** Nanoseconds from the process start to the first sign-in that succeeds. */
  private static long signIn(SafehousePeer prober, RawClient.Device d, Started s) throws Exception {
    long deadline = s.t0 + TimeUnit.SECONDS.toNanos(120);
    while (System.nanoTime() < deadline) {
      if (!s.process.process.isAlive()) {
        throw new IllegalStateException("the server exited during start-up");
      }
      SafehousePeer.Conn c = prober.new Conn();
      try {
        c.open();
        c.authenticate(d);
        return System.nanoTime() - s.t0;
      } catch (Exception e) {
        Thread.sleep(5);
      } finally {
        c.close();
      }
    }
    throw new IllegalStateException("no sign-in within 120 s");
  }

  /** CPU time of a process (all its threads) so far, from /proc; 0 if it has gone. */
  private static long cpuOf(Process p) {
    try {
      return Proc.read(p.pid()).cpuNanos();
    } catch (RuntimeException e) {
      return 0;
    }
  }

  private static int freePort() throws Exception {
    try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  private static long treeSize(Path p) throws Exception {
    try (var w = Files.walk(p)) {
      return w.filter(Files::isRegularFile).mapToLong(f -> f.toFile().length()).sum();
    }
  }

  static double median(List<Double> v) {
    List<Double> s = new ArrayList<>(v);
    s.sort(null);
    int n = s.size();
    return n == 0 ? 0 : n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2;
  }

  @SuppressWarnings("unchecked")
  static String markdown(Map<String, Object> r) {
    StringBuilder md = new StringBuilder("# Start-up on a store with queued messages\n\n");
    md.append(
        String.format(
            Locale.ROOT,
            "%s queued messages of %s B to one offline device; server pinned to CPU %s; JVM"
                + " options `%s`; %s starts per jar (medians; every run in start.json). Started"
                + " %s, git %s.\n\n",
            CompareReport.num(r.get("queued_messages"), 0),
            r.get("payload_bytes"),
            r.get("cpus"),
            r.get("server_java_opts"),
            r.get("runs_per_jar"),
            r.get("started"),
            r.get("git")));
    md.append(
        "| server | start → listening ms | server CPU until listening ms (all threads) | start →"
            + " TLS + sign-in ms | every run (listening / sign-in) | store MB |\n");
    md.append("|---|---|---|---|---|---|\n");
    Map<String, Object> jvm = (Map<String, Object>) r.get("jvm_only_ms");
    md.append("| JVM alone (`java -version`, same options) | ")
        .append(CompareReport.num(jvm.get("median"), 0))
        .append(" | – | – | – | – |\n");
    for (var e : ((Map<String, Object>) r.get("jars")).entrySet()) {
      Map<String, Object> m = (Map<String, Object>) e.getValue();
      StringBuilder each = new StringBuilder();
      for (Object o : (List<Object>) m.get("runs")) {
        Map<String, Object> x = (Map<String, Object>) o;
        each.append(each.length() == 0 ? "" : ", ")
            .append(CompareReport.num(x.get("listening_ms"), 0))
            .append('/')
            .append(CompareReport.num(x.get("signed_in_ms"), 0));
      }
      md.append("| ").append(e.getKey());
      md.append(" | ").append(CompareReport.num(m.get("median_listening_ms"), 0));
      md.append(" | ").append(CompareReport.num(m.get("median_server_cpu_at_listening_ms"), 0));
      md.append(" | ").append(CompareReport.num(m.get("median_signed_in_ms"), 0));
      md.append(" | ").append(each);
      md.append(" | ")
          .append(CompareReport.num(((Number) m.get("store_bytes")).doubleValue() / 1e6, 1))
          .append(" |\n");
    }
    return md.toString();
  }
}
