package org.safehouse.server.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BucketKeysTest {
  private static final long HOUR = BucketKeys.WIDTH_MILLIS;
  private static final long T0 = 1_800_000_000_000L / HOUR * HOUR;
  private static final int SLOT = 64;

  @TempDir Path dir;
  private final SecureRandom random = new SecureRandom();

  @Test
  void aCopyBelongsToTheHourItExpiresIn() {
    assertEquals(T0, BucketKeys.bucketEnd(T0));
    assertEquals(T0 + HOUR, BucketKeys.bucketEnd(T0 + 1));
    assertEquals(T0 + HOUR, BucketKeys.bucketEnd(T0 + HOUR));
  }

  @Test
  void aNewKeyReachesTheFileOnlyWhenSavedAndTheFileIsOwnerOnly() throws Exception {
    Path file = dir.resolve(BucketKeys.FILE_NAME);
    try (BucketKeys keys = BucketKeys.open(dir, KeyStorage.DISK, random)) {
      assertEquals(
          PosixFilePermissions.fromString("rw-------"), Files.getPosixFilePermissions(file));
      byte[] key = keys.keyFor(T0 + 1).spec.getEncoded();
      assertEquals(SLOT, Files.size(file), "created in memory only");
      keys.saveNew();
      assertEquals(2 * SLOT, Files.size(file));
      assertTrue(StoreInspector.indexOf(Files.readAllBytes(file), key) >= 0);
    }
  }

  @Test
  void destroyedKeysAreOverwrittenInPlaceAndTheirSlotsReused() throws Exception {
    Path file = dir.resolve(BucketKeys.FILE_NAME);
    List<byte[]> kept = new ArrayList<>();
    try (BucketKeys keys = BucketKeys.open(dir, KeyStorage.DISK, random)) {
      byte[] first = keys.keyFor(T0 + 1).spec.getEncoded();
      byte[] second = keys.keyFor(T0 + HOUR + 1).spec.getEncoded();
      kept.add(keys.keyFor(T0 + 2 * HOUR + 1).spec.getEncoded());
      keys.saveNew();
      assertEquals(4 * SLOT, Files.size(file));

      assertEquals(2, keys.destroyEndingBy(T0 + 2 * HOUR));
      byte[] bytes = Files.readAllBytes(file);
      assertEquals(4 * SLOT, bytes.length, "overwritten in place, not truncated or moved");
      assertEquals(-1, StoreInspector.indexOf(bytes, first));
      assertEquals(-1, StoreInspector.indexOf(bytes, second));
      assertTrue(StoreInspector.indexOf(bytes, kept.get(0)) >= 0);
      assertNull(keys.find(T0 + 1));

      kept.add(keys.keyFor(T0 + 3 * HOUR + 1).spec.getEncoded());
      kept.add(keys.keyFor(T0 + 4 * HOUR + 1).spec.getEncoded());
      keys.saveNew();
      assertEquals(4 * SLOT, Files.size(file), "freed slots are reused");
    }
    try (BucketKeys again = BucketKeys.open(dir, KeyStorage.DISK, random)) {
      assertEquals(3, again.size());
      assertNull(again.find(T0 + 1));
      for (int i = 0; i < 3; i++) {
        assertArrayEquals(kept.get(i), again.find(T0 + (2 + i) * HOUR + 1).spec.getEncoded());
      }
    }
  }

  @Test
  void aDamagedKeyFileIsRefusedWithOneLineThatSaysWhatToDo() throws Exception {
    Path file = dir.resolve(BucketKeys.FILE_NAME);
    try (BucketKeys keys = BucketKeys.open(dir, KeyStorage.DISK, random)) {
      keys.keyFor(T0 + 1);
      keys.saveNew();
    }
    byte[] good = Files.readAllBytes(file);

    byte[] flipped = good.clone();
    flipped[SLOT + 20] ^= 1;
    Files.write(file, flipped);
    assertRefused("key slot 0 is corrupt");

    Files.write(file, good);
    Files.write(file, new byte[5], StandardOpenOption.APPEND);
    assertRefused("is not a whole number of key slots");

    byte[] header = good.clone();
    header[0] = 'X';
    Files.write(file, header);
    assertRefused("does not start like a Safehouse bucket key file");

    // Memory mode reads a file left from disk mode too: the same refusal, and the file is kept.
    var e = assertThrows(IOException.class, () -> BucketKeys.open(dir, KeyStorage.MEMORY, random));
    assertTrue(e.getMessage().contains("is damaged"), e.getMessage());
    assertTrue(Files.exists(file));
  }

  @Test
  void memoryModeWipesAKeyFileLeftFromDiskModeButKeepsItsKeysUntilRestart() throws Exception {
    Path file = dir.resolve(BucketKeys.FILE_NAME);
    byte[] key;
    try (BucketKeys keys = BucketKeys.open(dir, KeyStorage.DISK, random)) {
      key = keys.keyFor(T0 + 1).spec.getEncoded();
      keys.saveNew();
    }
    try (BucketKeys keys = BucketKeys.open(dir, KeyStorage.MEMORY, random)) {
      assertFalse(Files.exists(file));
      assertArrayEquals(key, keys.find(T0 + 1).spec.getEncoded());
      keys.keyFor(T0 + HOUR + 1);
      keys.saveNew();
      assertFalse(Files.exists(file), "no key reaches the disk");
    }
  }

  private void assertRefused(String what) {
    var e = assertThrows(IOException.class, () -> BucketKeys.open(dir, KeyStorage.DISK, random));
    String m = e.getMessage();
    assertTrue(m.contains(dir.resolve(BucketKeys.FILE_NAME).toString()), m);
    assertTrue(m.contains(what), m);
    assertTrue(m.contains("Restore it from a copy made together with the store"), m);
    assertFalse(m.contains("\n"), m);
  }
}
