package org.safehouse.server.backup;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import org.safehouse.server.store.RelayStore;
import org.safehouse.server.store.StoreBackup;

/**
 * The running server's side of {@code admin backup}: the contents of a backup (see {@link
 * BackupContents}), unencrypted, for the admin command to encrypt. The store's entries come from
 * one snapshot, taken while sends go on; the files are read as they are (the server never changes
 * them while it runs).
 */
public final class BackupSource {
  private final RelayStore store;
  private final Path tlsCert;
  private final Path tlsKey;
  private final Path upgradeSecret;
  private final Path vapidKey;
  private final Clock clock;

  /**
   * @param tlsKey the TLS key, or null in plaintext mode (then {@code tlsCert} is the proxy's)
   * @param vapidKey the push wake-ups' signing key; backed up if the file exists, so that push
   *     servers that tie a device's subscription to it still accept wake-ups after a restore
   */
  public BackupSource(
      RelayStore store, Path tlsCert, Path tlsKey, Path upgradeSecret, Path vapidKey, Clock clock) {
    this.store = store;
    this.tlsCert = tlsCert;
    this.tlsKey = tlsKey;
    this.upgradeSecret = upgradeSecret;
    this.vapidKey = vapidKey;
    this.clock = clock;
  }

  /**
   * Writes the contents to {@code out}.
   *
   * @return how many store entries it holds
   * @throws IOException if a file or the store cannot be read, or {@code out} fails
   */
  public long writeTo(OutputStream out) throws IOException {
    // The files are read first, so nothing is sent if one is missing.
    byte[] cert = Files.readAllBytes(tlsCert);
    byte[] key = tlsKey != null && Files.exists(tlsKey) ? Files.readAllBytes(tlsKey) : null;
    byte[] secret = Files.readAllBytes(upgradeSecret);
    byte[] vapid = Files.exists(vapidKey) ? Files.readAllBytes(vapidKey) : null;
    BackupContents.Writer[] writer = new BackupContents.Writer[1];
    StoreBackup.export(
        store,
        new StoreBackup.Sink() {
          @Override
          public void begin(int storeFormat) throws IOException {
            BackupContents.Writer w = new BackupContents.Writer(out, storeFormat, clock.millis());
            w.file(BackupContents.TLS_CERT, cert);
            if (key != null) {
              w.file(BackupContents.TLS_KEY, key);
            }
            w.file(BackupContents.UPGRADE_SECRET, secret);
            if (vapid != null) {
              w.file(BackupContents.VAPID_KEY, vapid);
            }
            writer[0] = w;
          }

          @Override
          public void accept(StoreBackup.Entry e) throws IOException {
            writer[0].entry(e);
          }
        });
    return writer[0].end();
  }
}
