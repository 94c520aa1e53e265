package org.safehouse.console;

import java.nio.file.Path;
import org.safehouse.sdk.SafehouseClient;
import org.safehouse.server.SafehouseServer;
import org.safehouse.server.account.Role;
import org.safehouse.server.testing.FakeClock;
import org.safehouse.server.testing.TestServers;

/** A real relay on loopback with an admin, and helpers to enroll real SDK devices on it. */
final class Relay implements AutoCloseable {
  static final String PASSPHRASE = "correct horse battery";

  final SafehouseServer server;
  final Path dir;
  final SafehouseClient admin;

  Relay(Path dir) throws Exception {
    this.dir = dir;
    server = TestServers.start(dir.resolve("server"), new FakeClock());
    admin =
        SafehouseClient.enroll(
            dir.resolve("admin"),
            PASSPHRASE.toCharArray(),
            server.createInvite(Role.ADMIN).toString());
  }

  /** A caseworker's home, enrolled through the admin and closed again (for a console to open). */
  Path caseworkerHome(String name) throws Exception {
    Path home = dir.resolve(name);
    try (SafehouseClient c =
        SafehouseClient.enroll(home, PASSPHRASE.toCharArray(), admin.createInvite("caseworker"))) {
      c.setDisplayName(name);
    }
    return home;
  }

  /** A connected client device enrolled with {@code inviteLink}. */
  SafehouseClient client(String name, String inviteLink) throws Exception {
    return SafehouseClient.enroll(dir.resolve(name), PASSPHRASE.toCharArray(), inviteLink);
  }

  @Override
  public void close() {
    admin.close();
    server.close();
  }
}
