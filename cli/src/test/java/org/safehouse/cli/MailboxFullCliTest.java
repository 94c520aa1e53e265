package org.safehouse.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.safehouse.server.SafehouseServer;
import org.safehouse.server.account.Role;
import org.safehouse.server.config.Quotas;
import org.safehouse.server.testing.FakeClock;
import org.safehouse.server.testing.TestServers;

/** A send to a full mailbox says so in one line the user can act on. */
@Timeout(120)
class MailboxFullCliTest {
  private static final String FULL =
      "error: the recipient's mailbox is full; they need to come online and receive,"
          + " then send again (nothing was sent)";

  @TempDir Path dir;
  private SafehouseServer server;

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
  }

  @Test
  void sendingToAFullMailboxPrintsOneLineSayingTheRecipientMustComeOnline() throws Exception {
    server =
        SafehouseServer.start(
            TestServers.config(dir.resolve("server")).withQuotas(new Quotas(2, 64L << 20, 10, 16)),
            new FakeClock());
    CliHomes cli = new CliHomes(dir);
    cli.ok("admin", "enroll", server.createInvite(Role.ADMIN).toString());
    cli.ok("worker", "enroll", cli.ok("admin", "invite", "--role", "caseworker").out().get(0));
    String worker = cli.accountId("worker");

    CliHomes.Run refused = null;
    for (int i = 0; i < 5 && refused == null; i++) {
      CliHomes.Run r = cli.run("admin", "note " + i + "\n", "send", worker);
      if (r.exit() != 0) {
        refused = r;
      }
    }
    assertEquals(1, refused == null ? -1 : refused.exit(), "no send was refused");
    assertEquals(List.of(FULL), refused.err());
  }
}
