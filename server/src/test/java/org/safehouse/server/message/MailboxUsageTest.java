package org.safehouse.server.message;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.safehouse.server.Refusal;
import org.safehouse.server.account.AccountId;
import org.safehouse.server.account.AccountRecord;
import org.safehouse.server.account.DeviceAddress;
import org.safehouse.server.account.Role;
import org.safehouse.server.cases.Revocations;
import org.safehouse.server.config.Quotas;
import org.safehouse.server.store.KeyStorage;
import org.safehouse.server.store.MailboxUsage;
import org.safehouse.server.store.RelayStore;
import org.safehouse.server.store.StoreInspector;
import org.safehouse.server.testing.FakeClock;

/** Mailbox usage counters: all copies of a send or none, and right across every way out. */
@Timeout(60)
class MailboxUsageTest {
  private static final SecureRandom RANDOM = new SecureRandom();
  @TempDir Path dir;
  private final FakeClock clock = new FakeClock();
  private RelayStore store;
  private MessageService messages;
  private final InProcessDeliveryHub hub = new InProcessDeliveryHub();
  private final DeviceAddress sender = new DeviceAddress(AccountId.random(RANDOM), 1);
  private final AccountId recipient = AccountId.random(RANDOM);

  @BeforeEach
  void open() throws Exception {
    openStore();
    store
        .write(
            tx -> {
              for (AccountRecord a :
                  List.of(
                      new AccountRecord(
                          sender.account(), Role.CASEWORKER, 2, new int[] {1}, List.of(), null),
                      new AccountRecord(
                          recipient, Role.CASEWORKER, 3, new int[] {1, 2}, List.of(), null))) {
                tx.putAccount(a, true);
                tx.putStaff(a.id(), a.role());
                for (int d : a.deviceIds()) {
                  tx.putDevice(new DeviceAddress(a.id(), d), new byte[32]);
                }
              }
              return null;
            })
        .get();
  }

  private void openStore() throws Exception {
    store = RelayStore.open(dir.resolve("store"), KeyStorage.DISK, clock);
    messages =
        new MessageService(
            store,
            clock,
            new RoutingPolicy(),
            hub,
            Duration.ofDays(7),
            Duration.ofDays(30),
            new Quotas(3, 64L << 20, 10, 16));
  }

  @AfterEach
  void close() {
    store.close();
  }

  @Test
  void aSendThatWouldOverfillOneOfTheRecipientsMailboxesStoresNoCopyAtAll() throws Exception {
    DeviceAddress second = new DeviceAddress(recipient, 2);
    for (int i = 0; i < 3; i++) {
      store
          .write(tx -> tx.append(second, Long.MAX_VALUE, sender.account(), 1, id(), text(10)))
          .get();
    }
    ExecutionException e = assertThrowsExecution(() -> sendToBoth(0));
    assertEquals(Refusal.Reason.MAILBOX_FULL, ((Refusal) e.getCause()).reason());
    assertEquals(new MailboxUsage(0, 0), usage(new DeviceAddress(recipient, 1)));
    assertEquals(3, StoreInspector.count(store, "mailbox"));
  }

  @Test
  void usageStaysRightAcrossAcksExpiryRestartsAndRevocation() throws Exception {
    DeviceAddress first = new DeviceAddress(recipient, 1);
    DeviceAddress second = new DeviceAddress(recipient, 2);
    sendToBoth(0);
    sendToBoth(60);
    assertEquals(2, usage(first).messages());
    assertEquals(2, usage(second).messages());
    assertEquals(storedBytes(), usage(first).bytes() + usage(second).bytes());
    // Device 1 acknowledges its first copy.
    long seq = store.readMailbox(first, 0, 10, clock.millis()).messages().get(0).seq();
    messages.ack(first, new long[] {seq}, seq + 1).get();
    assertEquals(1, usage(first).messages());
    // The 60 s copies expire and are swept.
    clock.advance(Duration.ofMinutes(2));
    new ExpirySweeper(store, clock).sweep().get();
    assertEquals(new MailboxUsage(0, 0), usage(first));
    assertEquals(1, usage(second).messages());
    assertEquals(storedBytes(), usage(second).bytes());
    // A restart keeps the count: device 2's mailbox (cap 3) takes two more sends, not three.
    store.close();
    openStore();
    assertEquals(1, usage(second).messages());
    sendToBoth(0);
    sendToBoth(0);
    ExecutionException full = assertThrowsExecution(() -> sendToBoth(0));
    assertEquals(Refusal.Reason.MAILBOX_FULL, ((Refusal) full.getCause()).reason());
    // Revoking a device deletes its counter with its mailbox.
    new Revocations(store, clock, hub).revokeDevice(recipient, 2).get();
    assertEquals(1, StoreInspector.count(store, "mailbox-usage"));
    assertEquals(new MailboxUsage(0, 0), usage(second));
    assertEquals(storedBytes(), usage(first).bytes());
  }

  private void sendToBoth(int ttlSeconds) throws Exception {
    messages
        .send(
            sender,
            recipient,
            List.of(new MessageService.Copy(1, text(50)), new MessageService.Copy(2, text(70))),
            ttlSeconds,
            id())
        .get();
  }

  private MailboxUsage usage(DeviceAddress d) throws Exception {
    return store.write(tx -> tx.mailboxUsage(d)).get();
  }

  private long storedBytes() throws Exception {
    return StoreInspector.mailboxValues(store).stream().mapToLong(v -> v.length).sum();
  }

  interface Call {
    void run() throws Exception;
  }

  private static ExecutionException assertThrowsExecution(Call c) {
    try {
      c.run();
    } catch (ExecutionException e) {
      return e;
    } catch (Exception e) {
      throw new AssertionError("expected an ExecutionException", e);
    }
    throw new AssertionError("expected the call to fail");
  }

  private static byte[] text(int n) {
    byte[] b = new byte[n];
    RANDOM.nextBytes(b);
    return b;
  }

  private static byte[] id() {
    return text(16);
  }
}
