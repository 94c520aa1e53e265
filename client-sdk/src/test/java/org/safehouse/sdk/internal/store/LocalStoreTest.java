package org.safehouse.sdk.internal.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.safehouse.sdk.NoStoreException;
import org.safehouse.sdk.WrongPassphraseException;

class LocalStoreTest {
  /** Cheap Argon2 costs for tests that are not about the costs. */
  static final KdfParameters FAST_KDF = new KdfParameters(1, 1024, 1);

  private static final char[] PASSPHRASE = "correct horse battery staple".toCharArray();

  @TempDir Path temp;

  private Path home() {
    return temp.resolve("home");
  }

  private LocalStore createStore() throws IOException {
    return LocalStore.create(home(), PASSPHRASE, FAST_KDF);
  }

  @Test
  void recordsSurviveCloseAndReopen() throws Exception {
    try (LocalStore store = createStore()) {
      store.put("session:ACCOUNT:1", bytes("first"));
      store.put("prekey:7", bytes("second"));
      store.put("prekey:7", bytes("second, replaced"));
      store.put("gone", bytes("deleted"));
      store.delete("gone");
    }
    try (LocalStore store = LocalStore.open(home(), PASSPHRASE)) {
      assertArrayEquals(bytes("first"), store.get("session:ACCOUNT:1"));
      assertArrayEquals(bytes("second, replaced"), store.get("prekey:7"));
      assertNull(store.get("gone"));
      assertEquals(List.of("prekey:7", "session:ACCOUNT:1"), store.names(""));
    }
  }

  @Test
  void homeFolderAndItsFilesAreOwnerOnlyEvenIfTheFolderExistedWithWiderModes() throws Exception {
    Files.createDirectories(home(), PosixFilePermissions.asFileAttribute(WIDE_DIR));
    Files.setPosixFilePermissions(home(), WIDE_DIR);
    try (LocalStore store = createStore()) {
      store.put("record", bytes("value"));
    }
    assertOwnerOnly(home());

    // Copied or restored with wider modes: opening makes it owner-only again.
    try (Stream<Path> tree = Files.walk(home())) {
      for (Path p : tree.toList()) {
        Files.setPosixFilePermissions(p, Files.isDirectory(p) ? WIDE_DIR : WIDE_FILE);
      }
    }
    try (LocalStore store = LocalStore.open(home(), PASSPHRASE)) {
      assertOwnerOnly(home());
      store.put("another", bytes("value"));
    }
    assertOwnerOnly(home());
  }

  private static final java.util.Set<PosixFilePermission> WIDE_DIR =
      PosixFilePermissions.fromString("rwxrwxrwx");
  private static final java.util.Set<PosixFilePermission> WIDE_FILE =
      PosixFilePermissions.fromString("rw-rw-rw-");

  static void assertOwnerOnly(Path root) throws IOException {
    int files = 0;
    try (Stream<Path> tree = Files.walk(root)) {
      for (Path p : tree.toList()) {
        boolean dir = Files.isDirectory(p);
        files += dir ? 0 : 1;
        assertEquals(
            PosixFilePermissions.fromString(dir ? "rwx------" : "rw-------"),
            Files.getPosixFilePermissions(p),
            p.toString());
      }
    }
    assertTrue(files >= 3, "key file, lock file and records: " + files);
  }

  @Test
  void namesListsRecordsByPrefixInOrder() throws Exception {
    try (LocalStore store = createStore()) {
      for (String name : List.of("session:b:2", "session:a:1", "prekey:1", "session:a:3")) {
        store.put(name, new byte[] {1});
      }
      assertEquals(List.of("session:a:1", "session:a:3"), store.names("session:a:"));
      assertEquals(List.of("session:a:1", "session:a:3", "session:b:2"), store.names("session:"));
      assertEquals(List.of(), store.names("contact:"));
    }
  }

  @Test
  void wrongPassphraseIsRefusedAndChangesNothing() throws Exception {
    try (LocalStore store = createStore()) {
      store.put("contact:alice", bytes("value"));
    }
    Map<String, byte[]> before = snapshot(home());

    WrongPassphraseException refused =
        assertThrows(
            WrongPassphraseException.class,
            () -> LocalStore.open(home(), "wrong passphrase".toCharArray()));

    assertTrue(refused.getMessage().toLowerCase().contains("wrong passphrase"));
    Map<String, byte[]> after = snapshot(home());
    assertEquals(before.keySet(), after.keySet());
    before.forEach((path, content) -> assertArrayEquals(content, after.get(path), path));
    try (LocalStore store = LocalStore.open(home(), PASSPHRASE)) {
      assertArrayEquals(bytes("value"), store.get("contact:alice"));
    }
  }

