package org.safehouse.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.safehouse.server.SafehouseServer;
import org.safehouse.server.account.Role;
import org.safehouse.server.testing.FakeClock;
import org.safehouse.server.testing.MicroSocks;

/**
 * A blocked user's journey with the shipped jar: every command runs in a JVM that cannot resolve
 * any host name ({@code -Djdk.net.hosts.file} names an empty file), against a server whose invites
 * name it by a host name from {@code /etc/hosts} (not {@code localhost}, which the JDK answers
 * without a lookup). Without {@code --socks} the name cannot be resolved and nothing works; with
 * {@code --socks} through a real SOCKS5 proxy (microsocks) enroll, send and receive work, so the
 * proxy resolved the name and the client never did. Runs in the {@code jar-journey} execution.
 */
@Timeout(300)
class CliSocksJourneyTest {
  private static final String PASSPHRASE = "correct horse";

  @TempDir Path dir;
  private SafehouseServer server;
  private MicroSocks socks;
  private Path noHosts;

  record Run(int exit, String out, String err) {}

  @BeforeEach
  void start() throws Exception {
    Assumptions.assumeTrue(
        System.getProperty("safehouse.cli.jar") != null,
        "runs in the jar-journey execution, after package");
    noHosts = Files.writeString(dir.resolve("empty-hosts"), "");
    socks = MicroSocks.start(dir.resolve("microsocks.log"));
    server = MicroSocks.serverReachedByName(dir.resolve("server"), new FakeClock());
  }

  @AfterEach
  void stop() throws Exception {
    if (server != null) {
      server.close();
    }
    if (socks != null) {
      socks.close();
    }
  }

  @Test
  void withoutLocalNameResolutionTheJourneyWorksOnlyThroughTheProxy() throws Exception {
    String invite = server.createInvite(Role.CASEWORKER).toString();
    String name = server.publicAddress().host();
    assertTrue(invite.startsWith("safehouse://" + name + ":" + server.port() + "/"), invite);

    Run direct = jar("worker", "", "enroll", invite);
    assertNotEquals(0, direct.exit(), "a client that cannot resolve names cannot go direct");
    assertTrue(direct.err().contains(name), direct.err());
    assertFalse(Files.exists(dir.resolve("worker").resolve("store.key")), "nothing left");

    String socksAt = socks.address();
    ok("worker", "", "--socks", socksAt, "enroll", invite);
    String worker = lastWord(ok("worker", "", "whoami").out());
    String clientInvite = ok("worker", "", "--socks", socksAt, "invite").out().trim();
    assertTrue(clientInvite.startsWith("safehouse://" + name + ":"), clientInvite);
    ok("client", "", "--socks", socksAt, "enroll", clientInvite);
    String client = lastWord(ok("client", "", "whoami").out());

    ok("worker", "through the proxy\n", "--socks", socksAt, "send", client);
    Run got = ok("client", "", "--socks", socksAt, "receive", "--wait", "10");
    assertEquals(worker + "\tthrough the proxy\n", got.out());

    Run noProxy = jar("client", "", "receive", "--wait", "1");
    assertNotEquals(0, noProxy.exit(), "without the proxy the name stays unresolvable");
  }

  private Run jar(String home, String stdin, String... args) throws Exception {
    String jar = System.getProperty("safehouse.cli.jar");
    assertTrue(Files.isRegularFile(Path.of(jar)), "the CLI jar is built: " + jar);
    Path tmp = Files.createDirectories(dir.resolve("jvm-tmp"));
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(Arrays.asList("-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"));
    cmd.add("-Djava.io.tmpdir=" + tmp);
    // The JVM resolves names from this empty file only: every lookup of a name fails.
    cmd.add("-Djdk.net.hosts.file=" + noHosts);
    cmd.addAll(Arrays.asList("-jar", jar, "--home", dir.resolve(home).toString()));
    cmd.addAll(Arrays.asList(args));
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.environment().put(SafehouseCli.PASSPHRASE_ENV, PASSPHRASE);
    Process p = pb.start();
    CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> readAll(p, false));
    CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> readAll(p, true));
    try (var in = p.getOutputStream()) {
      in.write(stdin.getBytes(StandardCharsets.UTF_8));
    }
    if (!p.waitFor(120, TimeUnit.SECONDS)) {
      p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      throw new AssertionError("safehouse " + String.join(" ", args) + " did not finish");
    }
    return new Run(p.exitValue(), out.get(10, TimeUnit.SECONDS), err.get(10, TimeUnit.SECONDS));
  }

  private static String readAll(Process p, boolean err) {
    try (var s = err ? p.getErrorStream() : p.getInputStream()) {
      return new String(s.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "";
    }
  }

  private Run ok(String home, String stdin, String... args) throws Exception {
    Run r = jar(home, stdin, args);
    assertEquals(0, r.exit(), "safehouse " + String.join(" ", args) + ": " + r.err());
    return r;
  }

  private static String lastWord(String line) {
    String[] w = line.trim().split("\\s+");
    return w[w.length - 1];
  }
}
