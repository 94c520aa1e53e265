package org.safehouse.sdk.internal.store;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A listing of the store's files tells neither how long a message is nor when it came. */
class RecordMetadataTest {
  private static final char[] PASSPHRASE = "correct horse battery staple".toCharArray();

  @TempDir Path temp;

  /** A pending text as the inbox stores it: sequence, ids, text, sent time. */
  private static byte[] pending(String text) {
    java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
    try (java.io.DataOutputStream out = new java.io.DataOutputStream(bytes)) {
      out.writeLong(1);
      out.writeUTF("0123456789abcdef0123456789abcdef");
      out.writeUTF("fedcba9876543210fedcba9876543210");
      byte[] t = text.getBytes(StandardCharsets.UTF_8);
      out.writeInt(t.length);
      out.write(t);
      out.writeLong(0);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  private static List<Path> recordFiles(Path home) throws Exception {
    try (Stream<Path> files = Files.list(home.resolve(LocalStore.RECORDS_DIR))) {
      return new ArrayList<>(files.toList());
    }
  }

  @Test
  void aOneCharacterAndA200CharacterMessageMakeFilesOfTheSameSize() throws Exception {
    Path home = temp.resolve("home");
    try (LocalStore store = LocalStore.create(home, PASSPHRASE, LocalStoreTest.FAST_KDF)) {
      store.put(
          "inbox:fedcba9876543210fedcba9876543210:0123456789abcdef0123456789abcd01", pending("x"));
      store.put(
          "inbox:fedcba9876543210fedcba9876543210:0123456789abcdef0123456789abcd02",
          pending("y".repeat(200)));
    }
    List<Path> files = recordFiles(home);
    assertEquals(2, files.size());
    assertEquals(Files.size(files.get(0)), Files.size(files.get(1)), "sizes: " + files);
  }

  @Test
  void heldAndPendingAndSeenRecordsOfDifferentNamesAndLengthsLookAlike() throws Exception {
    Path home = temp.resolve("home");
    try (LocalStore store = LocalStore.create(home, PASSPHRASE, LocalStoreTest.FAST_KDF)) {
      store.put(
          "seen:fedcba9876543210fedcba9876543210:0123456789abcdef0123456789abcdef", new byte[8]);
      store.put("held:fedcba9876543210fedcba9876543210:00000000000000000001", new byte[300]);
      store.put(
          "inbox:fedcba9876543210fedcba9876543210:0123456789abcdef0123456789abcdef", pending("hi"));
    }
    List<Long> sizes = new ArrayList<>();
    for (Path f : recordFiles(home)) {
      sizes.add(Files.size(f));
    }
    assertEquals(1, sizes.stream().distinct().count(), "sizes: " + sizes);
  }

  @Test
  void noFileOrFolderOfTheStoreCarriesTheTimeOfAWrite() throws Exception {
    Path home = temp.resolve("home");
    try (LocalStore store = LocalStore.create(home, PASSPHRASE, LocalStoreTest.FAST_KDF)) {
      store.put("inbox:a", pending("first"));
      Thread.sleep(20);
      store.commit(
          new LocalStore.Batch().put("inbox:b", pending("second")).put("seen:b", new byte[8]));
      store.delete("inbox:a");
    }
    try (LocalStore store = LocalStore.open(home, PASSPHRASE)) {
      store.get("inbox:b"); // reads set access times
    }
    try (Stream<Path> tree = Files.walk(home.resolve(LocalStore.RECORDS_DIR))) {
      for (Path p : tree.toList()) {
        BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class);
        assertEquals(AtomicFiles.CONSTANT_TIME, a.lastModifiedTime(), "mtime of " + p);
        if (a.isRegularFile()) {
          // (A folder's access time is set by this listing itself.)
          assertEquals(AtomicFiles.CONSTANT_TIME, a.lastAccessTime(), "atime of " + p);
        }
      }
    }
  }
}
