package org.safehouse.server.backup;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.safehouse.protocol.wire.Delivery;
import org.safehouse.protocol.wire.ErrorCode;
import org.safehouse.server.SafehouseServer;
import org.safehouse.server.account.AccountId;
import org.safehouse.server.account.AccountRecord;
import org.safehouse.server.account.DeviceAddress;
import org.safehouse.server.account.Role;
import org.safehouse.server.cases.CaseRecord;
import org.safehouse.server.config.HostPort;
import org.safehouse.server.store.RelayStore;
import org.safehouse.server.store.StoreInspector;
import org.safehouse.server.testing.FakeClock;
import org.safehouse.server.testing.RawClient;
import org.safehouse.server.testing.TestServers;

/** {@code admin backup} and {@code restore}, against a real server and its admin socket. */
@Timeout(90)
class BackupRestoreTest {
  static final char[] PASSPHRASE = "a long backup passphrase".toCharArray();
  // Cheap Argon2 for tests; the header carries the cost, so restore uses the same.
  static final BackupCipher.Cost CHEAP = new BackupCipher.Cost(1, 1024, 1);
  private static final Duration WAIT = Duration.ofSeconds(10);

  @TempDir Path dir;
  private final FakeClock clock = new FakeClock();
  private final List<AutoCloseable> open = new ArrayList<>();

  @AfterEach
  void closeAll() throws Exception {
    for (AutoCloseable c : open) {
      c.close();
    }
  }

  private SafehouseServer start(Path data) throws Exception {
    SafehouseServer s = TestServers.start(data, clock);
    open.add(s);
    return s;
  }

  private SafehouseServer startOn(Path data, int port) throws Exception {
    SafehouseServer s =
        SafehouseServer.start(
            TestServers.config(data).withListen(new HostPort("127.0.0.1", port), true), clock);
    open.add(s);
    return s;
  }

  private static long backup(SafehouseServer server, Path file) throws Exception {
    return Backups.create(server.config().adminSocket(), file, PASSPHRASE, CHEAP);
  }

  private static byte[] plaintext(Path file) throws Exception {
    try (InputStream in = BackupCipher.decrypting(Files.newInputStream(file), PASSPHRASE)) {
      return in.readAllBytes();
    }
  }

