package org.safehouse.server.store;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.security.SecureRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.safehouse.server.account.AccountId;
import org.safehouse.server.account.DeviceAddress;
import org.safehouse.server.testing.FakeClock;

/** Mailbox usage records for a store written before usage was counted. */
@Timeout(60)
class MailboxLedgerTest {
  private static final SecureRandom RANDOM = new SecureRandom();
  @TempDir Path dir;
  private final FakeClock clock = new FakeClock();

  @Test
  void aStoreWrittenBeforeUsageWasCountedIsCountedOnceAtOpen() throws Exception {
    DeviceAddress d = new DeviceAddress(AccountId.random(RANDOM), 1);
    AccountId sender = AccountId.random(RANDOM);
    long expires = clock.millis() + 3_600_000;
    try (RelayStore store = RelayStore.open(dir, KeyStorage.DISK, clock)) {
      for (int i = 0; i < 3; i++) {
        store.write(tx -> tx.append(d, expires, sender, 1, new byte[16], new byte[100])).get();
      }
      // As a store from before this version: no usage record, never counted.
      store.db().delete(store.usageCf(), Keys.device(d));
      store.db().delete(store.metaCf(), MailboxLedger.META_COUNTED);
    }
    try (RelayStore store = RelayStore.open(dir, KeyStorage.DISK, clock)) {
      long bytes = StoreInspector.mailboxValues(store).stream().mapToLong(v -> v.length).sum();
      assertEquals(new MailboxUsage(3, bytes), store.write(tx -> tx.mailboxUsage(d)).get());
      store.write(tx -> tx.append(d, expires, sender, 1, new byte[16], new byte[100])).get();
    }
    // Counted once: the next open keeps the record as the writes left it.
    try (RelayStore store = RelayStore.open(dir, KeyStorage.DISK, clock)) {
      assertEquals(4, store.write(tx -> tx.mailboxUsage(d)).get().messages());
    }
  }
}
