package org.safehouse.sdk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.safehouse.sdk.SdkTesting.PASSPHRASE;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.safehouse.server.testing.ChildServer;

/**
 * Every message shown, and shown again only by an app killed before it confirmed it and then under
 * the same id, though the app and the server are killed (SIGKILL) at random moments: the server and
 * the receiving app each run as their own process; a caseworker in this JVM writes between rounds.
 * What counts is what the user saw: every text any receive printed. Rounds: {@code
 * -Dsafehouse.crash.rounds=N} (default 15); seed: {@code -Dsafehouse.crash.seed}.
 */
@Timeout(value = 900, unit = TimeUnit.SECONDS)
class ExactlyOnceUnderCrashesTest {
  private static final int ROUNDS = Integer.getInteger("safehouse.crash.rounds", 15);

  @TempDir Path temp;
  private ChildServer server;
  private SafehouseClient worker;

  @AfterEach
  void tearDown() {
    if (worker != null) {
      worker.close();
    }
    if (server != null) {
      server.close();
    }
  }

  @Test
  void everyTextIsShownExactlyOnceThoughAppAndServerAreKilledAtRandomMoments() throws Exception {
    long seed = Long.getLong("safehouse.crash.seed", System.nanoTime());
    Random random = new Random(seed);
    String context = "seed " + seed + " (rerun with -Dsafehouse.crash.seed=" + seed + ")";
    Path data = temp.resolve("server-data");
    int port = freePort();
    server = ChildServer.start(data, null, port);
    server.awaitFirstAdminInvite();
    String adminInvite =
        Files.readString(server.firstAdminInviteFile(), StandardCharsets.UTF_8).trim();
    worker = SafehouseClient.enroll(temp.resolve("worker"), PASSPHRASE, adminInvite);
    Path home = temp.resolve("client");
    String clientId;
    try (SafehouseClient client =
        SafehouseClient.enroll(home, PASSPHRASE, worker.createInvite("client"))) {
      clientId = client.account().accountId();
      worker.sendText(clientId, "first contact", null);
      assertEquals(1, SdkTesting.receive(client, 1, Duration.ofSeconds(20)).size());
      client.confirmReceived();
    }

    List<String> sent = new ArrayList<>();
    // The one repeat the SDK allows: an app killed after showing a text and before confirming it
    // shows it again, with the same message id (SECURITY.md). Each showing: its id, and whether
    // the app that showed it was then killed by this test.
    Map<String, List<String>> showings = new HashMap<>();
    List<String> log = new ArrayList<>();
    for (int round = 0; round < ROUNDS; round++) {
      awaitConnected(worker);
      int count = 1 + random.nextInt(4);
      for (int i = 0; i < count; i++) {
        String text = "round " + round + " message " + i;
        worker.sendText(clientId, text, null);
        sent.add(text);
      }
      Process app = startApp(home, 1500);
      Lines out = new Lines(app);
      int action = random.nextInt(3);
      long delay = random.nextInt(5000);
      if (action == 1) {
        Thread.sleep(delay);
        app.destroyForcibly();
      } else if (action == 2) {
        Thread.sleep(delay);
        server.kill();
      }
      if (!app.waitFor(90, TimeUnit.SECONDS)) {
        app.destroyForcibly();
        throw new AssertionError("the app did not finish; " + context + "; " + out.lines());
      }
      List<String> printed = out.lines();
      record(showings, printed, action == 1 && app.exitValue() != 0);
      log.add("round " + round + " action " + action + " after " + delay + " ms: " + printed);
      if (action == 2) {
        server = ChildServer.start(data, null, port);
      }
      cleanScratch();
    }
    // Afterwards, with nothing killed, whatever is still waiting arrives.
    for (int i = 0; i < 5 && showings.size() < sent.size(); i++) {
      Process app = startApp(home, 3000);
      Lines out = new Lines(app);
      assertTrue(app.waitFor(90, TimeUnit.SECONDS), "final receive; " + context);
      record(showings, out.lines(), false);
      log.add("final: " + out.lines());
    }

    System.out.println(context + "\n" + String.join("\n", log));
    showings.forEach(
        (text, seen) -> {
          // Shown more than once only by apps killed before they could confirm, and every time
          // under the same id, so an app can drop the repeat.
          assertEquals(
              1,
              seen.stream().map(x -> x.substring(0, 32)).distinct().count(),
              "one id for " + text + ": " + seen + "; " + context + "\n" + log);
          for (String x : seen.subList(0, seen.size() - 1)) {
            assertTrue(
                x.endsWith(" killed"),
                "shown again though the app that showed it lived: "
                    + text
                    + "; "
                    + context
                    + "\n"
                    + log);
          }
        });
    List<String> expected = new ArrayList<>(sent);
    List<String> actual = new ArrayList<>(showings.keySet());
    Collections.sort(expected);
    Collections.sort(actual);
    assertEquals(expected, actual, "every text shown, none lost; " + context + "\n" + log);
  }

  private static void record(
      Map<String, List<String>> showings, List<String> printed, boolean killed) {
    for (String line : printed) {
      if (line.startsWith("MSG ")) {
        String id = line.substring(4, 4 + 32);
        showings
            .computeIfAbsent(line.substring(4 + 32 + 1), t -> new ArrayList<>())
            .add(id + (killed ? " killed" : " lived"));
      }
    }
  }

  /** Waits until the in-process caseworker's link is up again (after a server restart). */
  private static void awaitConnected(SafehouseClient client) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (true) {
      try {
        client.contacts();
        return;
      } catch (IOException | SafehouseException e) {
        if (System.nanoTime() > deadline) {
          throw e;
        }
        Thread.sleep(200);
      }
    }
  }

  private Process startApp(Path home, long waitMillis) throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(List.of("-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"));
    // libsignal copies its native library here at each start; a killed JVM leaves it behind.
    cmd.add("-Djava.io.tmpdir=" + Files.createDirectories(temp.resolve("app-tmp")));
    cmd.addAll(List.of("-cp", System.getProperty("java.class.path")));
    cmd.add(ReceiveDriver.class.getName());
    cmd.add(home.toString());
    cmd.add(Long.toString(waitMillis));
    return new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
  }

  private void cleanScratch() throws IOException {
    Path scratch = temp.resolve("app-tmp");
    if (!Files.isDirectory(scratch)) {
      return;
    }
    try (Stream<Path> files = Files.list(scratch)) {
      for (Path f : files.toList()) {
        if (Files.isRegularFile(f)) {
          Files.deleteIfExists(f);
        }
      }
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  /** The standard output lines of a child, read as they come. */
  private static final class Lines {
    private final List<String> lines = Collections.synchronizedList(new ArrayList<>());
    private final Thread reader;

    Lines(Process p) {
      reader =
          new Thread(
              () -> {
                try (BufferedReader r =
                    new BufferedReader(
                        new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                  for (String l; (l = r.readLine()) != null; ) {
                    lines.add(l);
                  }
                } catch (IOException e) {
                  // killed
                }
              });
      reader.setDaemon(true);
      reader.start();
    }

    List<String> lines() throws InterruptedException {
      reader.join(10_000);
      return new ArrayList<>(lines);
    }
  }
}
