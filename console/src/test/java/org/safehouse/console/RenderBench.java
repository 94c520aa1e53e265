package org.safehouse.console;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.safehouse.protocol.InviteLink;
import org.safehouse.sdk.HistoryFiller;
import org.safehouse.sdk.SafehouseClient;
import org.safehouse.server.testing.RawClient;
import org.safehouse.server.testing.TestServers;

/**
 * The console's render benchmark (a program, not a test): a caseworker with 200 real cases on a
 * real relay (200 clients enrolled through the caseworker's invites) and 10,000 texts in the SDK's
 * encrypted history (50 per case), then the time to answer the case list and a conversation over
 * loopback HTTP, as a browser asks for them: median and p99 of 200 requests each. Writes {@code
 * bench/results/console-render/results.md}.
 *
 * <p>Run from the repository root after {@code mvn -o -q -B test-compile -pl console -am}: {@code
 * scripts/console-render-bench.sh} (or java -cp with the console's test class path).
 */
public final class RenderBench {
  private static final int CASES = 200;
  private static final int PER_CASE = 50;
  private static final int RUNS = 200;

  private RenderBench() {}

  public static void main(String[] args) throws Exception {
    Path out = Path.of(args.length > 0 ? args[0] : "bench/results/console-render");
    Path dir = Files.createTempDirectory("console-bench");
    try (Relay relay = new Relay(dir)) {
      Path home = relay.caseworkerHome("worker");
      List<String> clients = new ArrayList<>();
      try (SafehouseClient worker =
          SafehouseClient.open(
              home,
              Relay.PASSPHRASE.toCharArray(),
              org.safehouse.sdk.ClientOptions.defaults().withHistory(true))) {
        worker.connect();
        for (int i = 0; i < CASES; i++) {
          String link = worker.createInvite("client");
          RawClient.Device d = new RawClient.Device();
          try (RawClient c = TestServers.connect(relay.server)) {
            if (!c.enroll(InviteLink.parse(link).code(), d).hasEnrolled()) {
              throw new IllegalStateException("enroll failed");
            }
          }
          clients.add(java.util.HexFormat.of().formatHex(d.accountId));
        }
        long fill = System.nanoTime();
        int n = 0;
        for (int m = 0; m < PER_CASE; m++) {
          for (String c : clients) {
            String id = String.format("%032x", ++n);
            HistoryFiller.received(worker, c, id, "Message " + n + ": " + "x".repeat(60 + n % 90));
          }
        }
        for (int i = 0; i < CASES; i++) {
          worker
              .appData()
              .put(
                  "console:nick:" + clients.get(i),
                  ("Client " + i).getBytes(StandardCharsets.UTF_8));
        }
        System.out.printf("filled %d texts in %.1f s%n", n, (System.nanoTime() - fill) / 1e9);
      }
      try (ConsoleMain.Running console = ConsoleMain.start(home, null, 0, Duration.ofHours(1))) {
        int port = console.port();
        String token = console.address().substring(console.address().indexOf("token=") + 6);
        String setCookie = RawHttp.get(port, "/?token=" + token, Map.of()).header("Set-Cookie");
        Map<String, String> c = Map.of("Cookie", setCookie.substring(0, setCookie.indexOf(';')));
        Matcher csrf =
            Pattern.compile("data-csrf=\"([^\"]+)\"").matcher(RawHttp.get(port, "/", c).body());
        csrf.find();
        RawHttp.send(
            port,
            "POST",
            "/unlock",
            c,
            "csrf=" + csrf.group(1) + "&passphrase=correct+horse+battery");
        while (!console.unlocked()) {
          Thread.sleep(50);
        }
        // Wait until the console has fetched its 200 cases.
        while (!RawHttp.get(port, "/cases/list", c).body().contains("Client 199")) {
          Thread.sleep(100);
        }
        String peer = clients.get(CASES / 2);
        for (int i = 0; i < 30; i++) { // warm-up
          RawHttp.get(port, "/cases", c);
          RawHttp.get(port, "/c/" + peer, c);
        }
        long[] list = time(port, c, "/cases", null);
        long[] fragment = time(port, c, "/cases/list", null);
        long[] conv = time(port, c, "/c/" + peer, clients);
        String body = RawHttp.get(port, "/c/" + peer, c).body();
        int shown = body.split("<li class=\"in\"", -1).length - 1;
        Files.createDirectories(out);
        String report =
            "# Console render times\n\n"
                + "Measured "
                + Instant.now()
                + " on "
                + Runtime.getRuntime().availableProcessors()
                + " cores (shared with other builds), Java "
                + System.getProperty("java.version")
                + ", by `RenderBench` (console test sources).\n\n"
                + "Data: "
                + CASES
                + " cases on a real relay, "
                + CASES * PER_CASE
                + " texts in the SDK's encrypted history ("
                + PER_CASE
                + " per case), a nickname per case. Each figure is the time from sending the"
                + " HTTP request over loopback to the last byte of the answer, "
                + RUNS
                + " requests each after 30 warm-up rounds.\n\n"
                + "| screen | median | p99 | max |\n|---|---|---|---|\n"
                + row(
                    "case list (`GET /cases`, with its refresh of cases and contacts from the relay)",
                    list)
                + row(
                    "case list fragment (`GET /cases/list`, what a live update fetches)", fragment)
                + row("a conversation (`GET /c/ID`, " + shown + " texts shown)", conv)
                + "\nTarget (issue 13): under 200 ms for the case list and a conversation.\n";
        Files.writeString(out.resolve("results.md"), report);
        System.out.print(report);
      }
    } finally {
      try (var walk = Files.walk(dir)) {
        walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  private static long[] time(int port, Map<String, String> c, String path, List<String> peers)
      throws Exception {
    long[] ns = new long[RUNS];
    for (int i = 0; i < RUNS; i++) {
      String p = peers == null ? path : "/c/" + peers.get(i % peers.size());
      long t = System.nanoTime();
      RawHttp.Response r = RawHttp.get(port, p, c);
      ns[i] = System.nanoTime() - t;
      if (r.status() != 200) {
        throw new IllegalStateException(p + " answered " + r.status());
      }
    }
    Arrays.sort(ns);
    return ns;
  }

  private static String row(String what, long[] sorted) {
    return String.format(
        "| %s | %.1f ms | %.1f ms | %.1f ms |%n",
        what,
        sorted[sorted.length / 2] / 1e6,
        sorted[(int) Math.ceil(sorted.length * 0.99) - 1] / 1e6,
        sorted[sorted.length - 1] / 1e6);
  }
}
