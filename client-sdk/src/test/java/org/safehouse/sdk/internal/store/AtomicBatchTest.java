package org.safehouse.sdk.internal.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A batch of changes to several records is written all or nothing. */
class AtomicBatchTest {
  private static final char[] PASSPHRASE = "correct horse battery staple".toCharArray();

  @TempDir Path temp;

  private Path home() {
    return temp.resolve("home");
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void aBatchPutsAndDeletesSeveralRecordsTogether() throws Exception {
    try (LocalStore store = LocalStore.create(home(), PASSPHRASE, LocalStoreTest.FAST_KDF)) {
      store.put("old", bytes("to delete"));
      store.commit(
          new LocalStore.Batch()
              .put("inbox:a", bytes("text"))
              .put("seen:a", bytes("mark"))
              .delete("old")
              .put("session:a", bytes("advanced")));
      assertEquals(List.of("inbox:a", "seen:a", "session:a"), store.names(""));
      assertFalse(Files.exists(home().resolve(LocalStore.JOURNAL_FILE)), "journal removed");
    }
  }

  @Test
  void aCrashAfterTheJournalIsWrittenAppliesTheWholeBatchOnTheNextOpen() throws Exception {
    try (LocalStore store = LocalStore.create(home(), PASSPHRASE, LocalStoreTest.FAST_KDF)) {
      store.put("session:a", bytes("old session"));
      store.put("held:a", bytes("held delivery"));
      // The commit point was passed, then the process died before a record was written.
      store.writeJournal(
          new LocalStore.Batch()
              .put("inbox:a", bytes("text"))
              .put("seen:a", bytes("mark"))
              .put("session:a", bytes("new session"))
              .delete("held:a"));
      assertNull(store.get("inbox:a"));
    }
    try (LocalStore store = LocalStore.open(home(), PASSPHRASE)) {
      assertArrayEquals(bytes("text"), store.get("inbox:a"));
      assertArrayEquals(bytes("mark"), store.get("seen:a"));
      assertArrayEquals(bytes("new session"), store.get("session:a"));
      assertNull(store.get("held:a"));
      assertFalse(Files.exists(home().resolve(LocalStore.JOURNAL_FILE)));
    }
  }

  @Test
  void aCrashWhileTheJournalIsWrittenLeavesEveryRecordAsItWas() throws Exception {
    try (LocalStore store = LocalStore.create(home(), PASSPHRASE, LocalStoreTest.FAST_KDF)) {
      store.put("session:a", bytes("old session"));
    }
    // What an interrupted journal write leaves: its temp file, never renamed.
    Path torn = home().resolve(LocalStore.JOURNAL_FILE + ".0123456789abcdef.tmp");
    Files.write(torn, new byte[] {2, 0, 1, 2, 3});
    try (LocalStore store = LocalStore.open(home(), PASSPHRASE)) {
      assertArrayEquals(bytes("old session"), store.get("session:a"));
      assertEquals(List.of("session:a"), store.names(""));
    }
    assertFalse(Files.exists(torn), "debris removed");
  }
}
