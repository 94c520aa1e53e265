package org.safehouse.sdk.internal.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.FileTime;
import java.security.SecureRandom;

/**
 * Crash-safe file replacement: after a crash a file holds either its old or its new content, and a
 * leftover temp file (suffix {@value #TEMP_SUFFIX}) is the only possible debris.
 *
 * <p>Every file written here, and its folder after each change, has its modification and access
 * times set to {@link #CONSTANT_TIME}, so they do not tell when a message arrived. (The inode
 * change time cannot be set by a process; it shows the last change of each file.)
 */
final class AtomicFiles {
  static final String TEMP_SUFFIX = ".tmp";

  /** The modification and access time of every store file: 2000-01-01T00:00:00Z. */
  static final FileTime CONSTANT_TIME = FileTime.fromMillis(946_684_800_000L);

  private static final SecureRandom RANDOM = new SecureRandom();

  private AtomicFiles() {}

  /**
   * Writes a temp file (created 0600), fsyncs it, renames it over {@code target}, then fsyncs the
   * directory.
   */
  static void write(Path target, byte[] content) throws IOException {
    byte[] suffix = new byte[8];
    RANDOM.nextBytes(suffix);
    Path temp =
        target.resolveSibling(target.getFileName() + "." + Hex.format(suffix) + TEMP_SUFFIX);
    try {
      try (FileChannel channel =
          FileChannel.open(
              temp,
              java.util.EnumSet.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
              OwnerOnly.fileAttributes(temp))) {
        writeFully(channel, content);
        channel.force(true);
      }
      stamp(temp);
      Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
    } finally {
      Files.deleteIfExists(temp);
    }
    fsyncDirectory(target.getParent());
  }

  /** Overwrites a file in place with {@code content} and forces it to disk. */
  static void overwrite(Path file, byte[] content) throws IOException {
    try (FileChannel channel =
        FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
      writeFully(channel, content);
      channel.force(true);
    }
  }

  /** Deletes a file if present and makes the removal durable. */
  static void delete(Path file) throws IOException {
    if (Files.deleteIfExists(file)) {
      fsyncDirectory(file.getParent());
    }
  }

  static void fsyncDirectory(Path directory) throws IOException {
    stamp(directory);
    try (FileChannel channel = FileChannel.open(directory, StandardOpenOption.READ)) {
      channel.force(true);
    }
  }

  /** Sets the modification and access times of {@code path} to {@link #CONSTANT_TIME}. */
  static void stamp(Path path) throws IOException {
    Files.getFileAttributeView(path, BasicFileAttributeView.class)
        .setTimes(CONSTANT_TIME, CONSTANT_TIME, null);
  }

  private static void writeFully(FileChannel channel, byte[] content) throws IOException {
    ByteBuffer buffer = ByteBuffer.wrap(content);
    while (buffer.hasRemaining()) {
      channel.write(buffer);
    }
  }
}
