package org.safehouse.bench;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.safehouse.sdk.Attachment;
import org.safehouse.sdk.ReceivedMessage;
import org.safehouse.sdk.SafehouseClient;

/**
 * Attachment throughput: one file uploaded by one SDK client and downloaded by another, through the
 * shipped server jar (its own process) over TLS on loopback, with the server's CPU time per MB;
 * and, in the same run, the same file fetched with curl over TLS 1.3 on loopback from {@code
 * openssl s_server -WWW} (a plain TLS file server: the floor for moving these bytes). Writes {@code
 * attachments.json} and {@code attachments.md}.
 *
 * <p>{@code java -cp bench/target/relay-bench.jar org.safehouse.bench.AttachmentBench [--mb N]
 * [--server server/target/safehouse-server.jar] [--out bench/results/attachments]}
 */
public final class AttachmentBench {
  private static final char[] PASS = "bench passphrase".toCharArray();

  public static void main(String[] args) throws Exception {
    int mb = 32;
    Path serverJar = Path.of("server/target/safehouse-server.jar");
    Path out = Path.of("bench/results/attachments");
    for (int i = 0; i + 1 < args.length; i++) {
      switch (args[i]) {
        case "--mb" -> mb = Integer.parseInt(args[i + 1]);
        case "--server" -> serverJar = Path.of(args[i + 1]);
        case "--out" -> out = Path.of(args[i + 1]);
        default -> {}
      }
    }
    Files.createDirectories(out);
    Path tmp = Files.createTempDirectory("attachment-bench");
    byte[] file = new byte[mb << 20];
    new Random(1).nextBytes(file);
    Path source = tmp.resolve("file.bin");
    Files.write(source, file);
    double megabytes = file.length / 1e6;

    Map<String, Object> results = new LinkedHashMap<>();
    results.put("date", Instant.now().toString());
    results.put("file_mb", megabytes);
    results.put("cores", Runtime.getRuntime().availableProcessors());

    int port = freePort();
    Path data = tmp.resolve("server-data");
    List<String> cmd =
        List.of(
            "java",
            "-jar",
            serverJar.toString(),
            "serve",
            "--data",
            data.toString(),
            "--listen",
            "127.0.0.1:" + port);
    try (ServerProcess server = ServerProcess.start(cmd, tmp.resolve("server.log"), port)) {
      Path inviteFile = data.resolve("first-admin-invite.txt");
      long wait = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (!Files.exists(inviteFile) && System.nanoTime() < wait) {
        Thread.sleep(100); // written just after the port opens
      }
      String adminInvite = Files.readString(inviteFile).trim();
      try (SafehouseClient admin = SafehouseClient.enroll(tmp.resolve("admin"), PASS, adminInvite);
          SafehouseClient worker =
              SafehouseClient.enroll(
                  tmp.resolve("worker"), PASS, admin.createInvite("caseworker"))) {
        String to = worker.account().accountId();
        // Sessions and a first file (the server's JIT) before measuring.
        byte[] warm = java.util.Arrays.copyOf(file, Math.min(file.length, 8 << 20));
        admin.sendFile(to, warm, "warm-up.bin", null, null, null);
        Attachment w = null;
        long warmDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (w == null && System.nanoTime() < warmDeadline) {
          for (ReceivedMessage m : worker.receive(Duration.ofSeconds(1))) {
            w = m.attachment() != null ? m.attachment() : w;
          }
        }
        if (w == null) {
          throw new IOException("the warm-up file did not arrive");
        }
        worker.download(w.id(), tmp.resolve("warm-up.bin"), null);

        long cpu0 = Proc.read(server.pid()).cpuNanos();
        long t0 = System.nanoTime();
        admin.sendFile(to, source, "application/octet-stream", null, null);
        long upNanos = System.nanoTime() - t0;
        long cpu1 = Proc.read(server.pid()).cpuNanos();

        Attachment a = null;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (a == null && System.nanoTime() < deadline) {
          for (ReceivedMessage m : worker.receive(Duration.ofSeconds(1))) {
            a = m.attachment() != null ? m.attachment() : a;
          }
        }
        if (a == null) {
          throw new IOException("the attachment did not arrive");
        }
        long cpu2 = Proc.read(server.pid()).cpuNanos();
        long t1 = System.nanoTime();
        worker.download(a.id(), tmp.resolve("downloaded.bin"), null);
        long downNanos = System.nanoTime() - t1;
        long cpu3 = Proc.read(server.pid()).cpuNanos();
        if (!java.util.Arrays.equals(file, Files.readAllBytes(tmp.resolve("downloaded.bin")))) {
          throw new IOException("the downloaded file differs");
        }
        results.put("upload_mb_per_s", round(megabytes / (upNanos / 1e9)));
        results.put("download_mb_per_s", round(megabytes / (downNanos / 1e9)));
        results.put("server_cpu_ms_per_mb_upload", round((cpu1 - cpu0) / 1e6 / megabytes));
        results.put("server_cpu_ms_per_mb_download", round((cpu3 - cpu2) / 1e6 / megabytes));
      }
    }

    results.put("curl", curlOverTls(tmp, source, megabytes));
    Files.writeString(out.resolve("attachments.json"), Json.write(results) + "\n");
    Files.writeString(out.resolve("attachments.md"), report(results));
    System.out.println(Json.write(results));
    try (var walk = Files.walk(tmp)) {
      walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  /** curl fetching the same file over TLS 1.3 on loopback from openssl s_server -WWW. */
  private static Map<String, Object> curlOverTls(Path tmp, Path source, double megabytes)
      throws Exception {
    Map<String, Object> r = new LinkedHashMap<>();
    run(
        tmp,
        List.of(
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-keyout",
            "key.pem",
            "-out",
            "cert.pem",
            "-days",
            "1",
            "-subj",
            "/CN=bench"));
    int port = freePort();
    List<String> cmd =
        List.of(
            "openssl",
            "s_server",
            "-WWW",
            "-tls1_3",
            "-accept",
            String.valueOf(port),
            "-cert",
            "cert.pem",
            "-key",
            "key.pem",
            "-quiet");
    ProcessBuilder pb =
        new ProcessBuilder(cmd)
            .directory(tmp.toFile())
            .redirectErrorStream(true)
            .redirectOutput(tmp.resolve("s_server.log").toFile());
    Process s = pb.start();
    try {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (!ServerProcess.accepts(port) && System.nanoTime() < deadline) {
        Thread.sleep(50);
      }
      long cpu0 = Proc.read(s.pid()).cpuNanos();
      long t0 = System.nanoTime();
      run(
          tmp,
          List.of(
              "curl",
              "-sS",
              "-k",
              "--tlsv1.3",
              "-o",
              "/dev/null",
              "https://127.0.0.1:" + port + "/" + source.getFileName()));
      long nanos = System.nanoTime() - t0;
      long cpu1 = Proc.read(s.pid()).cpuNanos();
      r.put("download_mb_per_s", round(megabytes / (nanos / 1e9)));
      r.put("server_cpu_ms_per_mb_download", round((cpu1 - cpu0) / 1e6 / megabytes));
      r.put("server", "openssl s_server -WWW -tls1_3");
    } finally {
      s.destroy();
      s.waitFor(5, TimeUnit.SECONDS);
    }
    return r;
  }

  private static void run(Path dir, List<String> cmd) throws Exception {
    Process p =
        new ProcessBuilder(new ArrayList<>(cmd))
            .directory(dir.toFile())
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("cmd.log").toFile())
            .start();
    if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IOException(cmd.get(0) + " failed; see " + dir.resolve("cmd.log"));
    }
  }