  @Test
  void aRestoredServerHasTheSamePinSecretAccountsAndCasesButNoQueuedMessage() throws Exception {
    Path data = dir.resolve("data");
    SafehouseServer server = start(data);
    RawClient.Device worker = TestServers.enroll(server, Role.CASEWORKER);
    RawClient.Device client = TestServers.enrollClient(server, worker);
    byte[] queued = "QUEUED-CIPHERTEXT-4b1d-never-in-a-backup".getBytes(StandardCharsets.UTF_8);
    try (RawClient w = TestServers.login(server, worker)) {
      assertEquals(ErrorCode.OK, w.send(client.accountId, queued, new byte[16]).getError());
    }
    List<byte[]> bucketKeys = StoreInspector.bucketKeys(server.store());
    assertFalse(bucketKeys.isEmpty());
    // The store keeps the copy sealed under its bucket key: these are the bytes to look for.
    List<byte[]> sealed = StoreInspector.mailboxValues(server.store());
    assertEquals(1, sealed.size());
    String pin = server.pin();
    String secret = server.upgradeSecret();
    int port = server.port();
    byte[] vapidKey = Files.readAllBytes(data.resolve(org.safehouse.server.push.VapidKey.FILE));

    Path file = dir.resolve("backups").resolve("relay.backup");
    assertTrue(backup(server, file) > 0);
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
    byte[] plain = plaintext(file);
    assertTrue(contains(plain, secret.getBytes(StandardCharsets.US_ASCII)), "holds the secret");
    assertFalse(contains(plain, queued), "a backup never holds a queued message");
    assertFalse(contains(plain, sealed.get(0)), "nor its sealed copy");
    for (byte[] key : bucketKeys) {
      assertFalse(contains(plain, key), "a backup never holds a bucket key");
    }
    assertFalse(
        contains(Files.readAllBytes(file), "PRIVATE KEY".getBytes(StandardCharsets.US_ASCII)));

    // The disk is lost.
    server.close();
    open.remove(server);
    deleteTree(data);

    Backups.Summary restored = Backups.restore(file, PASSPHRASE, data);
    assertEquals(2, restored.accounts());
    assertEquals(2, restored.devices());
    SafehouseServer again = startOn(data, port);
    assertEquals(pin, again.pin(), "same TLS key, so the invites' pin still holds");
    assertEquals(secret, again.upgradeSecret());
    Path vapid = data.resolve(org.safehouse.server.push.VapidKey.FILE);
    assertArrayEquals(
        vapidKey,
        Files.readAllBytes(vapid),
        "same push signing key, so push servers that tie subscriptions to it still accept wake-ups");
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(vapid)));
    assertTrue(again.firstAdminInvite().isEmpty(), "a restored server is not a fresh one");
    assertEquals(2, again.store().counters().accounts());
    assertEquals(0, again.store().counters().queuedMessages());
    try (RawClient c = TestServers.login(again, client);
        RawClient w = TestServers.login(again, worker)) {
      assertNull(c.nextDelivery(Duration.ofMillis(500)), "queued messages are meant to disappear");
      byte[] after = "after the restore".getBytes(StandardCharsets.UTF_8);
      assertEquals(ErrorCode.OK, w.send(client.accountId, after, new byte[16]).getError());
      Delivery d = c.nextDelivery(WAIT);
      assertNotNull(d);
      assertArrayEquals(after, d.getCiphertext().toByteArray());
    }
  }

  @Test
  void aWrongPassphraseIsOneClearLineAndTheFolderStaysEmpty() throws Exception {
    SafehouseServer server = start(dir.resolve("data"));
    Path file = dir.resolve("relay.backup");
    backup(server, file);
    Path target = dir.resolve("restored");
    BackupCipher.WrongPassphraseException e =
        assertThrows(
            BackupCipher.WrongPassphraseException.class,
            () -> Backups.restore(file, "not the passphrase".toCharArray(), target));
    assertEquals("wrong passphrase for this backup", e.getMessage());
    try (Stream<Path> s = Files.list(target)) {
      assertEquals(0, s.count(), "nothing restored");
    }
  }

  @Test
  void aDamagedBackupIsRefusedAndNothingIsLeftInTheFolder() throws Exception {
    SafehouseServer server = start(dir.resolve("data"));
    Path file = dir.resolve("relay.backup");
    backup(server, file);
    byte[] bytes = Files.readAllBytes(file);
    bytes[bytes.length - 5] ^= 1;
    Files.write(file, bytes);
    Path target = dir.resolve("restored");
    java.io.IOException e =
        assertThrows(java.io.IOException.class, () -> Backups.restore(file, PASSPHRASE, target));
    assertTrue(
        e.getMessage().startsWith("the backup file is damaged or cut short"), e.getMessage());
    try (Stream<Path> s = Files.list(target)) {
      assertEquals(0, s.count(), "nothing restored");
    }
    Files.write(file, java.util.Arrays.copyOf(bytes, bytes.length - 20));
    assertThrows(java.io.IOException.class, () -> Backups.restore(file, PASSPHRASE, target));
  }

  @Test
  void restoreRefusesAFolderThatIsNotEmptyWithOneLine() throws Exception {
    Path data = dir.resolve("data");
    SafehouseServer server = start(data);
    Path file = dir.resolve("relay.backup");
    backup(server, file);
    server.close();
    open.remove(server);
    Backups.NotEmptyException e =
        assertThrows(
            Backups.NotEmptyException.class, () -> Backups.restore(file, PASSPHRASE, data));
    assertFalse(e.getMessage().contains("\n"));
    assertTrue(e.getMessage().startsWith("the data folder " + data + " is not empty"));
  }

  @Test
  void aBackupTakenWhileEnrollmentsAndSendsGoOnHoldsEveryoneFromBeforeItAndNothingTorn()
      throws Exception {
    SafehouseServer server = start(dir.resolve("data"));
    // One caseworker writes to its client while another keeps inviting new clients (one device
    // keeps one connection, so each has its own).
    RawClient.Device worker = TestServers.enroll(server, Role.CASEWORKER);
    RawClient.Device inviter = TestServers.enroll(server, Role.CASEWORKER);
    RawClient.Device first = TestServers.enrollClient(server, worker);
    List<RawClient.Device> enrolled = new CopyOnWriteArrayList<>(List.of(first));
    AtomicBoolean stop = new AtomicBoolean();
    AtomicLong sent = new AtomicLong();
    List<Throwable> failures = new CopyOnWriteArrayList<>();
    Thread sender =
        new Thread(
            () -> {
              try (RawClient w = TestServers.login(server, worker)) {
                while (!stop.get()) {
                  ErrorCode e = w.send(first.accountId, new byte[64], new byte[16]).getError();
                  if (e == ErrorCode.OK) {
                    sent.incrementAndGet();
                  } else if (e != ErrorCode.RATE_LIMITED) {
                    throw new AssertionError("send: " + e);
                  }
                  Thread.sleep(40); // within the per-account send rate
                }
              } catch (Throwable t) {
                failures.add(new AssertionError("sender", t));
              }
            });
    Thread enroller =
        new Thread(
            () -> {
              try {
                while (!stop.get()) {
                  enrolled.add(TestServers.enrollClient(server, inviter));
                }
              } catch (Throwable t) {
                failures.add(new AssertionError("enroller", t));
              }
            });
    sender.start();
    enroller.start();
    List<RawClient.Device> before;
    Path file = dir.resolve("relay.backup");
    try {
      while (enrolled.size() < 5 || sent.get() < 5) {
        noFailures(failures);
        Thread.sleep(20);
      }
      before = List.copyOf(enrolled);
      long sentBefore = sent.get();
      backup(server, file);
      int after = enrolled.size();
      while (enrolled.size() < after + 2 || sent.get() < sentBefore + 5) {
        noFailures(failures);
        Thread.sleep(20);
      }
    } finally {
      stop.set(true);
      sender.join(30_000);
      enroller.join(30_000);
    }
    noFailures(failures);

    Path restored = dir.resolve("restored");
    Backups.restore(file, PASSPHRASE, restored);
    try (RelayStore store = RelayStore.open(restored.resolve("store"))) {
      for (RawClient.Device d : before) {
        AccountId id = AccountId.of(d.accountId);
        assertTrue(store.account(id).isPresent(), "enrolled before the backup: there");
        assertArrayEquals(
            d.rawPublicKey(), store.deviceAuthKey(new DeviceAddress(id, d.deviceId)).orElseThrow());
      }
      // Nothing torn: every case has its client, with its device, and its team's caseload; every
      // account is the worker or the client of a case.
      List<AccountId> workers =
          List.of(AccountId.of(worker.accountId), AccountId.of(inviter.accountId));
      Set<AccountId> clients = new HashSet<>();
      for (CaseRecord c : store.cases()) {
        AccountRecord a = store.account(c.client()).orElseThrow(() -> new AssertionError("torn"));
        assertEquals(c.id(), a.caseOf().orElseThrow());
        for (int device : a.deviceIds()) {
          assertTrue(store.deviceAuthKey(new DeviceAddress(a.id(), device)).isPresent(), "torn");
        }
        assertEquals(1, c.team().size());
        assertTrue(workers.contains(c.team().get(0)));
        clients.add(c.client());
      }
      Set<AccountId> caseloads = new HashSet<>(store.caseload(workers.get(0)));
      caseloads.addAll(store.caseload(workers.get(1)));
      assertEquals(clients, caseloads);
      assertEquals(2 + clients.size(), store.counters().accounts());
      assertEquals(2 + clients.size(), store.counters().devices());
      assertTrue(clients.size() >= before.size());
    }
  }

  private static void noFailures(List<Throwable> failures) {
    if (!failures.isEmpty()) {
      AssertionError e = new AssertionError("a background thread failed");
      failures.forEach(e::addSuppressed);
      throw e;
    }
  }

  static boolean contains(byte[] hay, byte[] needle) {
    return StoreInspector.indexOf(hay, needle) >= 0;
  }

  static void deleteTree(Path root) throws Exception {
    try (Stream<Path> s = Files.walk(root)) {
      for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}
