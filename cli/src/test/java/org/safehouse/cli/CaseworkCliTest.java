package org.safehouse.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
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
  @TempDir Path dir;
  private SafehouseServer server;
  private CliHomes cli;

  @BeforeEach
  void start() throws Exception {
    server = TestServers.start(dir.resolve("server"), new FakeClock());
    cli = new CliHomes(dir);
  }

  @AfterEach
  void stop() {
    server.close();
  }

  @Test
  void aCaseIsHandedOverThenClosed() throws Exception {
    cli.ok("admin", "enroll", server.createInvite(Role.ADMIN).toString());
    cli.ok("worker", "enroll", cli.ok("admin", "invite", "--role", "caseworker").line());
    cli.ok("next", "enroll", cli.ok("admin", "invite", "--role", "caseworker").line());
    String worker = cli.accountId("worker");
    String next = cli.accountId("next");
    cli.ok("client", "enroll", cli.ok("worker", "invite").line());
    String client = cli.accountId("client");

    // The invite opened a case; the caseworker sees it with its client.
    String line = cli.ok("worker", "cases").line();
    assertTrue(line.matches("[0-9a-f]{32}\t" + client), line);
    String caseId = line.substring(0, 32);
    assertEquals(List.of(), cli.ok("next", "cases").out());
    assertEquals(List.of(), cli.ok("client", "cases").out());
    assertEquals(0, cli.send("worker", client, "first words").exit());
    assertEquals(
        List.of(worker + "\tfirst words"), cli.ok("client", "receive", "--wait", "5").out());

    // Someone else's case and a case that does not exist get the same answer.
    CliHomes.Run foreign = cli.fails("next", "close-case", caseId);
    CliHomes.Run none = cli.fails("next", "close-case", "0".repeat(32));
    assertEquals(none.err(), foreign.err());

    // Hand-over: the new caseworker takes the conversation on; the old one is cut off.
    assertEquals(0, cli.ok("worker", "handover", caseId, next).exit());
    assertEquals(List.of(), cli.ok("worker", "cases").out());
    CliHomes.Run cutOff = cli.send("worker", client, "are you there?");
    CliHomes.Run unknown = cli.send("worker", "0".repeat(32), "are you there?");
    assertEquals(1, cutOff.exit());
    assertEquals(1, cutOff.err().size(), cutOff.err().toString());
    assertEquals(unknown.err(), cutOff.err());
    assertEquals(List.of(caseId + "\t" + client), cli.ok("next", "cases").out());
    assertEquals(0, cli.send("next", client, "hello, I am your new caseworker").exit());
    assertEquals(
        List.of(next + "\thello, I am your new caseworker"),
        cli.ok("client", "receive", "--wait", "5").out());
    List<String> contacts = cli.ok("client", "contacts").out();
    // The new caseworker made no invite for this client: unverified until the number is compared.
    assertEquals(List.of(next + "\tcaseworker\tunverified"), contacts);
    assertEquals(0, cli.send("client", next, "thank you").exit());
    assertEquals(List.of(client + "\tthank you"), cli.ok("next", "receive", "--wait", "5").out());

    // Closing: the client's account is gone on the server.
    cli.ok("next", "close-case", caseId);
    assertEquals(List.of(), cli.ok("next", "cases").out());
    assertTrue(cli.ok("next", "contacts").out().stream().noneMatch(l -> l.startsWith(client)));
    assertEquals(1, cli.run("client", "", "receive", "--wait", "1").exit());
    cli.fails("next", "close-case", caseId);
  }
}
