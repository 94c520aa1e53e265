package org.safehouse.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
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

  private ShippedJars.Run jar(String home, String stdin, String... args) throws Exception {
    List<String> all = new ArrayList<>(List.of("--home", dir.resolve(home).toString()));
    all.addAll(List.of(args));
    return ShippedJars.run(
        ShippedJars.jar(ShippedJars.CLI),
        dir,
        Map.of(SafehouseCli.PASSPHRASE_ENV, PASSPHRASE),
        stdin,
        all);
  }

  private ShippedJars.Run ok(String home, String stdin, String... args) throws Exception {
    ShippedJars.Run r = jar(home, stdin, args);
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
    ShippedJars.Run old = jar("worker", "", "send", client, "where I live");
    assertEquals(2, old.exit());
    assertEquals(1, old.err().lines().count(), old.err());
    assertTrue(old.err().contains("pipe it in or type it at the prompt"), old.err());

    ok("worker", "meet at noon\u001b[2J\rdone\nfake\u202eline\n", "send", client);
    ShippedJars.Run got = ok("client", "", "receive", "--wait", "5");
    assertEquals(
        worker + "\tmeet at noon\\x1b[2J\\rdone\\nfake\\u202eline\n",
        got.out(),
        "one line, escaped");
    CliJourneyTest.assertNoControlCharacters(got.lines());
  }

  @Test
  void aSecondDeviceLinkedWithTheShippedJarReceivesToo() throws Exception {
    ok("phone", "", "enroll", server.createInvite(Role.CASEWORKER).toString());
    ok("colleague", "", "enroll", server.createInvite(Role.ADMIN).toString());
    String me = lastWord(ok("phone", "", "whoami").out());
    String colleague = lastWord(ok("colleague", "", "whoami").out());
    String serverLink = ok("phone", "", "server-link").out().trim();

    // The new device's `link` runs until approved; its code is read from its output as it runs.
    ProcessBuilder pb =
        new ProcessBuilder(
            ShippedJars.command(
                ShippedJars.jar(ShippedJars.CLI),
                dir,
                List.of(
                    "--home",
                    dir.resolve("laptop").toString(),
                    "link",
                    serverLink,
                    "--wait",
                    "90s")));
    pb.environment().put(SafehouseCli.PASSPHRASE_ENV, PASSPHRASE);
    pb.redirectErrorStream(true);
    Process linking = pb.start();
    try {
      linking.getOutputStream().close();
      java.io.BufferedReader out =
          new java.io.BufferedReader(
              new java.io.InputStreamReader(
                  linking.getInputStream(), java.nio.charset.StandardCharsets.UTF_8));
      String code = null;
      for (String line = out.readLine(); line != null && code == null; line = out.readLine()) {
        if (line.startsWith("link code: ")) {
          code = line.substring("link code: ".length());
        }
      }
      assertTrue(code != null, "the new device printed its link code");
      assertEquals("approved as device 2\n", ok("phone", "", "approve-link", code).out());
      String rest = new String(linking.getInputStream().readAllBytes(), "UTF-8");
      assertTrue(linking.waitFor(60, java.util.concurrent.TimeUnit.SECONDS), "link finished");
      assertEquals(0, linking.exitValue(), rest);
      assertTrue(rest.contains("linked as device 2 of caseworker " + me), rest);
    } finally {
      linking.destroyForcibly();
    }

    ok("colleague", "to both of my devices\n", "send", me);
    assertEquals(
        colleague + "\tto both of my devices\n", ok("phone", "", "receive", "--wait", "5").out());
    assertEquals(
        colleague + "\tto both of my devices\n", ok("laptop", "", "receive", "--wait", "5").out());
  }
}
