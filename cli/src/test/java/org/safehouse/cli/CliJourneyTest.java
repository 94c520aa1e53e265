package org.safehouse.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.safehouse.sdk.SafehouseClient;
import org.safehouse.server.SafehouseServer;
import org.safehouse.server.account.Role;
import org.safehouse.server.testing.FakeClock;
import org.safehouse.server.testing.TestServers;

/** The journeys of the README, typed as a caseworker and a person in hiding would type them. */
@Timeout(180)
class CliJourneyTest {
  private static final Map<String, String> ENV = Map.of("SAFEHOUSE_PASSPHRASE", "correct horse");

  @TempDir Path dir;
  private SafehouseServer server;

  /** What one command printed and returned. */
  record Run(int exit, List<String> out, List<String> err) {
    String line() {
      assertEquals(1, out.size(), "expected one line, got " + out + " / " + err);
      return out.get(0);
    }
  }

  private final ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent>
      serverLog = new ch.qos.logback.core.read.ListAppender<>();

  @BeforeEach
  void start() throws Exception {
    // Everything the server logs, at every level of its own loggers, is kept for a scan.
    var root =
        (ch.qos.logback.classic.Logger)
            org.slf4j.LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    ((ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger("org.safehouse"))
        .setLevel(ch.qos.logback.classic.Level.TRACE);
    serverLog.start();
    root.addAppender(serverLog);
    server = TestServers.start(dir.resolve("server"), new FakeClock());
  }

  @AfterEach
  void stop() {
    server.close();
    var root =
        (ch.qos.logback.classic.Logger)
            org.slf4j.LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    root.detachAppender(serverLog);
  }

  private Run cli(String home, Map<String, String> env, String... args) {
    return withInput(home, env, "", args);
  }

  /** Runs one command with {@code stdin} as its standard input. */
  private Run withInput(String home, Map<String, String> env, String stdin, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    String[] full =
        Stream.concat(Stream.of("--home", dir.resolve(home).toString()), Stream.of(args))
            .toArray(String[]::new);
    int exit =
        SafehouseCli.run(
            new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)),
            new PrintWriter(out, true),
            new PrintWriter(err, true),
            env,
            full);
    // Split on \n only: a stray \r or U+2028 in the output must show up as part of a line.
    return new Run(exit, splitLines(out.toString()), splitLines(err.toString()));
  }

  private static List<String> splitLines(String s) {
    List<String> lines = new ArrayList<>(List.of(s.split("\n", -1)));
    if (lines.get(lines.size() - 1).isEmpty()) {
      lines.remove(lines.size() - 1);
    }
    return lines;
  }

  private Run ok(String home, String... args) {
    Run r = cli(home, ENV, args);
    assertEquals(0, r.exit(), "safehouse " + String.join(" ", args) + ": " + r.err());
    return r;
  }

  /** {@code printf '%s\n' TEXT | safehouse --home HOME send PEER EXTRA...}, which must succeed. */
  private Run send(String home, String peer, String text, String... extra) {
    String[] args = Stream.concat(Stream.of("send", peer), Stream.of(extra)).toArray(String[]::new);
    Run r = withInput(home, ENV, text + "\n", args);
    assertEquals(0, r.exit(), "safehouse send " + peer + ": " + r.err());
    return r;
  }

  private static String lastWord(String line) {
    String[] w = line.trim().split("\\s+");
    return w[w.length - 1];
  }

  @Test
  void caseworkerAndPersonInHidingTalkFromAFreshServer() throws Exception {
    // The admin enrolls with the first invite and invites a caseworker.
    ok("admin", "enroll", server.createInvite(Role.ADMIN).toString());
    String caseworkerLink = ok("admin", "invite", "--role", "caseworker").line();
    assertTrue(caseworkerLink.startsWith("safehouse://"), caseworkerLink);
    ok("worker", "enroll", caseworkerLink);
    String worker = lastWord(ok("worker", "whoami").line());

    // The caseworker invites a person in hiding, who enrolls.
    String clientLink = ok("worker", "invite").line();
    ok("client", "enroll", clientLink);
    String client = lastWord(ok("client", "whoami").line());
    assertTrue(ok("client", "whoami").line().startsWith("client "));

    // Each sees the other; the client sees only its caseworker.
    List<String> clientContacts = ok("client", "contacts").out();
    assertEquals(1, clientContacts.size());
    // The client enrolled with the caseworker's own invite, which named its identity.
    assertEquals(worker + "\tcaseworker\tverified-by-invite", clientContacts.get(0));
    assertTrue(ok("worker", "contacts").out().stream().anyMatch(l -> l.startsWith(client + "\t")));

    // Offline delivery: the client is not connected while the caseworker sends.
    send("worker", client, "MARKER-7f3a your visa appointment is on Tuesday");
    Run got = ok("client", "receive", "--wait", "5");
    assertEquals(List.of(worker + "\tMARKER-7f3a your visa appointment is on Tuesday"), got.out());
    send("client", worker, "MARKER-7f3a thank you", "--ttl", "2h");
    assertEquals(
        List.of(client + "\tMARKER-7f3a thank you"), ok("worker", "receive", "--wait", "5").out());
    assertEquals(List.of(), ok("client", "receive", "--wait", "1").out(), "nothing twice");

    // Both sides compute the same safety number.
    assertEquals(
        ok("worker", "safety-number", client).line(), ok("client", "safety-number", worker).line());

    // No plaintext in the server's files or log, or in any client home.
    for (String folder : List.of("server", "worker", "client", "admin")) {
      assertNoMarker(dir.resolve(folder), "MARKER-7f3a");
    }
    for (var event : serverLog.list) {
      String line = event.getFormattedMessage() + " " + event.getThrowableProxy();
      assertFalse(line.contains("MARKER-7f3a"), "plaintext in the server log: " + line);
      assertFalse(line.contains(client) || line.contains(worker), "account id in the log: " + line);
    }
  }

  @Test
  void oneReceivePrintsAllTenMessagesSentWhileTheClientWasAway() throws Exception {
    ok("worker", "enroll", server.createInvite(Role.CASEWORKER).toString());
    ok("client", "enroll", ok("worker", "invite").line());
    String worker = lastWord(ok("worker", "whoami").line());
    String client = lastWord(ok("client", "whoami").line());
    List<String> expected = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      send("worker", client, "away " + i);
      expected.add(worker + "\taway " + i);
    }

    assertEquals(expected, ok("client", "receive", "--wait", "10").out(), "all 10 in one call");
    assertEquals(List.of(), ok("client", "receive", "--wait", "1").out(), "and none twice");
  }

  @Test
  void mistakesGetOneLineAndANonZeroExit() throws Exception {
    ok("worker", "enroll", server.createInvite(Role.CASEWORKER).toString());
    Run wrong = cli("worker", Map.of("SAFEHOUSE_PASSPHRASE", "wrong"), "whoami");
    assertEquals(1, wrong.exit());
    assertEquals(1, wrong.err().size());
    assertTrue(wrong.err().get(0).contains("passphrase"), wrong.err().get(0));

    Run noAccount = cli("nobody", ENV, "whoami");
    assertEquals(1, noAccount.exit());
    assertEquals(1, noAccount.err().size(), noAccount.err().toString());

    Run badTtl = withInput("worker", ENV, "hi", "send", "00", "--ttl", "soon");
    assertFalse(badTtl.exit() == 0);
    assertEquals(1, badTtl.err().size(), badTtl.err().toString());

    Run unknownPeer = withInput("worker", ENV, "hi", "send", "0".repeat(32));
    assertEquals(1, unknownPeer.exit());
    assertEquals(1, unknownPeer.err().size(), unknownPeer.err().toString());

    Run usage = cli("worker", ENV, "frobnicate");
    assertEquals(2, usage.exit());
    assertEquals(1, usage.err().size(), usage.err().toString());

    String link = server.createInvite(Role.CASEWORKER).toString();
    String tampered = link.replaceFirst("pin=.", link.contains("pin=A") ? "pin=B" : "pin=A");
    Run badPin = cli("other", ENV, "enroll", tampered);
    assertEquals(1, badPin.exit());
    assertEquals(1, badPin.err().size(), badPin.err().toString());
  }

  @Test
  void sendTakesTheTextFromStandardInputAndRefusesItOnTheCommandLine() throws Exception {
    ok("worker", "enroll", server.createInvite(Role.CASEWORKER).toString());
    ok("client", "enroll", ok("worker", "invite").line());
    String worker = lastWord(ok("worker", "whoami").line());
    String client = lastWord(ok("client", "whoami").line());

    Run old = withInput("worker", ENV, "", "send", client, "where I live");
    assertEquals(2, old.exit());
    assertEquals(1, old.err().size(), old.err().toString());
    assertTrue(old.err().get(0).contains("pipe it in or type it at the prompt"), old.err().get(0));
    Run empty = withInput("worker", ENV, "", "send", client);
    assertEquals(1, empty.exit());
    assertEquals(1, empty.err().size(), empty.err().toString());
    assertEquals(List.of(), ok("client", "receive", "--wait", "1").out(), "nothing was sent");

    // Several lines on standard input are one message; only the final line end is dropped.
    send("worker", client, "first line\nsecond line");
    assertEquals(
        List.of(worker + "\tfirst line\\nsecond line"),
        ok("client", "receive", "--wait", "5").out());
  }

  @Test
  void controlCharactersFromAContactArePrintedEscapedOnOneLine() throws Exception {
    ok("worker", "enroll", server.createInvite(Role.CASEWORKER).toString());
    ok("client", "enroll", ok("worker", "invite").line());
    String worker = lastWord(ok("worker", "whoami").line());
    String client = lastWord(ok("client", "whoami").line());

    String hostile =
        "a\u001b[2Jb\rc\nfake-line\u202ed\u2066e\u2069f\u2028g\u2029h\u0085i\u009b1m\u007fj\\k\tl\u0000m";
    send("worker", client, hostile);
    Run got = ok("client", "receive", "--wait", "5");
    assertEquals(
        List.of(
            worker
                + "\ta\\x1b[2Jb\\rc\\nfake-line\\u202ed\\u2066e\\u2069f\\u2028g\\u2029h\\x85i\\x9b1m\\x7fj\\\\k\\tl\\x00m"),
        got.out());
    assertNoControlCharacters(got.out());

    // A display name comes from the contact too.
    try (SafehouseClient sdk =
        SafehouseClient.open(
            dir.resolve("worker"), ENV.get("SAFEHOUSE_PASSPHRASE").toCharArray())) {
      sdk.connect();
      sdk.setDisplayName("Case\u001b]0;owned\u0007worker\u202e");
    }
    List<String> contacts = ok("client", "contacts").out();
    for (int i = 0; i < 20 && !contacts.get(0).contains("\tCase"); i++) {
      ok("client", "receive", "--wait", "1"); // the profile is taken in while connected
      contacts = ok("client", "contacts").out();
    }
    assertEquals(
        List.of(worker + "\tcaseworker\tverified-by-invite\tCase\\x1b]0;owned\\x07worker\\u202e"),
        contacts);
    assertNoControlCharacters(contacts);
  }

  @Test
  void aColleagueIsUnverifiedUntilTheSafetyNumberIsComparedAndVerified() throws Exception {
    ok("worker", "enroll", server.createInvite(Role.CASEWORKER).toString());
    ok("other", "enroll", server.createInvite(Role.CASEWORKER).toString());
    String other = lastWord(ok("other", "whoami").line());
    assertEquals(List.of(other + "\tcaseworker\tunverified"), ok("worker", "contacts").out());
    Run tooEarly = cli("worker", ENV, "verify", other);
    assertEquals(1, tooEarly.exit());
    assertTrue(tooEarly.err().get(0).contains("safety number"), tooEarly.err().toString());

    assertTrue(ok("worker", "safety-number", other).line().matches("(\\d{5} ){11}\\d{5}"));
    assertEquals(List.of(other + "\tverified"), ok("worker", "verify", other).out());
    assertEquals(List.of(other + "\tcaseworker\tverified"), ok("worker", "contacts").out());
  }

  static void assertNoControlCharacters(List<String> lines) {
    for (String line : lines) {
      line.codePoints()
          .forEach(
              cp ->
                  assertFalse(
                      cp != '\t'
                          && (Character.getType(cp) == Character.CONTROL
                              || Character.getType(cp) == Character.FORMAT
                              || cp == 0x2028
                              || cp == 0x2029),
                      "U+" + Integer.toHexString(cp) + " printed in " + line));
    }
  }

  @Test
  void deleteAccountRemovesItOnTheServerAndWipesTheDevice() throws Exception {
    ok("worker", "enroll", server.createInvite(Role.CASEWORKER).toString());
    ok("client", "enroll", ok("worker", "invite").line());
    long accounts = server.store().counters().accounts();
    ok("client", "delete-account");
    assertEquals(accounts - 1, server.store().counters().accounts());
    assertFalse(Files.exists(dir.resolve("client")) && hasFiles(dir.resolve("client")));
    assertEquals(
        List.of(),
        ok("worker", "contacts").out().stream().filter(l -> l.contains("\tclient")).toList());
  }

  private static boolean hasFiles(Path p) throws IOException {
    try (Stream<Path> s = Files.walk(p)) {
      return s.anyMatch(Files::isRegularFile);
    }
  }

  static void assertNoMarker(Path root, String marker) throws IOException {
    byte[] needle = marker.getBytes(StandardCharsets.UTF_8);
    try (Stream<Path> files = Files.walk(root)) {
      for (Path f : files.filter(Files::isRegularFile).toList()) {
        byte[] b = Files.readAllBytes(f);
        for (int i = 0; i + needle.length <= b.length; i++) {
          int j = 0;
          while (j < needle.length && b[i + j] == needle[j]) {
            j++;
          }
          assertFalse(j == needle.length, "plaintext marker found in " + f);
        }
      }
    }
  }
}
