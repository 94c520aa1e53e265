package org.safehouse.server.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.safehouse.server.account.AccountId;
import org.safehouse.server.account.DeviceAddress;
import org.safehouse.server.message.StoredMessage;

/** Stored copies are sealed to their mailbox and expiry; copies from before sealing still read. */
class SealedMailboxTest {
  private static final SecureRandom RANDOM = new SecureRandom();

  @TempDir Path dir;

  @Test
  void aSealedCopyMovedToAnotherMailboxOrGivenALaterExpiryDoesNotOpen() throws Exception {
    DeviceAddress alice = device();
    DeviceAddress bob = device();
    long expires = System.currentTimeMillis() + Duration.ofHours(1).toMillis();
    try (RelayStore store = RelayStore.open(dir)) {
      StoredMessage m =
          store
              .write(tx -> tx.append(alice, expires, device().account(), 1, id(), text("hi")))
              .get();
      byte[] sealed = store.db().get(store.mailboxCf(), Keys.mailbox(alice, m.seq()));
      assertTrue(StoreInspector.contains(sealed, Keys.longValue(expires)), "expiry in clear");

      put(store, bob, 1, expires, sealed);
      byte[] later = sealed.clone();
      Keys.putLong(later, 1, expires + 1);
      put(store, alice, m.seq() + 1, expires + 1, later);

      assertEquals(List.of(), read(store, bob));
      List<StoredMessage> own = read(store, alice);
      assertEquals(1, own.size(), "only the untouched copy opens");
      assertArrayEquals(text("hi"), own.get(0).ciphertext());
    }
  }

  @Test
  void aCopyStoredBeforeCopiesWereSealedIsStillDeliveredAfterARestart() throws Exception {
    DeviceAddress to = device();
    AccountId from = device().account();
    long expires = System.currentTimeMillis() + Duration.ofDays(1).toMillis();
    byte[] msgId = id();
    ByteBuffer legacy = ByteBuffer.allocate(8 + 16 + 4 + 1 + 16 + 3);
    legacy.putLong(expires).put(from.bytes()).putInt(2).put((byte) 16).put(msgId);
    legacy.put(text("old"));
    try (RelayStore store = RelayStore.open(dir)) {
      put(store, to, 7, expires, legacy.array());
    }
    // Reopening drops copies whose key is gone; this one never had one and stays.
    try (RelayStore store = RelayStore.open(dir)) {
      List<StoredMessage> got = read(store, to);
      assertEquals(1, got.size());
      StoredMessage m = got.get(0);
      assertEquals(from, m.sender());
      assertEquals(2, m.senderDevice());
      assertEquals(expires, m.expiresAtMillis());
      assertArrayEquals(msgId, m.clientMessageId());
      assertArrayEquals(text("old"), m.ciphertext());
    }
  }

  private static void put(RelayStore store, DeviceAddress d, long seq, long expires, byte[] v)
      throws Exception {
    store.db().put(store.mailboxCf(), Keys.mailbox(d, seq), v);
    store.db().put(store.expiryCf(), Keys.expiry(expires, d, seq), new byte[0]);
  }

  private static List<StoredMessage> read(RelayStore store, DeviceAddress d) throws Exception {
    return store.readMailbox(d, 0, 100, System.currentTimeMillis()).messages();
  }

  private static DeviceAddress device() {
    return new DeviceAddress(AccountId.random(RANDOM), 1);
  }

  private static byte[] id() {
    byte[] b = new byte[16];
    RANDOM.nextBytes(b);
    return b;
  }

  private static byte[] text(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
