package org.safehouse.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
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
  private static final Map<String, String> ENV = Map.of("SAFEHOUSE_PASSPHRASE", "correct horse");
  private static final String FULL =
      "error: the recipient's mailbox is full; they need to come online and receive,"
          + " then send again (nothing was sent)";

  @TempDir Path dir;
  private SafehouseServer server;

  record Run(int exit, List<String> out, List<String> err) {}

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
  }

  private Run cli(String home, String stdin, String... args) {
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

  private Run ok(String home, String... args) {
    Run r = cli(home, "", args);
    assertEquals(0, r.exit(), "safehouse " + String.join(" ", args) + ": " + r.err());
    return r;
  }

  @Test
  void sendingToAFullMailboxPrintsOneLineSayingTheRecipientMustComeOnline() throws Exception {
    server =
        SafehouseServer.start(
            TestServers.config(dir.resolve("server")).withQuotas(new Quotas(2, 64L << 20, 10, 16)),
            new FakeClock());
    ok("admin", "enroll", server.createInvite(Role.ADMIN).toString());
    ok("worker", "enroll", ok("admin", "invite", "--role", "caseworker").out().get(0));
    String[] whoami = ok("worker", "whoami").out().get(0).trim().split("\\s+");
    String worker = whoami[whoami.length - 1];

    Run refused = null;
    for (int i = 0; i < 5 && refused == null; i++) {
      Run r = cli("admin", "note " + i + "\n", "send", worker);
      if (r.exit() != 0) {
        refused = r;
      }
    }
    assertEquals(1, refused == null ? -1 : refused.exit(), "no send was refused");
    assertEquals(List.of(FULL), refused.err());
  }
}
