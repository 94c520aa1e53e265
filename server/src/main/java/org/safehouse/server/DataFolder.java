package org.safehouse.server;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import org.safehouse.server.account.InviteLink;
import org.safehouse.server.account.Invites;

/**
 * The server's data folder (store, bucket keys, TLS key, admin socket, first admin invite): folders
 * 0700, files 0600. The folder itself is made owner-only before anything is written in it, and
 * everything in it is set owner-only again at every start, since it may have been created, copied
 * or restored with wider modes. Symbolic links are neither followed nor changed. The first admin
 * invite's file is deleted once that invite is used.
 */
final class DataFolder {
  /** The file, in the data folder, that holds the first admin invite of a fresh server. */
  static final String FIRST_ADMIN_INVITE = "first-admin-invite.txt";

  private static final Set<PosixFilePermission> DIRECTORY =
      PosixFilePermissions.fromString("rwx------");
  private static final Set<PosixFilePermission> FILE = PosixFilePermissions.fromString("rw-------");

  private DataFolder() {}

  /**
   * Creates {@code dir} 0700, or sets an existing one to 0700.
   *
   * @throws IOException with a one-line explanation if it cannot be created or written
   */
  static void prepare(Path dir) throws IOException {
    try {
      if (!Files.exists(dir)) {
        Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(DIRECTORY));
      }
      if (!Files.isDirectory(dir) || !Files.isWritable(dir)) {
        throw new IOException("the data folder " + dir + " is not a writable folder; check --data");
      }
      Files.setPosixFilePermissions(dir, DIRECTORY);
    } catch (IOException e) {
      if (e.getMessage() != null && e.getMessage().contains("data folder")) {
        throw e;
      }
      throw new IOException(
          "cannot create the data folder " + dir + "; check --data and permissions", e);
    }
  }

  /**
   * Sets every folder under {@code dir} to 0700 and everything else to 0600. Files that vanish
   * meanwhile (the store compacts in the background) are skipped.
   *
   * @throws IOException with a one-line explanation if a mode cannot be set
   */
  static void restrict(Path dir) throws IOException {
    try {
      Files.walkFileTree(
          dir,
          new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes attrs)
                throws IOException {
              setMode(d, DIRECTORY);
              return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path f, BasicFileAttributes attrs) throws IOException {
              if (!attrs.isSymbolicLink()) {
                setMode(f, FILE);
              }
              return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path f, IOException e) throws IOException {
              if (e instanceof NoSuchFileException) {
                return FileVisitResult.CONTINUE;
              }
              throw e;
            }
          });
    } catch (IOException e) {
      throw new IOException(
          "cannot make the data folder " + dir + " owner-only; check who owns its files", e);
    }
  }

  private static void setMode(Path p, Set<PosixFilePermission> mode) throws IOException {
    try {
      Files.setPosixFilePermissions(p, mode);
    } catch (NoSuchFileException e) {
      // Removed since it was listed.
    }
  }

  /**
   * Deletes the {@link #FIRST_ADMIN_INVITE} file once its invite is no longer {@code outstanding}
   * (redeemed, expired or cancelled): a seized disk then holds no usable code.
   */
  static void forgetUsedFirstAdminInvite(Path dir, List<Invites.Outstanding> outstanding)
      throws IOException {
    Path file = dir.resolve(FIRST_ADMIN_INVITE);
    if (!Files.exists(file)) {
      return;
    }
    String hash;
    try {
      byte[] code = InviteLink.parse(Files.readString(file, StandardCharsets.UTF_8)).code();
      hash = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(code));
    } catch (IllegalArgumentException e) {
      // Not a link (edited by hand): nothing to protect in it.
      Files.deleteIfExists(file);
      return;
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JDK", e);
    }
    // An invite's id is the start of the SHA-256 of its code (see Invites).
    if (outstanding.stream().noneMatch(i -> hash.startsWith(i.id()))) {
      Files.deleteIfExists(file);
    }
  }

  /**
   * Writes {@code link} to {@link #FIRST_ADMIN_INVITE} in {@code dir}, created 0600, durably.
   *
   * @return the file
   */
  static Path writeFirstAdminInvite(Path dir, String link) throws IOException {
    Path file = dir.resolve(FIRST_ADMIN_INVITE);
    Path temp = dir.resolve(FIRST_ADMIN_INVITE + ".tmp");
    Files.deleteIfExists(temp);
    try (FileChannel channel =
        FileChannel.open(
            temp,
            Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
            PosixFilePermissions.asFileAttribute(FILE))) {
      ByteBuffer bytes = ByteBuffer.wrap((link + "\n").getBytes(StandardCharsets.UTF_8));
      while (bytes.hasRemaining()) {
        channel.write(bytes);
      }
      channel.force(true);
    }
    Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE);
    return file;
  }
}