  @Test
  void plaintextValueAppearsInNoByteOfAnyFile() throws Exception {
    String marker = "MARKER-7f3a-plaintext-must-not-leak";
    try (LocalStore store = createStore()) {
      store.put("message:1", bytes(marker));
      store.put("message:2", bytes(marker + marker));
      assertArrayEquals(bytes(marker), store.get("message:1"));
    }
    assertNotOnDisk(bytes(marker));
  }

  @Test
  void recordNamesAppearNeitherInFileNamesNorInFileBytes() throws Exception {
    String name = "session:ACCOUNT-SECRET-NAME:1";
    try (LocalStore store = createStore()) {
      store.put(name, bytes("v"));
    }
    assertNotOnDisk(bytes(name));
    assertNotOnDisk(bytes("ACCOUNT-SECRET-NAME"));
    try (Stream<Path> files = Files.walk(home())) {
      assertTrue(files.noneMatch(p -> p.toString().contains("ACCOUNT")));
    }
  }

  @Test
  void leftoverTempFileOfACrashedWriteIsIgnoredAndRemoved() throws Exception {
    try (LocalStore store = createStore()) {
      store.put("contact:bob", bytes("committed"));
    }
    Path records = home().resolve(LocalStore.RECORDS_DIR);
    Path recordFile;
    try (Stream<Path> files = Files.list(records)) {
      recordFile = files.findFirst().orElseThrow();
    }
    // What a crash between "write temp" and "rename" leaves: a half-written temp file.
    Path leftover = records.resolve(recordFile.getFileName() + ".0123456789abcdef.tmp");
    Files.write(leftover, Arrays.copyOf(Files.readAllBytes(recordFile), 20));

    try (LocalStore store = LocalStore.open(home(), PASSPHRASE)) {
      assertArrayEquals(bytes("committed"), store.get("contact:bob"));
      assertEquals(List.of("contact:bob"), store.names(""));
    }
    assertFalse(Files.exists(leftover));
  }

  @Test
  void wipeLeavesNoFilesAndALaterOpenFindsNoStore() throws Exception {
    try (LocalStore store = createStore()) {
      store.put("identity:self", bytes("key material"));
      store.put("session:a:1", bytes("session"));
      store.wipe();
      assertThrows(IllegalStateException.class, () -> store.get("session:a:1"));
    }
    assertFalse(Files.exists(home()));
    assertThrows(NoStoreException.class, () -> LocalStore.open(home(), PASSPHRASE));
  }

  @Test
  void createRefusesAFolderThatAlreadyHoldsAStore() throws Exception {
    createStore().close();
    assertThrows(FileAlreadyExistsException.class, this::createStore);
  }

  @Test
  void openOfAFolderWithoutAStoreThrowsNoStore() {
    assertThrows(NoStoreException.class, () -> LocalStore.open(home(), PASSPHRASE));
  }

  @Test
  void storeOpenInOneHandleCannotBeOpenedAgain() throws Exception {
    try (LocalStore store = createStore()) {
      assertThrows(IOException.class, () -> LocalStore.open(home(), PASSPHRASE));
      store.put("still", bytes("usable"));
    }
    LocalStore.open(home(), PASSPHRASE).close();
  }

  @Test
  void keyFileRecordsArgon2idCostsOfAtLeastT3M64MiBP4() throws Exception {
    try (LocalStore store = LocalStore.create(home(), PASSPHRASE)) {
      store.put("k", bytes("v"));
    }
    KeyFile keyFile = KeyFile.read(home().resolve(LocalStore.KEY_FILE));
    assertTrue(keyFile.kdf().iterations() >= 3, keyFile.kdf().toString());
    assertTrue(keyFile.kdf().memoryKiB() >= 64 * 1024, keyFile.kdf().toString());
    assertTrue(keyFile.kdf().parallelism() >= 4, keyFile.kdf().toString());
    assertEquals(16, keyFile.salt().length);
    try (LocalStore store = LocalStore.open(home(), PASSPHRASE)) {
      assertArrayEquals(bytes("v"), store.get("k"));
    }
  }

  private void assertNotOnDisk(byte[] needle) throws IOException {
    for (Map.Entry<String, byte[]> file : snapshot(home()).entrySet()) {
      assertFalse(contains(file.getValue(), needle), "found in " + file.getKey());
    }
  }

  private static Map<String, byte[]> snapshot(Path root) throws IOException {
    Map<String, byte[]> files = new TreeMap<>();
    try (Stream<Path> tree = Files.walk(root)) {
      for (Path path : tree.filter(Files::isRegularFile).toList()) {
        files.put(root.relativize(path).toString(), Files.readAllBytes(path));
      }
    }
    return files;
  }

  private static boolean contains(byte[] haystack, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= haystack.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) {
          continue outer;
        }
      }
      return true;
    }
    return false;
  }

  private static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }
}
