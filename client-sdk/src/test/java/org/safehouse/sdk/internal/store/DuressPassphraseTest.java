package org.safehouse.sdk.internal.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.safehouse.sdk.internal.store.LocalStoreTest.FAST_KDF;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.safehouse.sdk.WrongPassphraseException;

/** The key file's two slots: the home folder never shows whether a duress passphrase is set. */
class DuressPassphraseTest {
  private static final char[] PASS = "real one".toCharArray();
  private static final char[] DURESS = "duress one".toCharArray();

  @TempDir Path home;

  @Test
  void theHomeFolderHasTheSameFilesAndSizesWithOrWithoutADuressPassphrase() throws Exception {
    try (LocalStore s = LocalStore.create(home, PASS, FAST_KDF)) {
      s.put("a", "secret".getBytes(StandardCharsets.UTF_8));
    }
    Map<String, Long> without = namesAndSizes();
    byte[] keyWithout = Files.readAllBytes(home.resolve(LocalStore.KEY_FILE));
    try (LocalStore s = LocalStore.open(home, PASS)) {
      assertFalse(s.openedUnderDuress());
      s.setDuressPassphrase(PASS, DURESS, false);
    }
    assertEquals(without, namesAndSizes(), "same names, same sizes");
    byte[] keyWith = Files.readAllBytes(home.resolve(LocalStore.KEY_FILE));
    assertEquals(keyWithout.length, keyWith.length);
    assertFalse(Arrays.equals(keyWithout, keyWith), "the second slot was rewritten");
    assertArrayEquals(
        Arrays.copyOf(keyWithout, keyWithout.length - 62),
        Arrays.copyOf(keyWith, keyWith.length - 62),
        "only the second slot differs");

    try (LocalStore s = LocalStore.open(home, DURESS)) {
      assertTrue(s.openedUnderDuress());
      assertFalse(s.duressWipes());
      assertArrayEquals(
          "secret".getBytes(StandardCharsets.UTF_8), s.get("a"), "the same data key opens");
      assertThrows(
          WrongPassphraseException.class, () -> s.setDuressPassphrase(DURESS, PASS, false));
    }
    try (LocalStore s = LocalStore.open(home, PASS)) {
      assertFalse(s.openedUnderDuress());
      s.setDuressPassphrase(PASS, null, false);
    }
    assertThrows(WrongPassphraseException.class, () -> LocalStore.open(home, DURESS));
    assertEquals(without, namesAndSizes());
  }

  @Test
  void aKeyFileFromBeforeDuressPassphrasesGetsItsSecondSlotOnOpen() throws Exception {
    try (LocalStore s = LocalStore.create(home, PASS, FAST_KDF)) {
      s.put("a", new byte[] {1});
    }
    Path keyFile = home.resolve(LocalStore.KEY_FILE);
    byte[] full = Files.readAllBytes(keyFile);
    Files.write(keyFile, Arrays.copyOf(full, full.length - 62));
    try (LocalStore s = LocalStore.open(home, PASS)) {
      assertArrayEquals(new byte[] {1}, s.get("a"));
    }
    assertEquals(full.length, Files.size(keyFile));
    assertNotEquals(0, full.length);
  }

  private Map<String, Long> namesAndSizes() throws Exception {
    Map<String, Long> out = new TreeMap<>();
    try (Stream<Path> files = Files.walk(home)) {
      for (Path p : files.filter(Files::isRegularFile).toList()) {
        out.put(home.relativize(p).toString(), Files.size(p));
      }
    }
    return out;
  }
}
