package org.safehouse.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.safehouse.server.SafehouseServer;
import org.safehouse.server.account.Role;
import org.safehouse.server.testing.FakeClock;
import org.safehouse.server.testing.TestServers;

/** The casework journey of the README: cases, hand-over and closing a case, from the CLI. */
@Timeout(180)
class CaseworkCliTest {
  private static final Map<String, String> ENV = Map.of("SAFEHOUSE_PASSPHRASE", "correct horse");

  @TempDir Path dir;
  private SafehouseServer server;

  record Run(int exit, List<String> out, List<String> err) {
    String line() {
      assertEquals(1, out.size(), "expected one line, got " + out + " / " + err);
      return out.get(0);
    }
  }

  @BeforeEach
  void start() throws Exception {
    server = TestServers.start(dir.resolve("server"), new FakeClock());
  }

  @AfterEach
  void stop() {
    server.close();
  }

  private Run cli(String home, String... args) {
    return cliWithInput(home, "", args);
  }

  /** Runs one command with {@code stdin} as its standard input. */
  private Run cliWithInput(String home, String stdin, String... args) {
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
            ENV,
            full);
    return new Run(exit, out.toString().lines().toList(), err.toString().lines().toList());
  }

  /** {@code echo TEXT | safehouse --home HOME send PEER}. */
  private Run send(String home, String peer, String text) {
    return cliWithInput(home, text + "\n", "send", peer);
  }

  private Run ok(String home, String... args) {
    Run r = cli(home, args);
    assertEquals(0, r.exit(), "safehouse " + String.join(" ", args) + ": " + r.err());
    return r;
  }

  private Run fails(String home, String... args) {
    Run r = cli(home, args);
    assertEquals(1, r.exit(), "safehouse " + String.join(" ", args) + " should fail: " + r.out());
    assertEquals(1, r.err().size(), r.err().toString());
    return r;
  }

  private static String lastWord(String line) {
    String[] w = line.trim().split("\\s+");
    return w[w.length - 1];
  }

  @Test
  void aCaseIsHandedOverThenClosed() throws Exception {
    ok("admin", "enroll", server.createInvite(Role.ADMIN).toString());
    ok("worker", "enroll", ok("admin", "invite", "--role", "caseworker").line());
    ok("next", "enroll", ok("admin", "invite", "--role", "caseworker").line());
    String worker = lastWord(ok("worker", "whoami").line());
    String next = lastWord(ok("next", "whoami").line());
    ok("client", "enroll", ok("worker", "invite").line());
    String client = lastWord(ok("client", "whoami").line());

    // The invite opened a case; the caseworker sees it with its client.
    String line = ok("worker", "cases").line();
    assertTrue(line.matches("[0-9a-f]{32}\t" + client), line);
    String caseId = line.substring(0, 32);
    assertEquals(List.of(), ok("next", "cases").out());
    assertEquals(List.of(), ok("client", "cases").out());
    assertEquals(0, send("worker", client, "first words").exit());
    assertEquals(List.of(worker + "\tfirst words"), ok("client", "receive", "--wait", "5").out());

    // Someone else's case and a case that does not exist get the same answer.
    Run foreign = fails("next", "close-case", caseId);
    Run none = fails("next", "close-case", "0".repeat(32));
    assertEquals(none.err(), foreign.err());

    // Hand-over: the new caseworker takes the conversation on; the old one is cut off.
    assertEquals(0, ok("worker", "handover", caseId, next).exit());
    assertEquals(List.of(), ok("worker", "cases").out());
    Run cutOff = send("worker", client, "are you there?");
    Run unknown = send("worker", "0".repeat(32), "are you there?");
    assertEquals(1, cutOff.exit());
    assertEquals(1, cutOff.err().size(), cutOff.err().toString());
    assertEquals(unknown.err(), cutOff.err());
    assertEquals(List.of(caseId + "\t" + client), ok("next", "cases").out());
    assertEquals(0, send("next", client, "hello, I am your new caseworker").exit());
    assertEquals(
        List.of(next + "\thello, I am your new caseworker"),
        ok("client", "receive", "--wait", "5").out());
    List<String> contacts = ok("client", "contacts").out();
    // The new caseworker made no invite for this client: unverified until the number is compared.
    assertEquals(List.of(next + "\tcaseworker\tunverified"), contacts);
    assertEquals(0, send("client", next, "thank you").exit());
    assertEquals(List.of(client + "\tthank you"), ok("next", "receive", "--wait", "5").out());

    // Closing: the client's account is gone on the server.
    ok("next", "close-case", caseId);
    assertEquals(List.of(), ok("next", "cases").out());
    assertTrue(ok("next", "contacts").out().stream().noneMatch(l -> l.startsWith(client)));
    assertEquals(1, cli("client", "receive", "--wait", "1").exit());
    fails("next", "close-case", caseId);
  }
}
