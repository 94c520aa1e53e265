package org.safehouse.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.safehouse.server.testing.FakeClock;
import org.safehouse.server.testing.RawClient;
import org.safehouse.server.testing.TestServers;

/** Item 8: everything in the data folder is owner-only, whatever modes it had before a start. */
@Timeout(60)
class DataFolderTest {
  @TempDir Path tmp;

  private static void assertOwnerOnly(Path root) throws Exception {
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
    assertTrue(files > 5, "store, keys and invite files were checked: " + files);
  }

  @Test
  void aFirstStartInAWideOpenFolderMakesEverythingOwnerOnlyAndWritesTheInviteThere()
      throws Exception {
    Path data = Files.createDirectory(tmp.resolve("data"));
    Files.setPosixFilePermissions(data, PosixFilePermissions.fromString("rwxrwxrwx"));
    try (SafehouseServer server = TestServers.start(data, new FakeClock())) {
      assertOwnerOnly(data);
      Path invite = server.firstAdminInviteFile();
      assertEquals(data.resolve("first-admin-invite.txt"), invite);
      assertEquals(
          server.firstAdminInvite().orElseThrow() + "\n",
          Files.readString(invite, StandardCharsets.UTF_8));
    }
  }

  @Test
  void aRestartMakesFilesAndFoldersThatWereOpenedUpOwnerOnlyAgain() throws Exception {
    Path data = tmp.resolve("data");
    TestServers.start(data, new FakeClock()).close();
    // Restored from a backup or copied with wider modes.
    try (Stream<Path> tree = Files.walk(data)) {
      for (Path p : tree.toList()) {
        Files.setPosixFilePermissions(
            p, PosixFilePermissions.fromString(Files.isDirectory(p) ? "rwxr-xr-x" : "rw-r--r--"));
      }
    }
    try (SafehouseServer server = TestServers.start(data, new FakeClock())) {
      assertFalse(server.firstAdminInvite().isPresent());
      assertOwnerOnly(data);
    }
  }

  @Test
  void theFirstAdminInviteFileIsDeletedOnceTheInviteIsRedeemed() throws Exception {
    Path data = tmp.resolve("data");
    SafehouseServer server = TestServers.start(data, new FakeClock());
    try {
      assertTrue(Files.exists(server.firstAdminInviteFile()));
      try (RawClient c = TestServers.connect(server)) {
        var enrolled =
            c.enroll(server.firstAdminInvite().orElseThrow().code(), new RawClient.Device());
        assertTrue(enrolled.hasEnrolled(), enrolled.toString());
      }
    } finally {
      server.close();
    }
    assertFalse(Files.exists(server.firstAdminInviteFile()), "checked at close at the latest");
  }

  @Test
  void anUnusedFirstAdminInviteFileStaysAcrossARestart() throws Exception {
    Path data = tmp.resolve("data");
    TestServers.start(data, new FakeClock()).close();
    try (SafehouseServer again = TestServers.start(data, new FakeClock())) {
      assertTrue(Files.exists(again.firstAdminInviteFile()));
    }
  }
}
