package org.safehouse.server.store;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import org.rocksdb.Checkpoint;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.WriteOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The store's format version and the registry of steps that upgrade an older store, one format at a
 * time. The version is the meta entry {@code format-version} (4 bytes, big-endian); a store without
 * it was written by release 0.1, which is format 1.
 *
 * <p>On open, a store of this format is used as it is (a store without a version is stamped); an
 * older one is upgraded after a RocksDB checkpoint of it is taken in {@code
 * DATA/checkpoints/before-format-N-TIMESTAMP}; a newer one is refused ({@link NewerStoreException})
 * and left untouched. Each step runs in order, and the version is written, synced, after each one,
 * so a step interrupted by a crash runs again on the next start: steps must be safe to repeat.
 */
public final class StoreFormat {
  /**
   * The format this build reads and writes. Format 2 added column families (push endpoints,
   * attachments, check-ins, signed device lists); no existing entry changed. A family this build
   * knows and the store lacks is created when the store opens, after this check and the upgrade's
   * checkpoint, so a server of format 1 can still open that checkpoint.
   */
  public static final int CURRENT = 2;

  static final byte[] META_FORMAT = "format-version".getBytes(StandardCharsets.US_ASCII);

  /** This build's registry. 1 to 2: nothing to rewrite (the new families are created on open). */
  static final StoreFormat RELEASE = new StoreFormat(CURRENT, List.of((db, families) -> {}));

  private static final Logger log = LoggerFactory.getLogger(StoreFormat.class);
  private static final DateTimeFormatter STAMP =
      DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);

  /** One upgrade of a store from format {@code n} to {@code n + 1}; safe to run twice. */
  interface Step {
    void apply(RocksDB db, List<ColumnFamilyHandle> families) throws RocksDBException;
  }

  /** The store was written by a newer server; this one does not touch it. */
  public static final class NewerStoreException extends IOException {
    private static final long serialVersionUID = 1L;

    public NewerStoreException(String message) {
      super(message);
    }
  }

  private final int current;
  private final List<Step> steps;

  /**
   * @param steps {@code steps.get(i)} upgrades format {@code i + 1} to {@code i + 2}; there is one
   *     step per format below {@code current}
   */
  StoreFormat(int current, List<Step> steps) {
    if (current < 1 || steps.size() != current - 1) {
      throw new IllegalArgumentException(
          "format " + current + " needs " + (current - 1) + " steps, got " + steps.size());
    }
    this.current = current;
    this.steps = List.copyOf(steps);
  }

  int current() {
    return current;
  }

  /** The format of an open store: its stamp, or 1 if it has none. */
  static int read(RocksDB db, ColumnFamilyHandle meta) throws RocksDBException {
    byte[] v = db.get(meta, META_FORMAT);
    return v == null ? 1 : Keys.getInt(v, 0);
  }

  /** The one line an older server prints for a store of format {@code found}. */
  static String newerMessage(Path dataDir, int found, int readsUpTo) {
    return "the data folder "
        + dataDir
        + " was written by a newer Safehouse server (store format "
        + found
        + "; this one reads formats up to "
        + readsUpTo
        + "): run that version or a newer one on it, or restore into an empty folder a backup"
        + " made by this version";
  }

  /**
   * Brings the open store in {@code storeDir} to this format (see the class comment); one it just
   * {@code created} is stamped with it.
   *
   * @return the checkpoint of the store as it was before an upgrade, or null if none was needed
   * @throws NewerStoreException if the store's format is newer than this build's
   * @throws IOException if the checkpoint or a step fails; the store then keeps the format of the
   *     last step that completed
   */
  Path upgrade(
      RocksDB db, List<ColumnFamilyHandle> families, Path storeDir, Clock clock, boolean created)
      throws IOException {
    ColumnFamilyHandle meta = families.get(0);
    try (WriteOptions synced = new WriteOptions().setSync(true)) {
      if (created) {
        // A store this build just made is of this build's format: nothing to upgrade.
        db.put(meta, synced, META_FORMAT, encode(current));
        return null;
      }
      byte[] stamp = db.get(meta, META_FORMAT);
      int found = read(db, meta);
      if (found > current) {
        throw new NewerStoreException(newerMessage(storeDir.getParent(), found, current));
      }
      if (found == current) {
        if (stamp == null) {
          db.put(meta, synced, META_FORMAT, encode(current));
        }
        return null;
      }
      Path checkpoint = checkpoint(db, storeDir, found, clock);
      for (int n = found; n < current; n++) {
        steps.get(n - 1).apply(db, families);
        db.put(meta, synced, META_FORMAT, encode(n + 1));
      }
      log.info(
          "upgraded the store from format {} to {}; the store as it was is in {}: remove that"
              + " folder once this version runs well",
          found,
          current,
          checkpoint);
      return checkpoint;
    } catch (RocksDBException e) {
      throw new IOException("cannot upgrade the store in " + storeDir + ": " + e.getMessage(), e);
    }
  }

  private static Path checkpoint(RocksDB db, Path storeDir, int from, Clock clock)
      throws IOException, RocksDBException {
    Path parent = storeDir.toAbsolutePath().getParent().resolve("checkpoints");
    if (!Files.isDirectory(parent)) {
      Files.createDirectories(
          parent,
          PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    }
    Path target = parent.resolve("before-format-" + from + "-" + STAMP.format(clock.instant()));
    for (int i = 2; Files.exists(target); i++) {
      target =
          parent.resolve("before-format-" + from + "-" + STAMP.format(clock.instant()) + "-" + i);
    }
    try (Checkpoint c = Checkpoint.create(db)) {
      c.createCheckpoint(target.toString());
    }
    return target;
  }

  static byte[] encode(int format) {
    byte[] b = new byte[4];
    Keys.putInt(b, 0, format);
    return b;
  }
}
