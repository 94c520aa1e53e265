package org.safehouse.server.transport;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * Secrets the server makes once (TLS key, upgrade secret) and backups, written owner-only and
 * durably.
 */
public final class PrivateFiles {
  private PrivateFiles() {}

  /**
   * Writes {@code text} to {@code file}: created 0600 under a temporary name, synced, then renamed
   * into place, so the file is never readable by others, never half-written, and still there after
   * a power cut once this returns (an invite carrying it may already have been handed out).
   */
  public static void write(Path file, String text) throws IOException {
    write(file, out -> out.write(text.getBytes(StandardCharsets.US_ASCII)));
  }

  /** What {@link #write(Path, Body)} puts in the file. */
  public interface Body {
    void writeTo(java.io.OutputStream out) throws IOException;
  }

  /**
   * As {@link #write(Path, String)}, with the bytes {@code body} writes; if it throws, the file is
   * left as it was and the partial one deleted.
   */
  public static void write(Path file, Body body) throws IOException {
    Path dir = file.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    Path tmp =
        Files.createTempFile(
            dir,
            ".new-",
            ".tmp",
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    try {
      try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
        java.io.OutputStream out =
            new java.io.BufferedOutputStream(
                java.nio.channels.Channels.newOutputStream(ch), 1 << 16);
        body.writeTo(out);
        out.flush();
        ch.force(true);
      }
      Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
    } finally {
      Files.deleteIfExists(tmp);
    }
    try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
      d.force(true);
    }
  }
}
