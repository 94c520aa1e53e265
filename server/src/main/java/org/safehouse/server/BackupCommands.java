package org.safehouse.server;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.safehouse.server.backup.BackupCipher;
import org.safehouse.server.backup.Backups;
import org.safehouse.server.backup.Passphrases;
import org.safehouse.server.config.ConfigFile;
import org.safehouse.server.config.ServerConfig;
import org.safehouse.server.store.StoreFormat;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code admin backup FILE} and {@code restore FILE}: the commands of {@link Main} for backups. */
final class BackupCommands {
  private BackupCommands() {}

  @Command(
      name = "backup",
      mixinStandardHelpOptions = true,
      versionProvider = JarVersion.class,
      description =
          "Write an encrypted backup of what recovery needs (TLS key and certificate, upgrade"
              + " secret, accounts, devices and their public keys, cases, invites, audit log;"
              + " never queued messages) to FILE, owner-only. The passphrase is asked at the"
              + " terminal (twice), or read from the first line of --passphrase-file or of"
              + " standard input.")
  static final class AdminBackup implements Callable<Integer> {
    @ParentCommand Main.Admin admin;

    @Parameters(paramLabel = "FILE")
    Path file;

    @Option(
        names = "--passphrase-file",
        description = "read the passphrase from the first line of this file (e.g. /dev/fd/3)")
    Path passphraseFile;

    @Override
    public Integer call() throws Exception {
      ServerConfig cfg;
      try {
        cfg = ConfigFile.load(admin.config, admin.data, null);
      } catch (ConfigFile.ConfigException e) {
        System.err.println("error: " + e.getMessage());
        return 2;
      }
      char[] passphrase = null;
      try {
        passphrase = Passphrases.read(passphraseFile, true);
        long entries =
            Backups.create(cfg.adminSocket(), file, passphrase, BackupCipher.Cost.DEFAULT);
        System.out.println(
            "backup written to "
                + file
                + " ("
                + entries
                + " records, encrypted); keep the passphrase apart from it");
        return 0;
      } catch (IOException e) {
        System.err.println("error: " + e.getMessage());
        return 1;
      } finally {
        if (passphrase != null) {
          java.util.Arrays.fill(passphrase, '\0');
        }
      }
    }
  }

  @Command(
      name = "restore",
      mixinStandardHelpOptions = true,
      versionProvider = JarVersion.class,
      description =
          "Restore a backup made by 'admin backup' into an empty (or new) data folder; then start"
              + " the server on it with 'serve'.")
  static final class Restore implements Callable<Integer> {
    @Parameters(paramLabel = "FILE")
    Path file;

    @Option(names = "--data", description = "data folder to create (default ./safehouse-data)")
    String data;

    @Option(names = "--config", description = "config file, to find the data folder")
    Path config;

    @Option(
        names = "--passphrase-file",
        description = "read the passphrase from the first line of this file (e.g. /dev/fd/3)")
    Path passphraseFile;

    @Override
    public Integer call() throws Exception {
      ServerConfig cfg;
      try {
        cfg = ConfigFile.load(config, data, null);
      } catch (ConfigFile.ConfigException e) {
        System.err.println("error: " + e.getMessage());
        return 2;
      }
      char[] passphrase = null;
      try {
        passphrase = Passphrases.read(passphraseFile, false);
        Backups.Summary s = Backups.restore(file, passphrase, cfg.dataDir());
        System.out.println(
            "restored into "
                + cfg.dataDir()
                + ": accounts "
                + s.accounts()
                + ", devices "
                + s.devices()
                + "; start the server on it with 'serve'");
        return 0;
      } catch (StoreFormat.NewerStoreException e) {
        System.err.println("error: " + e.getMessage());
        return Main.EXIT_NEWER_STORE;
      } catch (IOException e) {
        System.err.println("error: " + e.getMessage());
        return 1;
      } finally {
        if (passphrase != null) {
          java.util.Arrays.fill(passphrase, '\0');
        }
      }
    }
  }
}
