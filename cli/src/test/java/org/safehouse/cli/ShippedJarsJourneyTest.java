package org.safehouse.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The two shipped jars, {@code server/target/safehouse-server.jar} and {@code
 * cli/target/safehouse.jar}, as an operator and the people using it run them: each command its own
 * process, the text on standard input, the server killed with SIGKILL and started again. Runs in
 * the {@code jar-journey} execution (integration-test phase, after both jars are packaged).
 */
@Timeout(600)
class ShippedJarsJourneyTest {
  private static final String PASSPHRASE = "correct horse";
  private static final Pattern LISTENING =
      Pattern.compile("Safehouse relay listening on 127\\.0\\.0\\.1:\\d+ \\(.*\\)");

  @TempDir Path dir;
  private Process server;
  private Lines serverOut;
  private Lines serverErr;
  private int port;
  private org.safehouse.server.testing.TestPushEndpoint pushEndpoint;

  record Run(int exit, String out, String err) {
    List<String> lines() {
      return out.isEmpty() ? List.of() : List.of(out.split("\n"));
    }
  }

  @BeforeEach
  void jars() {
    Assumptions.assumeTrue(
        System.getProperty("safehouse.server.jar") != null
            && System.getProperty("safehouse.cli.jar") != null,
        "runs in the jar-journey execution, after package");
  }

  @BeforeEach
  void pushEndpoint() throws Exception {
    pushEndpoint = org.safehouse.server.testing.TestPushEndpoint.start(dir.resolve("push"));
  }

  @AfterEach
  void stop() throws Exception {
    if (server != null) {
      server.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
    }
    if (pushEndpoint != null) {
      pushEndpoint.close();
    }
  }

