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
  private final FakeClock clock = new FakeClock();

  @BeforeEach
  void start() throws Exception {
    Assumptions.assumeTrue(
        System.getProperty("safehouse.cli.jar") != null,
        "runs in the jar-journey execution, after package");
    server = TestServers.start(dir.resolve("server"), clock);
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
  void aHostileMessageArrivesEscapedAFileArrivesWholeAndTheCaseConversationAndCheckInsWork()
      throws Exception {
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

    // A file: sent from one process, listed and downloaded in others, progress on one line.
    byte[] file = new byte[300_000];
    new java.util.Random(3).nextBytes(file);
    Path source = dir.resolve("ticket.pdf");
    java.nio.file.Files.write(source, file);

    ShippedJars.Run sent = ok("worker", "", "send-file", "--progress", client, source.toString());
    String id = sent.out().trim();
    assertTrue(id.matches("[0-9a-f]{32}"), sent.out());
    assertTrue(sent.err().contains("\ruploading 100% of 300000 bytes"), sent.err());
    assertEquals(1, sent.err().chars().filter(c -> c == '\n').count(), "one line: " + sent.err());

    ShippedJars.Run gotFile = ok("client", "", "receive", "--wait", "5");
    assertTrue(gotFile.out().contains("[file " + id + " 300000 bytes]"), gotFile.out());
    assertEquals(
        List.of(id + "\t" + worker + "\t300000\tticket.pdf"), ok("client", "", "files").lines());
    Path target = dir.resolve("received.pdf");
    ShippedJars.Run down =
        ok("client", "", "download", "--progress", "--to", target.toString(), id);
    assertTrue(down.err().contains("downloading 100%"), down.err());
    org.junit.jupiter.api.Assertions.assertArrayEquals(
        file, java.nio.file.Files.readAllBytes(target));
    assertEquals(List.of(), ok("client", "", "files").lines(), "downloaded: no longer listed");

    // The case conversation, a schedule, a check-in and a missed one (issue 16), on the same two
    // enrolled homes: every extra process costs seconds.
    String caseId = ok("worker", "", "cases").out().trim().split("\t")[0];
    String set = ok("worker", "", "schedule", caseId, "--every", "24h", "--grace", "1h").out();
    assertTrue(set.contains("check in every PT24H"), set);
    assertEquals(
        "sent to 1 member(s) of the case\n",
        ok("client", "we are moving tonight\n", "send-case").out());
    assertTrue(ok("client", "", "checkin").out().startsWith("checked in; next check-in due by"));
    String texts = ok("worker", "", "receive", "--wait", "5").out();
    assertTrue(texts.contains(client + "\twe are moving tonight"), texts);
    clock.advance(java.time.Duration.ofHours(26));
    assertEquals(1, server.checkInSweeper().sweep().get());
    List<String> alerts = ok("worker", "", "alerts", "--wait", "10").lines();
    assertEquals(2, alerts.size(), alerts.toString());
    assertTrue(alerts.get(0).startsWith("checked-in\t" + caseId + "\t" + client), alerts.get(0));
    assertTrue(alerts.get(1).startsWith("MISSED-CHECK-IN\t" + caseId), alerts.get(1));
  }

  @Test
  void theShippedJarListsAnOpenInviteAndCancelsIt() throws Exception {
    ok("worker", "", "enroll", server.createInvite(Role.CASEWORKER).toString());
    String link = ok("worker", "", "invite").out().trim();
    String line = ok("worker", "", "invites").out().trim();
    assertTrue(line.matches("[0-9a-f]{16}\tclient\texpires=\\S+"), line);
    assertEquals(
        "invite cancelled; its link no longer works\n",
        ok("worker", "", "cancel-invite", line.substring(0, 16)).out());
    ShippedJars.Run refused = jar("client", "", "enroll", link);
    assertEquals(1, refused.exit());
    assertEquals(1, refused.err().lines().count(), refused.err());
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
