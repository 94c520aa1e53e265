package org.safehouse.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.safehouse.server.SafehouseServer;
import org.safehouse.server.account.Role;
import org.safehouse.server.testing.FakeClock;
import org.safehouse.server.testing.TestServers;

/** A caseworker lists its open invites and cancels one from the CLI; mistakes get one line. */
@Timeout(120)
class InviteCommandsCliTest {
  @TempDir Path dir;
  private SafehouseServer server;

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
  }

  @Test
  void aCancelledInviteIsNoLongerListedAndItsLinkEnrollsNobody() throws Exception {
    server = TestServers.start(dir.resolve("server"), new FakeClock());
    CliHomes cli = new CliHomes(dir);
    cli.ok("worker", "enroll", server.createInvite(Role.CASEWORKER).toString());
    String cancelled = cli.ok("worker", "invite").line();
    String line = cli.ok("worker", "invites").line();
    assertTrue(line.matches("[0-9a-f]{16}\tclient\texpires=\\S+Z"), line);
    String id = line.substring(0, 16);
    assertFalse(cancelled.contains(id), "the id is not the code");
    String kept = cli.ok("worker", "invite").line();

    assertEquals(
        "invite cancelled; its link no longer works", cli.ok("worker", "cancel-invite", id).line());
    List<String> left = cli.ok("worker", "invites").out();
    assertEquals(1, left.size());
    assertFalse(left.get(0).startsWith(id));
    CliHomes.Run again = cli.fails("worker", "cancel-invite", id);
    assertTrue(again.err().get(0).startsWith("error: You have no open invite"), again.err().get(0));

    CliHomes.Run refused = cli.fails("client", "enroll", cancelled);
    assertTrue(refused.err().get(0).contains("ask for a new invite"), refused.err().get(0));
    cli.ok("client2", "enroll", kept);
  }
}
