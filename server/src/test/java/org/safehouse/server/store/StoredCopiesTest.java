package org.safehouse.server.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.safehouse.server.account.AccountId;
import org.safehouse.server.account.AccountRecord;
import org.safehouse.server.account.DeviceAddress;
import org.safehouse.server.account.Role;
import org.safehouse.server.message.StoredMessage;
import org.safehouse.server.testing.FakeClock;

/**
 * Acks delete recent copies without reading them (the writer's {@link StoredCopies}), and stay
 * no-ops, with the counters and the mailbox ledger right, for copies already gone: acked before,
 * swept, or deleted with their device or account.
 */
@Timeout(60)
class StoredCopiesTest {
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final int BYTES = 100;
  @TempDir Path dir;
  private final FakeClock clock = new FakeClock();
  private final AccountId sender = AccountId.random(RANDOM);
  private RelayStore store;

  @BeforeEach
  void open() throws Exception {
    store = RelayStore.open(dir, KeyStorage.DISK, clock);
  }

  @AfterEach
  void close() {
    store.close();
  }

  @Test
  void anAckOfARecentCopyDeletesItAndItsExpiryEntryWithoutReadingIt() throws Exception {
    DeviceAddress d = device();
    long seq = append(d, Duration.ofHours(1));
    // Gone behind the writer's back (never done by the server): only an ack that does not read
    // the copy still finds it.
    store.db().delete(store.mailboxCf(), Keys.mailbox(d, seq));
    assertTrue(ack(d, seq));
    assertEquals(0, StoreInspector.count(store, "expiry"));
    assertEquals(0, store.counters().queuedMessages());
  }

  @Test
  void aRepeatedAckIsANoOp() throws Exception {
    DeviceAddress d = device();
    long seq = append(d, Duration.ofHours(1));
    long kept = append(d, Duration.ofHours(1));
    assertTrue(ack(d, seq));
    assertFalse(ack(d, seq));
    // Twice in one group, too.
    CompletableFuture<?>[] twice = new CompletableFuture<?>[2];
    WriterGate.hold(
        store,
        () -> {
          twice[0] = store.write(tx -> tx.removeMessage(d, kept));
          twice[1] = store.write(tx -> tx.removeMessage(d, kept));
        });
    assertEquals(List.of(true, false), List.of(twice[0].get(), twice[1].get()));
    assertFalse(ack(d, kept));
    assertStored(d, 0, 0);
  }

  @Test
  void anAckOfASweptCopyIsANoOp() throws Exception {
    DeviceAddress d = device();
    long swept = append(d, Duration.ofMinutes(1));
    append(d, Duration.ofHours(1));
    clock.advance(Duration.ofMinutes(2));
    long now = clock.millis();
    assertEquals(1, store.write(tx -> tx.sweepExpired(0, now, 100, t -> {})).get());
    assertFalse(ack(d, swept));
    assertStored(d, 1, 1);
    assertEquals(1, store.counters().expiredRemoved());
  }

  @Test
  void anAckAfterTheDevicesRemovalIsANoOp() throws Exception {
    AccountRecord a = account(2);
    DeviceAddress removed = new DeviceAddress(a.id(), 1);
    DeviceAddress kept = new DeviceAddress(a.id(), 2);
    long seq = append(removed, Duration.ofHours(1));
    append(kept, Duration.ofHours(1));
    assertEquals(1, store.write(tx -> tx.deleteDevice(a, 1)).get());
    assertFalse(ack(removed, seq));
    assertStored(kept, 1, 1);
  }

  @Test
  void anAckAfterTheAccountsDeletionIsANoOp() throws Exception {
    AccountRecord a = account(1);
    DeviceAddress deleted = new DeviceAddress(a.id(), 1);
    DeviceAddress other = device();
    long seq = append(deleted, Duration.ofHours(1));
    append(other, Duration.ofHours(1));
    assertEquals(1, store.write(tx -> tx.deleteAccount(a)).get());
    assertFalse(ack(deleted, seq));
    assertStored(other, 1, 1);
    assertEquals(new MailboxUsage(0, 0), store.write(tx -> tx.mailboxUsage(deleted)).get());
  }

  @Test
  void aCopyRemovedInTheGroupThatAppendedItIsNotKnownStored() throws Exception {
    AccountRecord a = account(2);
    DeviceAddress removed = new DeviceAddress(a.id(), 1);
    DeviceAddress kept = new DeviceAddress(a.id(), 2);
    long expires = clock.millis() + Duration.ofHours(1).toMillis();
    List<CompletableFuture<StoredMessage>> appended = new ArrayList<>();
    WriterGate.hold(
        store,
        () -> {
          appended.add(
              store.write(
                  tx -> tx.append(removed, expires, sender, 1, new byte[16], new byte[BYTES])));
          store.write(tx -> tx.deleteDevice(a, 1));
          appended.add(
              store.write(
                  tx -> tx.append(kept, expires, sender, 1, new byte[16], new byte[BYTES])));
        });
    assertFalse(ack(removed, appended.get(0).get().seq()));
    assertStored(kept, 1, 1);
    assertTrue(ack(kept, appended.get(1).get().seq()));
    assertStored(kept, 0, 0);
  }

  @Test
  void aCopyIsNotKnownStoredForAnotherDeviceOrAfterAReopen() throws Exception {
    DeviceAddress d = device();
    long seq = append(d, Duration.ofHours(1));
    assertFalse(ack(device(), seq));
    store.close();
    store = RelayStore.open(dir, KeyStorage.DISK, clock);
    assertTrue(ack(d, seq));
    assertStored(d, 0, 0);
  }

  private DeviceAddress device() {
    return new DeviceAddress(AccountId.random(RANDOM), 1);
  }

  private AccountRecord account(int devices) throws Exception {
    int[] ids = new int[devices];
    for (int i = 0; i < devices; i++) {
      ids[i] = i + 1;
    }
    AccountRecord a =
        new AccountRecord(
            AccountId.random(RANDOM), Role.CASEWORKER, devices + 1, ids, List.of(), null);
    store
        .write(
            tx -> {
              tx.putAccount(a, true);
              for (int id : ids) {
                tx.putDevice(new DeviceAddress(a.id(), id), new byte[32]);
              }
              return null;
            })
        .get();
    return a;
  }

  private long append(DeviceAddress d, Duration ttl) throws Exception {
    long expires = clock.millis() + ttl.toMillis();
    return store
        .write(tx -> tx.append(d, expires, sender, 1, new byte[16], new byte[BYTES]))
        .get()
        .seq();
  }

  private boolean ack(DeviceAddress d, long seq) throws Exception {
    return store.write(tx -> tx.removeMessage(d, seq)).get();
  }

  /** What the store holds: {@code d}'s copies, and all copies, by counters, ledger and index. */
  private void assertStored(DeviceAddress d, int copiesOfD, int copies) throws Exception {
    MailboxUsage usage = store.write(tx -> tx.mailboxUsage(d)).get();
    assertEquals(copiesOfD, usage.messages());
    List<byte[]> values = StoreInspector.mailboxValues(store);
    assertEquals(copies, values.size());
    assertEquals(copiesOfD == 0 ? 0 : values.get(0).length * (long) copiesOfD, usage.bytes());
    assertEquals(copies, store.counters().queuedMessages());
    assertEquals(copies, StoreInspector.count(store, "expiry"));
  }
}
