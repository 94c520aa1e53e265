package org.safehouse.sdk;

import static org.safehouse.sdk.SdkTesting.PASSPHRASE;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.safehouse.server.SafehouseServer;
import org.safehouse.server.testing.FakeClock;
import org.safehouse.server.testing.TestServers;

/**
 * The set-up SDK tests share: a folder, a fake clock, a real server in {@code temp/server} (started
 * by {@link #startServer()}, or by the test its own way) and the clients a test opens, all closed
 * after each test.
 */
abstract class ServerAndClients {
  @TempDir Path temp;
  final FakeClock clock = new FakeClock();
  SafehouseServer server;
  final List<SafehouseClient> clients = new ArrayList<>();

  @AfterEach
  void stopAll() {
    clients.forEach(SafehouseClient::close);
    if (server != null) {
      server.close();
    }
  }

  /** Starts the real server in {@code temp/server} on {@link #clock}. */
  void startServer() throws Exception {
    server = TestServers.start(temp.resolve("server"), clock);
  }

  /** Enrolls a client in {@code temp/name} with the invite {@code link}. */
  SafehouseClient enroll(String name, String link) throws Exception {
    return keep(SafehouseClient.enroll(temp.resolve(name), PASSPHRASE, link));
  }

  /** Closes {@code client} after the test. */
  SafehouseClient keep(SafehouseClient client) {
    clients.add(client);
    return client;
  }
}