  private List<String> java(Path tmp) throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(List.of("-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"));
    cmd.add("-Djava.io.tmpdir=" + Files.createDirectories(tmp));
    return cmd;
  }

  /** Starts the server jar and waits for its first screen (listening, pin, invite). */
  private List<String> startServer() throws Exception {
    Path jar = Path.of(System.getProperty("safehouse.server.jar"));
    assertTrue(Files.isRegularFile(jar), "the server jar is built: " + jar);
    List<String> cmd = java(dir.resolve("server-tmp"));
    cmd.addAll(List.of("-jar", jar.toString(), "serve"));
    cmd.addAll(List.of("--data", dir.resolve("data").toString()));
    cmd.addAll(List.of("--listen", "127.0.0.1:" + port));
    // Wake-ups go to the test's push endpoint on loopback, which only the allow-list and the
    // trusted test certificate let the server call.
    Path config = dir.resolve("server.conf");
    Files.writeString(
        config,
        "push.allowed-hosts = localhost\n"
            + "push.trust-cert = "
            + pushEndpoint.certFile()
            + "\npush.delay-min = 0s\npush.delay-max = 1s\n");
    cmd.addAll(List.of("--config", config.toString()));
    server = new ProcessBuilder(cmd).start();
    serverOut = new Lines(server.getInputStream());
    serverErr = new Lines(server.getErrorStream());
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (serverOut.snapshot().stream().noneMatch(l -> l.startsWith("Pin: "))) {
      assertTrue(
          System.nanoTime() < deadline && server.isAlive(),
          "server did not start: " + serverOut.snapshot() + serverErr.snapshot());
      Thread.sleep(100);
    }
    Thread.sleep(500); // the rest of the first screen
    List<String> screen = new ArrayList<>(serverOut.snapshot());
    screen.addAll(serverErr.snapshot());
    return screen;
  }

  private Run cli(String home, String stdin, String... args) throws Exception {
    Path jar = Path.of(System.getProperty("safehouse.cli.jar"));
    assertTrue(Files.isRegularFile(jar), "the CLI jar is built: " + jar);
    List<String> cmd = java(dir.resolve("cli-tmp"));
    cmd.addAll(List.of("-jar", jar.toString(), "--home", dir.resolve(home).toString()));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.environment().put(SafehouseCli.PASSPHRASE_ENV, PASSPHRASE);
    Process p = pb.start();
    CompletableFuture<String> out =
        CompletableFuture.supplyAsync(() -> readAll(p.getInputStream()));
    CompletableFuture<String> err =
        CompletableFuture.supplyAsync(() -> readAll(p.getErrorStream()));
    try (var in = p.getOutputStream()) {
      in.write(stdin.getBytes(StandardCharsets.UTF_8));
    }
    if (!p.waitFor(120, TimeUnit.SECONDS)) {
      p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      throw new AssertionError("safehouse " + String.join(" ", args) + " did not finish");
    }
    Run r = new Run(p.exitValue(), out.get(10, TimeUnit.SECONDS), err.get(10, TimeUnit.SECONDS));
    assertEquals(
        0,
        r.exit(),
        () ->
            "safehouse "
                + String.join(" ", args)
                + ": "
                + r.err()
                + "; server alive "
                + server.isAlive()
                + ", its output "
                + serverOut.snapshot()
                + serverErr.snapshot());
    return r;
  }

  private static String readAll(InputStream s) {
    try (s) {
      return new String(s.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "";
    }
  }

  private static String lastWord(String line) {
    String[] w = line.trim().split("\\s+");
    return w[w.length - 1];
  }

  @Test
  void twentyMessagesSentWhileAwayArriveInOneReceiveAndAServerKillLosesAndRepeatsNothing()
      throws Exception {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    List<String> screen = startServer();
    // The first screen: Safehouse's own lines only, no logging-framework status output.
    assertTrue(screen.stream().anyMatch(l -> LISTENING.matcher(l).matches()), screen.toString());
    for (String line : screen) {
      assertTrue(
          line.startsWith("Safehouse relay listening on ")
              || line.startsWith("Pin: ")
              || line.startsWith("First admin invite written to "),
          "not a Safehouse line on the first screen: '" + line + "' in " + screen);
    }

    String adminInvite =
        Files.readString(dir.resolve("data").resolve("first-admin-invite.txt")).trim();
    cli("admin", "", "enroll", adminInvite);
    cli("worker", "", "enroll", cli("admin", "", "invite", "--role", "caseworker").out().trim());
    String worker = lastWord(cli("worker", "", "whoami").out());
    cli("client", "", "enroll", cli("worker", "", "invite").out().trim());
    String client = lastWord(cli("client", "", "whoami").out());

    // 20 messages while the client is away; one receive prints them all, once each.
    List<String> expected = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      cli("worker", "away " + i + "\n", "send", client);
      expected.add(worker + "\taway " + i);
    }
    assertEquals(expected, cli("client", "", "receive", "--wait", "10").lines(), "all 20, once");

    // Three more, then the server is killed with SIGKILL and started again on the same data.
    List<String> more = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      cli("worker", "before the kill " + i + "\n", "send", client);
      more.add(worker + "\tbefore the kill " + i);
    }
    server.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
    List<String> again = startServer();
    assertTrue(
        again.stream().noneMatch(l -> l.startsWith("First admin invite")),
        "no new admin invite on a restart: " + again);

    assertEquals(more, cli("client", "", "receive", "--wait", "10").lines(), "nothing lost");
    assertEquals(List.of(), cli("client", "", "receive", "--wait", "2").lines(), "none repeated");
    assertEquals(List.of(), cli("worker", "", "receive", "--wait", "2").lines());

    // The client's phone registers its push endpoint and goes away; a message wakes it, with a
    // wake-up that decrypts, with the keys register printed, to nothing; drain gets the message.
    java.util.Map<String, String> keys = new java.util.HashMap<>();
    for (String line : cli("client", "", "push", "register", pushEndpoint.url("/up/cli")).lines()) {
      int colon = line.indexOf(": ");
      if (colon > 0) {
        keys.put(line.substring(0, colon), line.substring(colon + 2).trim());
      }
    }
    cli("worker", "wake up\n", "send", client);
    var wake = pushEndpoint.await(1, java.time.Duration.ofSeconds(30)).get(0);
    java.util.Base64.Decoder b64 = java.util.Base64.getUrlDecoder();
    byte[] plain =
        org.safehouse.server.testing.WebPushReceiver.of(
                b64.decode(keys.get("private-key")),
                b64.decode(keys.get("p256dh")),
                b64.decode(keys.get("auth")))
            .decrypt(wake.body());
    assertEquals(0, plain.length, "the wake-up carries nothing");
    assertEquals(List.of(worker + "\twake up"), cli("client", "", "drain").lines());
    cli("client", "", "push", "remove");
  }

  /** The lines of a child's stream, read as they come. */
  private static final class Lines {
    private final List<String> lines = Collections.synchronizedList(new ArrayList<>());

    Lines(InputStream in) {
      Thread t =
          new Thread(
              () -> {
                try (BufferedReader r =
                    new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                  for (String l; (l = r.readLine()) != null; ) {
                    lines.add(l);
                  }
                } catch (IOException e) {
                  // the child is gone
                }
              });
      t.setDaemon(true);
      t.start();
    }

    List<String> snapshot() {
      synchronized (lines) {
        return new ArrayList<>(lines);
      }
    }
  }
}
