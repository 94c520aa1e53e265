package org.safehouse.bench;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Attachment throughput over TLS on loopback, each way, with the server's CPU time per MB: one file
 * uploaded by one SDK client and downloaded by another through the shipped server jar (its own
 * process); and, in the same run and the same rounds, the same file uploaded with {@code curl
 * --upload-file} to nginx (HTTP PUT, DAV module) and fetched with curl from nginx and from {@code
 * openssl s_server -WWW} ({@link TlsFileServers}). A first round warms every server up and is not
 * counted; the figures are the medians of the rounds after it. Writes {@code attachments.json} and
 * {@code attachments.md} ({@link AttachmentReport}).
 *
 * <p>{@code java -cp bench/target/relay-bench.jar org.safehouse.bench.AttachmentBench [--mb N]
 * [--rounds N] [--server server/target/safehouse-server.jar] [--out bench/results/attachments]}
 */
public final class AttachmentBench {
  static final String SAFEHOUSE = "safehouse";
  static final String NGINX = "nginx";
  static final String S_SERVER = "s_server";

  public static void main(String[] args) throws Exception {
    int mb = 32;
    int rounds = 5;
    Path serverJar = Path.of("server/target/safehouse-server.jar");
    Path out = Path.of("bench/results/attachments");
    for (int i = 0; i + 1 < args.length; i++) {
      switch (args[i]) {
        case "--mb" -> mb = Integer.parseInt(args[i + 1]);
        case "--rounds" -> rounds = Integer.parseInt(args[i + 1]);
        case "--server" -> serverJar = Path.of(args[i + 1]);
        case "--out" -> out = Path.of(args[i + 1]);
        default -> {}
      }
    }
    Files.createDirectories(out);
    Path tmp = Files.createTempDirectory("attachment-bench");
    try {
      run(mb, rounds, serverJar, out, tmp);
    } finally {
      try (var walk = Files.walk(tmp)) {
        walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  private static void run(int mb, int rounds, Path serverJar, Path out, Path tmp) throws Exception {
    Path www = Files.createDirectories(tmp.resolve("www"));
    byte[] file = new byte[mb << 20];
    new Random(1).nextBytes(file);
    Path source = www.resolve("file.bin");
    Files.write(source, file);
    double megabytes = file.length / 1e6;

    Map<String, Object> results = new LinkedHashMap<>();
    results.put("date", Instant.now().toString());
    results.put("file_mb", megabytes);
    results.put("cores", Runtime.getRuntime().availableProcessors());
    results.put("rounds", rounds);
    results.put("load_average_start", loadAverage());
    results.put("versions", versions(tmp));

    Map<String, Map<String, List<Double>>> runs = new LinkedHashMap<>();
    try (RelayTransfers relay = RelayTransfers.start(serverJar, tmp.resolve("relay"));
        TlsFileServers baselines = TlsFileServers.start(tmp.resolve("baselines"), www)) {
      for (int round = 0; round <= rounds; round++) {
        boolean counted = round > 0; // round 0 warms up every server (JIT, caches)
        add(runs, counted, SAFEHOUSE, "upload", relay.upload(source), megabytes);
        add(runs, counted, SAFEHOUSE, "download", relay.download(file), megabytes);
        add(runs, counted, NGINX, "upload", baselines.nginxPut(source), megabytes);
        add(runs, counted, NGINX, "download", baselines.nginxGet("file.bin"), megabytes);
        add(runs, counted, S_SERVER, "download", baselines.sServerGet("file.bin"), megabytes);
        System.out.println("round " + round + (counted ? "" : " (warm-up)") + " done");
      }
    }
    results.put("load_average_end", loadAverage());
    for (Map.Entry<String, Map<String, List<Double>>> peer : runs.entrySet()) {
      Map<String, Object> medians = new LinkedHashMap<>();
      peer.getValue().forEach((key, values) -> medians.put(key, round(median(values))));
      medians.put("runs", peer.getValue());
      results.put(peer.getKey(), medians);
    }
    results.put("ratios", ratios(results));

    Files.writeString(out.resolve("attachments.json"), Json.write(results));
    Files.writeString(out.resolve("attachments.md"), AttachmentReport.markdown(results));
    System.out.print(Json.write(results));
  }

  private static void add(
      Map<String, Map<String, List<Double>>> runs,
      boolean counted,
      String peer,
      String direction,
      Transfer t,
      double megabytes) {
    if (counted) {
      Map<String, List<Double>> p = runs.computeIfAbsent(peer, k -> new LinkedHashMap<>());
      p.computeIfAbsent(direction + "_mb_per_s", k -> new ArrayList<>())
          .add(round(t.mbPerSecond(megabytes)));
      p.computeIfAbsent("server_cpu_ms_per_mb_" + direction, k -> new ArrayList<>())
          .add(round(t.serverCpuMsPerMb(megabytes)));
    }
  }

  /** Safehouse's medians divided by each baseline's, figure by figure (null where it is 0). */
  @SuppressWarnings("unchecked")
  private static Map<String, Object> ratios(Map<String, Object> results) {
    Map<String, Object> safehouse = (Map<String, Object>) results.get(SAFEHOUSE);
    Map<String, Object> ratios = new LinkedHashMap<>();
    for (String baseline : List.of(NGINX, S_SERVER)) {
      Map<String, Object> b = (Map<String, Object>) results.get(baseline);
      Map<String, Object> r = new LinkedHashMap<>();
      for (String key : b.keySet()) {
        if (!key.equals("runs")) {
          double d = (Double) b.get(key);
          r.put(key, d == 0 ? null : Math.round((Double) safehouse.get(key) / d * 100) / 100.0);
        }
      }
      ratios.put(SAFEHOUSE + "_over_" + baseline, r);
    }
    return ratios;
  }

  private static double median(List<Double> values) {
    List<Double> sorted = values.stream().sorted().toList();
    int n = sorted.size();
    return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
  }

  private static Map<String, Object> versions(Path dir) {
    Map<String, Object> v = new LinkedHashMap<>();
    v.put("java", System.getProperty("java.vm.name") + " " + Runtime.version());
    v.put("nginx", TlsFileServers.firstLine(dir, "nginx", "-v"));
    v.put("curl", TlsFileServers.firstLine(dir, "curl", "--version"));
    v.put("openssl", TlsFileServers.firstLine(dir, "openssl", "version"));
    return v;
  }

  /** The 1, 5 and 15 minute load averages, from /proc/loadavg. */
  private static String loadAverage() {
    try {
      String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split(" ");
      return f[0] + " " + f[1] + " " + f[2];
    } catch (IOException e) {
      return "unknown";
    }
  }

  private static double round(double v) {
    return Math.round(v * 10) / 10.0;
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
