package org.safehouse.server.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.safehouse.server.account.AccountId;
import org.safehouse.server.account.DeviceAddress;
import org.safehouse.server.message.StoredMessage;

/**
 * The periodic purge: a flush, and a compaction of only the key ranges that had deletes since the
 * last purge.
 */
class PurgeTest {
  private static final SecureRandom RANDOM = new SecureRandom();

  @TempDir Path dir;

  @Test
  void aPurgeWithNothingDeletedSinceTheLastOneOnlyFlushes() throws Exception {
    try (RelayStore store = RelayStore.open(dir)) {
      append(store, device(), "first");
      assertTrue(store.purge().ran());
      assertEquals(0, level0Files(store), "the first purge compacts everything down");

      append(store, device(), "second");
      assertTrue(store.purge().ran());
      assertEquals(1, level0Files(store), "nothing deleted: flushed to level 0, not compacted");
    }
  }

  @Test
  void aPurgeAfterADeleteCompactsSoTheDeletedCopyLeavesTheDataFiles() throws Exception {
    DeviceAddress to = device();
    try (RelayStore store = RelayStore.open(dir)) {
      StoredMessage kept = append(store, device(), "kept");
      StoredMessage acked = append(store, to, "acked");
      assertTrue(store.purge().ran());
      byte[] ackedValue = store.db().get(store.mailboxCf(), Keys.mailbox(to, acked.seq()));
      assertFalse(StoreInspector.filesContaining(dir, ackedValue).isEmpty(), "in a data file");

      assertTrue(store.write(tx -> tx.removeMessage(to, acked.seq())).get());
      assertTrue(store.purge().ran());

      assertEquals(0, level0Files(store), "compacted after the delete");
      assertEquals(
          java.util.List.of(), StoreInspector.filesContaining(dir, ackedValue), "no file holds it");
      assertTrue(
          store.readMailbox(kept.recipient(), 0, 10, System.currentTimeMillis()).messages().size()
              == 1,
          "the other copy is untouched");
    }
  }

  @Test
  void aPurgeRewritesOnlyTheDataFilesThatHoldDeletedKeys() throws Exception {
    DeviceAddress low = new DeviceAddress(AccountId.of(filled((byte) 0x01)), 1);
    DeviceAddress high = new DeviceAddress(AccountId.of(filled((byte) 0xf0)), 1);
    try (RelayStore store = RelayStore.open(dir)) {
      StoredMessage acked = append(store, low, "acked");
      assertTrue(store.purge().ran(), "the first purge compacts everything down");
      append(store, high, "elsewhere");
      assertTrue(store.purge().ran(), "nothing deleted: the high mailbox is flushed to its file");
      java.util.Set<String> before = mailboxFiles(store);
      byte[] ackedValue = store.db().get(store.mailboxCf(), Keys.mailbox(low, acked.seq()));

      assertTrue(store.write(tx -> tx.removeMessage(low, acked.seq())).get());
      assertTrue(store.purge().compacted());

      java.util.Set<String> after = mailboxFiles(store);
      java.util.Set<String> kept = new java.util.HashSet<>(before);
      kept.retainAll(after);
      assertEquals(1, kept.size(), "the file of the other mailbox is not rewritten: " + after);
      assertEquals(
          java.util.List.of(), StoreInspector.filesContaining(dir, ackedValue), "no file holds it");
      assertEquals(
          1,
          store.readMailbox(high, 0, 10, System.currentTimeMillis()).messages().size(),
          "the other copy is untouched");
    }
  }

  private static java.util.Set<String> mailboxFiles(RelayStore store) {
    java.util.Set<String> names = new java.util.HashSet<>();
    for (org.rocksdb.LiveFileMetaData f : store.db().getLiveFilesMetaData()) {
      if (new String(f.columnFamilyName(), StandardCharsets.US_ASCII).equals("mailbox")) {
        names.add(f.fileName());
      }
    }
    return names;
  }

  private static byte[] filled(byte b) {
    byte[] id = new byte[AccountId.LENGTH];
    java.util.Arrays.fill(id, b);
    return id;
  }

  private static long level0Files(RelayStore store) throws Exception {
    return Long.parseLong(store.db().getProperty(store.mailboxCf(), "rocksdb.num-files-at-level0"));
  }

  private static StoredMessage append(RelayStore store, DeviceAddress to, String text)
      throws Exception {
    long expires = System.currentTimeMillis() + Duration.ofHours(2).toMillis();
    byte[] id = new byte[16];
    RANDOM.nextBytes(id);
    byte[] ciphertext = (text + "-" + RANDOM.nextLong()).getBytes(StandardCharsets.UTF_8);
    return store.write(tx -> tx.append(to, expires, device().account(), 1, id, ciphertext)).get();
  }

  private static DeviceAddress device() {
    return new DeviceAddress(AccountId.random(RANDOM), 1);
  }
}
