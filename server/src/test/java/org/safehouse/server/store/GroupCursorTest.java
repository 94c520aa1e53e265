package org.safehouse.server.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.safehouse.server.account.AccountId;
import org.safehouse.server.account.AccountRecord;
import org.safehouse.server.account.DeviceAddress;
import org.safehouse.server.account.Role;
import org.safehouse.server.testing.FakeClock;

/** A group commit writes each device's cursor once: its last, unless the op or device is gone. */
@Timeout(60)
class GroupCursorTest {
  private static final SecureRandom RANDOM = new SecureRandom();
  @TempDir Path dir;

  @Test
  void theLastCursorOfADeviceInAGroupIsStoredAndAFailedOpsCursorIsNot() throws Exception {
    DeviceAddress d = new DeviceAddress(AccountId.random(RANDOM), 1);
    DeviceAddress other = new DeviceAddress(AccountId.random(RANDOM), 1);
    try (RelayStore store = RelayStore.open(dir, KeyStorage.DISK, new FakeClock())) {
      CompletableFuture<?>[] ops = new CompletableFuture<?>[2];
      WriterGate.hold(
          store,
          () -> {
            cursor(store, d, 5);
            cursor(store, other, 7);
            ops[1] = cursor(store, d, 9);
            ops[0] =
                store.write(
                    tx -> {
                      tx.putCursor(d, 12);
                      tx.putCursor(other, 12);
                      throw new IllegalStateException("this op fails");
                    });
          });
      assertThrows(ExecutionException.class, ops[0]::get);
      ops[1].get(); // completes once the group is written (a failed op completes at once)
      assertEquals(List.of(9L, 7L), List.of(store.cursor(d), store.cursor(other)));
      cursor(store, d, 10).get();
      assertEquals(10, store.cursor(d));
    }
  }

  @Test
  void aCursorWrittenBeforeItsDeviceIsRemovedInTheSameGroupIsGone() throws Exception {
    AccountRecord a =
        new AccountRecord(
            AccountId.random(RANDOM), Role.CASEWORKER, 3, new int[] {1, 2}, List.of(), null);
    DeviceAddress removed = new DeviceAddress(a.id(), 1);
    DeviceAddress kept = new DeviceAddress(a.id(), 2);
    try (RelayStore store = RelayStore.open(dir, KeyStorage.DISK, new FakeClock())) {
      store
          .write(
              tx -> {
                tx.putAccount(a, true);
                tx.putDevice(removed, new byte[32]);
                tx.putDevice(kept, new byte[32]);
                tx.putCursor(removed, 3);
                return null;
              })
          .get();
      CompletableFuture<?>[] deleted = new CompletableFuture<?>[1];
      WriterGate.hold(
          store,
          () -> {
            cursor(store, removed, 8);
            cursor(store, kept, 8);
            deleted[0] = store.write(tx -> tx.deleteDevice(a, 1));
          });
      deleted[0].get();
      assertEquals(List.of(0L, 8L), List.of(store.cursor(removed), store.cursor(kept)));
    }
  }

  private static CompletableFuture<Object> cursor(RelayStore store, DeviceAddress d, long seq) {
    return store.write(
        tx -> {
          tx.putCursor(d, seq);
          return null;
        });
  }
}
