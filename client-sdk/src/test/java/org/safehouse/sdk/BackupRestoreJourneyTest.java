package org.safehouse.sdk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.safehouse.sdk.SdkTesting.PASSPHRASE;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.safehouse.server.SafehouseServer;
import org.safehouse.server.account.Role;
import org.safehouse.server.backup.BackupCipher;
import org.safehouse.server.backup.Backups;
import org.safehouse.server.config.HostPort;
import org.safehouse.server.testing.FakeClock;
import org.safehouse.server.testing.TestServers;

/**
 * The disk of the relay is lost: the admin restores last night's backup into a new data folder, and
 * the people's phones carry on with the same pin and credentials, without a new invite.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class BackupRestoreJourneyTest {
  private static final Duration WAIT = Duration.ofSeconds(15);
  private static final char[] BACKUP_PASSPHRASE = "the admin's backup passphrase".toCharArray();

  @TempDir Path temp;
  private final FakeClock clock = new FakeClock();
  private final List<SafehouseClient> clients = new ArrayList<>();
  private SafehouseServer server;

  @AfterEach
  void stopAll() {
    clients.forEach(SafehouseClient::close);
    if (server != null) {
      server.close();
    }
  }

  private SafehouseClient enroll(String name, String link) throws Exception {
    SafehouseClient c = SafehouseClient.enroll(temp.resolve(name), PASSPHRASE, link);
    clients.add(c);
    return c;
  }

  private static String text(SafehouseClient c) throws Exception {
    List<ReceivedMessage> got = SdkTesting.receive(c, 1, WAIT);
    assertEquals(1, got.size(), "one message arrives");
    c.confirmReceived();
    return got.get(0).text();
  }

  @Test
  void afterTheDataFolderIsLostAndRestoredTheSameClientsSignInWithTheSamePinAndTalk()
      throws Exception {
    Path data = temp.resolve("server");
    server = TestServers.start(data, clock);
    SafehouseClient admin = enroll("admin", server.createInvite(Role.ADMIN).toString());
    SafehouseClient worker = enroll("worker", admin.createInvite("caseworker"));
    SafehouseClient client = enroll("client", worker.createInvite("client"));
    String adminId = admin.account().accountId();
    String workerId = worker.account().accountId();
    String clientId = client.account().accountId();
    worker.sendText(clientId, "before the disk failed", null);
    assertEquals("before the disk failed", text(client));
    String pin = server.pin();
    int port = server.port();

    Path backup = temp.resolve("relay.backup");
    Backups.create(
        server.config().adminSocket(),
        backup,
        BACKUP_PASSPHRASE,
        new BackupCipher.Cost(1, 1024, 1));

    // The disk dies; the phones stay on, with their keys and sessions, and keep trying to connect.
    server.close();
    server = null;
    try (Stream<Path> s = Files.walk(data)) {
      for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }

    Backups.restore(backup, BACKUP_PASSPHRASE, data);
    server =
        SafehouseServer.start(
            TestServers.config(data).withListen(new HostPort("127.0.0.1", port), true), clock);
    assertEquals(pin, server.pin(), "the pin in every invite and home folder still holds");

    // Each phone's own credentials sign in again (connect() skips the wait of its backoff).
    for (SafehouseClient c : clients) {
      c.connect();
    }
    SafehouseClient clientAgain = client;
    SafehouseClient workerAgain = worker;
    SafehouseClient adminAgain = admin;
    // An existing session carries on, both ways.
    workerAgain.sendText(clientId, "after the restore", null);
    assertEquals("after the restore", text(clientAgain));
    clientAgain.sendText(workerId, "thank you", null);
    assertEquals("thank you", text(workerAgain));
    // A first message to someone, built from the long-term keys the backup kept.
    adminAgain.sendText(workerId, "welcome back", null);
    assertEquals("welcome back", text(workerAgain));
    assertEquals(adminId, adminAgain.account().accountId());
  }
}