  @SuppressWarnings("unchecked")
  private static String report(Map<String, Object> r) {
    Map<String, Object> curl = (Map<String, Object>) r.get("curl");
    return "# Attachments over TLS on loopback\n\n"
        + r.get("date")
        + ", "
        + r.get("cores")
        + " cores, a file of "
        + r.get("file_mb")
        + " MB (after an 8 MB warm-up transfer).\n\n"
        + "| | upload MB/s | download MB/s | server CPU ms/MB up | server CPU ms/MB down |\n"
        + "|---|---|---|---|---|\n"
        + "| Safehouse SDK → server jar → SDK | "
        + r.get("upload_mb_per_s")
        + " | "
        + r.get("download_mb_per_s")
        + " | "
        + r.get("server_cpu_ms_per_mb_upload")
        + " | "
        + r.get("server_cpu_ms_per_mb_download")
        + " |\n"
        + "| curl ← openssl s_server -WWW (TLS 1.3) | – | "
        + curl.get("download_mb_per_s")
        + " | – | "
        + curl.get("server_cpu_ms_per_mb_download")
        + " |\n\n"
        + "Safehouse's upload includes the SDK's encryption (AES-256-GCM per 48 KiB chunk, after"
        + " a first pass for the digest) and the server's durable, sealed store writes; its"
        + " download includes the digest check and decryption to disk. curl moves the bytes only."
        + " No upload baseline: this machine has no scp server or web server that takes uploads.\n";
  }

  private static double round(double v) {
    return Math.round(v * 10) / 10.0;
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
