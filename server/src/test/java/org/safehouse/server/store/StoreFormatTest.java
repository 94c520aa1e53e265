package org.safehouse.server.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.safehouse.server.account.AccountId;
import org.safehouse.server.account.AccountRecord;
import org.safehouse.server.account.DeviceAddress;
import org.safehouse.server.account.Role;
import org.safehouse.server.testing.FakeClock;

/** The store's format version: stamped, upgraded step by step after a checkpoint, or refused. */
@Timeout(60)
class StoreFormatTest {
  private static final byte[] MARKER = "test-step-ran".getBytes(StandardCharsets.US_ASCII);

  @TempDir Path data;
  private final FakeClock clock = new FakeClock();

  private Path storeDir() {
    return data.resolve("store");
  }

  /** Format 1, the first: a build before any step. */
  private static StoreFormat formatOne() {
    return new StoreFormat(1, List.of());
  }

  /** Format 2 of a test-only registry: its one step writes a marker into the meta family. */
  private static StoreFormat formatTwo() {
    StoreFormat.Step oneToTwo = (db, families) -> db.put(families.get(0), MARKER, new byte[] {2});
    return new StoreFormat(2, List.of(oneToTwo));
  }

  private RelayStore open(StoreFormat format) throws Exception {
    return RelayStore.open(storeDir(), KeyStorage.DISK, clock, format);
  }

  /** A store as release 0.1 left it: no format stamp. */
  private void makeUnstamped() throws Exception {
    try (RelayStore store = open(formatOne())) {
      addStaff(store);
      store.db().delete(store.metaCf(), StoreFormat.META_FORMAT);
    }
  }

  @Test
  void aNewStoreIsStampedWithThisBuildsFormatWithoutACheckpoint() throws Exception {
    try (RelayStore store = open(StoreFormat.RELEASE)) {
      assertEquals(StoreFormat.CURRENT, StoreFormat.read(store.db(), store.metaCf()));
    }
    assertFalse(Files.exists(data.resolve("checkpoints")), "a new store has nothing to upgrade");
  }

  @Test
  void aStoreWithoutAVersionIsFormatOneAndIsStampedWithoutACheckpoint() throws Exception {
    makeUnstamped();
    try (RelayStore store = open(formatOne())) {
      assertEquals(1, StoreFormat.read(store.db(), store.metaCf()));
      assertArrayEquals(
          StoreFormat.encode(1), store.db().get(store.metaCf(), StoreFormat.META_FORMAT));
    }
    assertFalse(Files.exists(data.resolve("checkpoints")), "nothing to upgrade, no checkpoint");
  }

  @Test
  void aNewerBuildUpgradesAnOlderStoreAfterACheckpointOfItAsItWas() throws Exception {
    makeUnstamped();
    try (RelayStore store = open(formatTwo())) {
      assertEquals(2, StoreFormat.read(store.db(), store.metaCf()));
      assertArrayEquals(new byte[] {2}, store.db().get(store.metaCf(), MARKER), "the step ran");
      assertEquals(1, store.counters().accounts(), "the data is still there");
    }
    List<Path> checkpoints;
    try (Stream<Path> s = Files.list(data.resolve("checkpoints"))) {
      checkpoints = s.toList();
    }
    assertEquals(1, checkpoints.size());
    assertEquals("before-format-1-20261125T120000Z", checkpoints.get(0).getFileName().toString());
    // The checkpoint is the store before the upgrade: format 1, no marker, same data. It opens as
    // a store (a copy, so this open does not stamp the checkpoint itself).
    Path copy = data.resolve("copy");
    copyTree(checkpoints.get(0), copy);
    try (RelayStore old = RelayStore.open(copy, KeyStorage.DISK, clock, formatOne())) {
      assertNull(old.db().get(old.metaCf(), MARKER));
      assertEquals(1, old.counters().accounts());
    }
    // A second start of the upgraded store does nothing more.
    try (RelayStore store = open(formatTwo())) {
      assertEquals(2, StoreFormat.read(store.db(), store.metaCf()));
    }
    try (Stream<Path> s = Files.list(data.resolve("checkpoints"))) {
      assertEquals(1, s.count(), "no second checkpoint");
    }
  }

  @Test
  void anOlderBuildRefusesANewerStoreWithOneLineAndLeavesItUntouched() throws Exception {
    try (RelayStore store = open(formatTwo())) {
      addStaff(store);
    }
    StoreFormat.NewerStoreException e =
        assertThrows(StoreFormat.NewerStoreException.class, () -> open(formatOne()));
    assertFalse(e.getMessage().contains("\n"), e.getMessage());
    assertTrue(
        e.getMessage().contains("store format 2; this one reads formats up to 1"), e.getMessage());
    try (RelayStore store = open(formatTwo())) {
      assertEquals(2, StoreFormat.read(store.db(), store.metaCf()), "still format 2");
      assertEquals(1, store.counters().accounts());
    }
  }

  @Test
  void aRegistryNeedsOneStepPerFormat() {
    assertThrows(IllegalArgumentException.class, () -> new StoreFormat(3, List.of((db, f) -> {})));
  }

  private static void copyTree(Path from, Path to) throws Exception {
    try (Stream<Path> s = Files.walk(from)) {
      for (Path p : s.toList()) {
        Files.copy(p, to.resolve(from.relativize(p).toString()));
      }
    }
  }

  /** Adds a caseworker with one device, as enrollment does; returns its id. */
  static AccountId addStaff(RelayStore store) throws Exception {
    return store
        .write(
            tx -> {
              AccountId id = AccountId.random(new java.security.SecureRandom());
              tx.putAccount(
                  new AccountRecord(id, Role.CASEWORKER, 2, new int[] {1}, List.of(), null), true);
              tx.putDevice(new DeviceAddress(id, 1), new byte[32]);
              tx.putStaff(id, Role.CASEWORKER);
              return id;
            })
        .get();
  }
}
