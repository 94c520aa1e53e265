package org.safehouse.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.safehouse.server.SafehouseServer;
import org.safehouse.server.account.AccountId;
import org.safehouse.server.account.DeviceAddress;
import org.safehouse.server.config.PushSettings;
import org.safehouse.server.push.PushEndpoint;
import org.safehouse.server.push.WakeUps;
import org.safehouse.server.store.PushEndpoints;
import org.safehouse.server.testing.TestPushEndpoint;
import org.safehouse.server.testing.TestServers;
import org.safehouse.server.testing.WebPushReceiver;

/**
 * Wake-up cost: how many wake-ups per second one relay sends, and the CPU each one costs, against a
 * real HTTPS push endpoint on loopback (the JDK's HttpsServer, in this JVM). Devices with endpoints
 * are stored directly; each round marks every device as having a copy waiting (what the store
 * writer does after a commit) with no delay, and waits until every wake-up arrived. Each wake-up is
 * a fresh key agreement and AES-GCM encryption, a (cached) VAPID token, a new TLS connection and
 * one POST. CPU is split into the relay's push-sender threads and the whole process (which includes
 * the endpoint's side of TLS).
 *
 * <pre>
 *   bench/push.sh [--devices N] [--seconds S] [--out DIR]
 * </pre>
 */
public final class PushBench {
  private PushBench() {}

  public static void main(String[] args) throws Exception {
    int devices = 200;
    int seconds = 20;
    Path out = Path.of("bench/results/push");
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--devices" -> devices = Integer.parseInt(args[++i]);
        case "--seconds" -> seconds = Integer.parseInt(args[++i]);
        case "--out" -> out = Path.of(args[++i]);
        case "--quick" -> seconds = 5;
        default -> throw new IllegalArgumentException("unknown option " + args[i]);
      }
    }
    Path tmp = Files.createTempDirectory("push-bench");
    try (TestPushEndpoint endpoint = TestPushEndpoint.start(tmp.resolve("endpoint"))) {
      PushSettings settings =
          PushSettings.defaults()
              .withTrust(Set.of("localhost"), endpoint.certFile())
              .withDelays(Duration.ZERO, Duration.ZERO);
      try (SafehouseServer server =
          SafehouseServer.start(
              TestServers.config(tmp.resolve("server")), Clock.systemUTC(), settings)) {
        Map<String, Object> result = run(server, endpoint, devices, seconds);
        Files.createDirectories(out);
        Files.writeString(out.resolve("push.json"), Json.write(result) + "\n");
        Files.writeString(out.resolve("push.md"), markdown(result), StandardCharsets.UTF_8);
        System.out.println(Json.write(result));
      }
    }
  }

  private static Map<String, Object> run(
      SafehouseServer server, TestPushEndpoint endpoint, int n, int seconds) throws Exception {
    SecureRandom random = new SecureRandom();
    PushEndpoints stored = new PushEndpoints(server.store());
    WebPushReceiver keys = WebPushReceiver.generate();
    List<DeviceAddress> all = new ArrayList<>();
    AccountId sender = AccountId.random(random);
    for (int i = 0; i < n; i++) {
      DeviceAddress d = new DeviceAddress(AccountId.random(random), 1);
      byte[] value =
          new PushEndpoint(URI.create(endpoint.url("/d/" + i)), keys.p256dh(), keys.auth())
              .encode();
      server
          .store()
          .write(
              tx -> {
                stored.put(tx, d, value);
                // A copy waits for the device (it never connects): the relay wakes only a device
                // that has something waiting when the wake-up is due.
                tx.append(
                    d,
                    System.currentTimeMillis() + Duration.ofHours(1).toMillis(),
                    sender,
                    1,
                    new byte[16],
                    new byte[256]);
                return null;
              })
          .get();
      all.add(d);
    }
    WakeUps wakeUps = server.wakeUps();
    // Warm-up: two rounds.
    int target = 0;
    for (int r = 0; r < 2; r++) {
      target += round(wakeUps, endpoint, all, target);
    }
    long sender0 = senderNanos();
    long process0 = Cpu.processNanos();
    long t0 = System.nanoTime();
    long sent = 0;
    long deadline = t0 + Duration.ofSeconds(seconds).toNanos();
    while (System.nanoTime() < deadline) {
      int got = round(wakeUps, endpoint, all, target);
      target += got;
      sent += got;
    }
    double wall = (System.nanoTime() - t0) / 1e9;
    long senderCpu = senderNanos() - sender0;
    long processCpu = Cpu.processNanos() - process0;
    byte[] last = endpoint.received().get(endpoint.received().size() - 1).body();
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("bench", "push-wake-ups");
    r.put("at", Instant.now().toString());
    r.put("cores", Runtime.getRuntime().availableProcessors());
    r.put("devices", n);
    r.put("seconds", Math.round(wall * 10) / 10.0);
    r.put("wake_ups", sent);
    r.put("wake_ups_per_second", Math.round(sent / wall));
    r.put("sender_cpu_us_per_wake_up", Math.round(senderCpu / 1000.0 / sent));
    r.put("process_cpu_us_per_wake_up", Math.round(processCpu / 1000.0 / sent));
    r.put("body_bytes", last.length);
    r.put("decrypts_to_bytes", keys.decrypt(last).length);
    r.put("stats", wakeUps.stats().toString());
    return r;
  }

  /** Marks every device, waits until all its wake-ups arrived; returns how many. */
  private static int round(
      WakeUps wakeUps, TestPushEndpoint endpoint, List<DeviceAddress> all, int before)
      throws Exception {
    for (DeviceAddress d : all) {
      wakeUps.copyWaiting(d);
    }
    endpoint.await(before + all.size(), Duration.ofSeconds(120));
    return all.size();
  }

  /** CPU time of the relay's push-sender threads. */
  private static long senderNanos() {
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    long sum = 0;
    for (ThreadInfo t : threads.getThreadInfo(threads.getAllThreadIds())) {
      if (t != null && t.getThreadName().startsWith("push-sender-")) {
        sum += Math.max(0, threads.getThreadCpuTime(t.getThreadId()));
      }
    }
    return sum;
  }

  private static String markdown(Map<String, Object> r) {
    return "# Push wake-ups (bench/push.sh)\n\n"
        + "One relay wakes devices through a real HTTPS push endpoint on loopback (same JVM). Each"
        + " wake-up: ECDH P-256 + HKDF + AES-128-GCM (RFC 8291), a VAPID token (cached per push"
        + " server for an hour), a new TLS connection, one POST.\n\n"
        + "| measure | value |\n|---|---|\n"
        + r.entrySet().stream()
            .map(e -> "| " + e.getKey() + " | " + e.getValue() + " |")
            .reduce("", (a, b) -> a + b + "\n")
        + "\n`sender_cpu_us_per_wake_up` is the relay's push-sender threads only (encryption,"
        + " TLS client, HTTP); `process_cpu_us_per_wake_up` adds the endpoint's TLS server side,"
        + " which a real push server pays instead.\n";
  }
}
