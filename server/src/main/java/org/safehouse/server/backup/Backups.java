package org.safehouse.server.backup;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import java.util.Map;
import java.util.stream.Stream;
import org.safehouse.server.admin.AdminClient;
import org.safehouse.server.config.ServerConfig;
import org.safehouse.server.store.StoreBackup;
import org.safehouse.server.store.StoreFormat;
import org.safehouse.server.transport.PrivateFiles;

/**
 * {@code admin backup FILE} and {@code restore FILE}: the admin's side. A backup is asked of the
 * running server over its admin socket ({@link BackupSource} answers), encrypted here under the
 * passphrase, and written owner-only; the passphrase never leaves this process. A restore decrypts
 * it into an empty data folder, where the server then starts as before the loss: same TLS key (so
 * the same pin), same upgrade secret, same accounts and devices.
 */
public final class Backups {
  /** What a backup or restore did. */
  public record Summary(long entries, long accounts, long devices) {}

  private Backups() {}

  /**
   * Asks the server whose admin socket is {@code socket} for a backup and writes it, encrypted, to
   * {@code file} (0600, replaced only once complete).
   *
   * @throws IOException if no server answers, the server cannot finish, or {@code file} cannot be
   *     written; no file is left then
   */
  public static long create(Path socket, Path file, char[] passphrase, BackupCipher.Cost cost)
      throws IOException {
    long[] entries = {-1};
    PrivateFiles.write(
        file,
        out -> {
          // Argon2 runs before the server is asked: the server never waits for it.
          OutputStream enc = BackupCipher.encrypting(out, passphrase, cost);
          try {
            AdminClient.request(
                socket,
                "backup",
                line -> {
                  if (entries[0] >= 0) {
                    throw new IOException("the server sent more after the end of the backup");
                  } else if (line.startsWith("end ")) {
                    entries[0] = Long.parseLong(line.substring(4));
                  } else if (line.startsWith("error ")) {
                    throw new AdminClient.AdminException(line.substring(6));
                  } else {
                    enc.write(Base64.getDecoder().decode(line));
                  }
                });
          } catch (AdminClient.AdminException e) {
            throw new IOException(e.getMessage(), e);
          } catch (IllegalArgumentException e) {
            throw new IOException("the server's backup stream is damaged", e);
          }
          if (entries[0] < 0) {
            throw new IOException("the server stopped before the backup was complete; try again");
          }
          enc.close();
        });
    return entries[0];
  }

  /**
   * Restores {@code file} into {@code dataDir}, which must be empty or not exist: its TLS files,
   * upgrade secret and store go where {@link ServerConfig#defaults} expects them.
   *
   * @throws NotEmptyException if {@code dataDir} holds anything
   * @throws BackupCipher.WrongPassphraseException if the passphrase does not open {@code file}
   * @throws StoreFormat.NewerStoreException if a newer server made the backup
   * @throws IOException if {@code file} is damaged or cannot be read; {@code dataDir} is then left
   *     empty again
   */
  public static Summary restore(Path file, char[] passphrase, Path dataDir) throws IOException {
    if (Files.exists(dataDir)) {
      try (Stream<Path> listing = Files.list(dataDir)) {
        if (listing.findAny().isPresent()) {
          throw new NotEmptyException(
              "the data folder "
                  + dataDir
                  + " is not empty; restore only into an empty or new folder (move the old one"
                  + " aside first)");
        }
      }
    }
    if (!Files.exists(file)) {
      throw new IOException("there is no backup file " + file);
    }
    Files.createDirectories(
        dataDir,
        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    Files.setPosixFilePermissions(dataDir, PosixFilePermissions.fromString("rwx------"));
    try (InputStream in = BackupCipher.decrypting(Files.newInputStream(file), passphrase)) {
      BackupContents.Reader contents =
          new BackupContents.Reader(new java.io.BufferedInputStream(in, 1 << 16));
      if (contents.storeFormat() > StoreFormat.CURRENT) {
        throw new StoreFormat.NewerStoreException(
            "this backup was made by a newer Safehouse server (store format "
                + contents.storeFormat()
                + "; this one reads formats up to "
                + StoreFormat.CURRENT
                + "): restore it with that version or a newer one");
      }
      ServerConfig layout = ServerConfig.defaults(dataDir);
      Map<String, byte[]> files = contents.files();
      for (String needed : new String[] {BackupContents.TLS_CERT, BackupContents.UPGRADE_SECRET}) {
        if (!files.containsKey(needed)) {
          throw new IOException("the backup is damaged: it has no " + needed);
        }
      }
      writeFile(layout.tlsCert(), files.get(BackupContents.TLS_CERT));
      if (files.containsKey(BackupContents.TLS_KEY)) {
        writeFile(layout.tlsKey(), files.get(BackupContents.TLS_KEY));
      }
      writeFile(
          dataDir.resolve(org.safehouse.server.transport.UpgradeSecret.FILE),
          files.get(BackupContents.UPGRADE_SECRET));
      if (files.containsKey(BackupContents.VAPID_KEY)) {
        writeFile(
            dataDir.resolve(org.safehouse.server.push.VapidKey.FILE),
            files.get(BackupContents.VAPID_KEY));
      }
      StoreBackup.Imported imported = StoreBackup.importInto(layout.storeDir(), contents);
      return new Summary(imported.entries(), imported.accounts(), imported.devices());
    } catch (IOException | RuntimeException e) {
      empty(dataDir);
      throw e;
    }
  }

  /** The data folder to restore into holds something already. */
  public static final class NotEmptyException extends IOException {
    private static final long serialVersionUID = 1L;

    NotEmptyException(String message) {
      super(message);
    }
  }

  private static void writeFile(Path target, byte[] bytes) throws IOException {
    Files.createDirectories(
        target.getParent(),
        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    PrivateFiles.write(target, out -> out.write(bytes));
  }

  /** Deletes everything under {@code dir} (which was empty before the restore), keeping it. */
  private static void empty(Path dir) {
    try {
      Files.walkFileTree(
          dir,
          new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path f, BasicFileAttributes attrs) throws IOException {
              Files.delete(f);
              return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
              if (!d.equals(dir)) {
                Files.delete(d);
              }
              return FileVisitResult.CONTINUE;
            }
          });
    } catch (IOException e) {
      // Best effort: the restore's own error is the one to report.
    }
  }
}
