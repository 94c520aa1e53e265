package org.safehouse.server.natives;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Netty's native libraries kept in the launcher's owner-only folder, where Netty looks first. */
class NettyNativesTest {
  @TempDir Path temp;

  @Test
  void theFolderGetsExactCopiesOfTheLibrariesNettyLoadsOnThisMachine() throws Exception {
    Path dir = ownerOnly("cache");
    NettyNatives.keep(dir, "/usr/lib" + File.pathSeparator + dir);
    assertEquals(2, NettyNatives.names().size());
    for (String name : NettyNatives.names()) {
      String file = System.mapLibraryName(name);
      Path copy = dir.resolve(file);
      assertArrayEquals(jar(file), Files.readAllBytes(copy), file);
      assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(copy)));
      FileTime made = FileTime.fromMillis(1_000_000_000_000L);
      Files.setLastModifiedTime(copy, made);
      NettyNatives.keep(dir, dir.toString());
      assertEquals(made, Files.getLastModifiedTime(copy), "an intact copy is not written again");
    }
  }

  @Test
  void aCopyFromAnotherJarIsReplacedBeforeNettyCanLoadIt() throws Exception {
    Path dir = ownerOnly("cache");
    String file = System.mapLibraryName(NettyNatives.names().get(1));
    Files.write(dir.resolve(file), new byte[] {1, 2, 3});
    NettyNatives.keep(dir, dir.toString());
    assertArrayEquals(jar(file), Files.readAllBytes(dir.resolve(file)));
  }

  @Test
  void nothingIsKeptInAFolderNettyDoesNotLookInOrOthersMayWriteTo() throws Exception {
    Path dir = ownerOnly("cache");
    NettyNatives.keep(dir, "/usr/lib");
    Path shared = Files.createDirectories(temp.resolve("shared"));
    Files.setPosixFilePermissions(shared, PosixFilePermissions.fromString("rwxrwxrwx"));
    NettyNatives.keep(shared, shared.toString());
    for (String name : NettyNatives.names()) {
      assertFalse(Files.exists(dir.resolve(System.mapLibraryName(name))));
      assertFalse(Files.exists(shared.resolve(System.mapLibraryName(name))));
    }
  }

  private static byte[] jar(String file) throws Exception {
    try (InputStream in =
        NettyNatives.class.getClassLoader().getResourceAsStream("META-INF/native/" + file)) {
      assertNotNull(in, "Netty ships no " + file + " for this machine");
      return in.readAllBytes();
    }
  }

  private Path ownerOnly(String name) throws Exception {
    Path dir =
        Files.createDirectory(
            temp.resolve(name),
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    assertTrue(KeptLibrary.ownerOnly(dir));
    return dir;
  }
}
