package org.safehouse.server.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rocksdb.RocksDB;
import org.rocksdb.util.Environment;

/** RocksDB's native library kept in an owner-only folder instead of copied out at every start. */
class RocksNativeTest {
  private static final String NAME = Environment.getJniLibraryFileName("rocksdb");
  private static final String COPY = RocksNative.fileName();

  @TempDir Path temp;

  @Test
  void theFirstStartCopiesTheJarsLibraryAndLaterStartsUseThatCopy() throws Exception {
    Path dir = ownerOnly("cache");
    assertTrue(RocksNative.prepare(dir));
    Path lib = dir.resolve(COPY);
    byte[] jar;
    try (InputStream in = RocksDB.class.getResourceAsStream("/" + NAME)) {
      jar = in.readAllBytes();
    }
    assertArrayEquals(jar, Files.readAllBytes(lib));
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(lib)));
    FileTime made = FileTime.fromMillis(1_000_000_000_000L);
    Files.setLastModifiedTime(lib, made);
    assertTrue(RocksNative.prepare(dir));
    assertEquals(made, Files.getLastModifiedTime(lib), "an intact copy is not written again");
  }

  @Test
  void aDamagedCopyIsReplacedByTheJarsLibrary() throws Exception {
    Path dir = ownerOnly("cache");
    assertTrue(RocksNative.prepare(dir));
    Path lib = dir.resolve(COPY);
    byte[] good = Files.readAllBytes(lib);
    byte[] bad = good.clone();
    bad[bad.length / 2] ^= 1; // same size, other bytes
    Files.write(lib, bad);
    assertTrue(RocksNative.prepare(dir));
    assertArrayEquals(good, Files.readAllBytes(lib));
  }

  @Test
  void aFolderOthersMayWriteToIsNeverUsed() throws Exception {
    Path dir = Files.createDirectories(temp.resolve("shared"));
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx"));
    assertFalse(RocksNative.prepare(dir));
    assertFalse(RocksNative.prepare(temp.resolve("missing")));
    assertFalse(Files.exists(dir.resolve(COPY)));
  }

  private Path ownerOnly(String name) throws Exception {
    return Files.createDirectory(
        temp.resolve(name),
        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
  }
}
