package org.safehouse.sdk.internal.store;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * Owner-only modes for the home folder: folders 0700, files 0600, from creation on (never wider for
 * a moment), and set again when a store is opened, since the folder may have been made by hand or
 * copied with wider modes. On a file system without POSIX modes this does nothing.
 */
final class OwnerOnly {
  static final Set<PosixFilePermission> DIRECTORY = PosixFilePermissions.fromString("rwx------");
  static final Set<PosixFilePermission> FILE = PosixFilePermissions.fromString("rw-------");

  private OwnerOnly() {}

  /** Attributes that create a file 0600, for {@code Files.newByteChannel} and the like. */
  static FileAttribute<?>[] fileAttributes(Path file) {
    return posix(file.getFileSystem())
        ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(FILE)}
        : new FileAttribute<?>[0];
  }

  /** Creates {@code directory} (and missing parents) 0700, or sets an existing one to 0700. */
  static void directory(Path directory) throws IOException {
    boolean posix = posix(directory.getFileSystem());
    if (!Files.isDirectory(directory)) {
      if (posix) {
        Files.createDirectories(directory, PosixFilePermissions.asFileAttribute(DIRECTORY));
      } else {
        Files.createDirectories(directory);
      }
    }
    if (posix) {
      Files.setPosixFilePermissions(directory, DIRECTORY);
    }
  }

  /**
   * Sets {@code home} and the store's folder {@code records} in it to 0700, and the store's files
   * ({@code files} in {@code home}, every file in {@code records}) to 0600. Other files in {@code
   * home} are the user's and left alone (the folder mode already shuts others out); symbolic links
   * are left alone.
   */
  static void restrict(Path home, Path records, Path... files) throws IOException {
    if (!posix(home.getFileSystem())) {
      return;
    }
    Files.setPosixFilePermissions(home, DIRECTORY);
    for (Path file : files) {
      restrictFile(file);
    }
    if (Files.isDirectory(records, LinkOption.NOFOLLOW_LINKS)) {
      Files.setPosixFilePermissions(records, DIRECTORY);
      try (DirectoryStream<Path> entries = Files.newDirectoryStream(records)) {
        for (Path file : entries) {
          restrictFile(file);
        }
      }
    }
  }

  private static void restrictFile(Path file) throws IOException {
    if (Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
      Files.setPosixFilePermissions(file, FILE);
    }
  }

  private static boolean posix(FileSystem fs) {
    return fs.supportedFileAttributeViews().contains("posix");
  }
}
