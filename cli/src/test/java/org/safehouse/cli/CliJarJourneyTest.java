package org.safehouse.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
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
import org.safehouse.server.testing.TestServers;

/**
 * The shipped jar ({@code cli/target/safehouse.jar}) as a person runs it, one process per command,
 * with the message on standard input. Runs after {@code package} (the {@code jar-journey} execution
 * in the pom), against a real server in this JVM.
 */
@Timeout(300)
class CliJarJourneyTest {
  private static final String PASSPHRASE = "correct horse";

  @TempDir Path dir;
  private SafehouseServer server;

  record Run(int exit, String out, String err) {
    List<String> lines() {
      return out.isEmpty() ? List.of() : List.of(out.split("\n"));
    }
  }

  @BeforeEach
  void start() throws Exception {
    Assumptions.assumeTrue(
        System.getProperty("safehouse.cli.jar") != null,
        "runs in the jar-journey execution, after package");
    server = TestServers.start(dir.resolve("server"), new FakeClock());
  }

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
  }

  private Run jar(String home, String stdin, String... args) throws Exception {
    String jar = System.getProperty("safehouse.cli.jar");
    assertTrue(Files.isRegularFile(Path.of(jar)), "the CLI jar is built: " + jar);
    Path tmp = Files.createDirectories(dir.resolve("jvm-tmp"));
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(List.of("-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"));
    cmd.add("-Djava.io.tmpdir=" + tmp);
    cmd.addAll(List.of("-jar", jar, "--home", dir.resolve(home).toString()));
    cmd.addAll(List.of(args));
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

  @Test
  void aHostileMessageSentThroughStandardInputArrivesEscapedOnOneLine() throws Exception {
    ok("worker", "", "enroll", server.createInvite(Role.CASEWORKER).toString());
    String worker = lastWord(ok("worker", "", "whoami").out());
    ok("client", "", "enroll", ok("worker", "", "invite").out().trim());
    String client = lastWord(ok("client", "", "whoami").out());
    assertEquals(
        List.of(worker + "\tcaseworker\tverified-by-invite"), ok("client", "", "contacts").lines());

    // The old form, with the text where ps and shell history see it, is refused in one line.
    Run old = jar("worker", "", "send", client, "where I live");
    assertEquals(2, old.exit());
    assertEquals(1, old.err().lines().count(), old.err());
    assertTrue(old.err().contains("pipe it in or type it at the prompt"), old.err());

    ok("worker", "meet at noon\u001b[2J\rdone\nfake\u202eline\n", "send", client);
    Run got = ok("client", "", "receive", "--wait", "5");
    assertEquals(
        worker + "\tmeet at noon\\x1b[2J\\rdone\\nfake\\u202eline\n",
        got.out(),
        "one line, escaped");
    CliJourneyTest.assertNoControlCharacters(got.lines());
  }
}
