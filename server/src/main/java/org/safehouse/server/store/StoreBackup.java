package org.safehouse.server.store;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ColumnFamilyOptions;
import org.rocksdb.DBOptions;
import org.rocksdb.InfoLogLevel;
import org.rocksdb.LRUCache;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.Snapshot;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;

/**
 * The part of the store that recovery needs, as raw entries: what a backup holds and what a restore
 * writes back. Taken from one RocksDB snapshot, so every entry is as of one moment while writes go
 * on.
 *
 * <p>In: accounts, devices and their auth keys, each device's identity key, signed prekey and Kyber
 * last-resort key, staff, caseloads, cases, invites (hashes of their codes only), the audit log,
 * and the meta entries that keep a restored server from acting as a fresh one (first start done,
 * message sequence numbers reserved, store format). Out, by design: queued messages, their expiry
 * index, cursors and mailbox usage (messages are meant to disappear; their bucket keys are not in
 * the store at all), one-time prekeys (one handed out after the backup would be handed out again
 * after a restore, and its device has deleted its private half: each device uploads new ones when
 * it next connects), and the counters (recounted on restore).
 */
public final class StoreBackup {
  /** One stored entry: the column family's name, the key, the value. */
  public record Entry(String family, byte[] key, byte[] value) {}

  /** Takes an export: the store's format version first, then its entries in order. */
  public interface Sink {
    void begin(int storeFormat) throws IOException;

    void accept(Entry entry) throws IOException;
  }

  /** Gives the entries to import, in any order; null at the end. */
  public interface Source {
    Entry next() throws IOException;
  }

  /** What an import wrote. */
  public record Imported(long entries, long accounts, long devices) {}

  static final List<String> FAMILIES =
      List.of(
          "default",
          "accounts",
          "devices",
          "keys",
          "staff",
          "caseload",
          "cases",
          "invites",
          "audit",
          "push",
          CheckInStore.SCHEDULES,
          DeviceRecords.LISTS);
  private static final Set<String> META =
      Set.of(
          new String(RelayStore.META_INITIALIZED, java.nio.charset.StandardCharsets.US_ASCII),
          new String(RelayStore.META_SEQ, java.nio.charset.StandardCharsets.US_ASCII),
          new String(StoreFormat.META_FORMAT, java.nio.charset.StandardCharsets.US_ASCII));
  private static final byte ONE_TIME = 'o';
  private static final byte ONE_TIME_KYBER = 'q';
  private static final int BATCH_ENTRIES = 1_000;

  private StoreBackup() {}

  /**
   * Gives {@code sink} every entry recovery needs, as of one snapshot of the open {@code store}.
   */
  public static void export(RelayStore store, Sink sink) throws IOException {
    RocksDB db = store.db();
    Snapshot snapshot = db.getSnapshot();
    try (ReadOptions ro = new ReadOptions().setSnapshot(snapshot)) {
      byte[] format = db.get(store.metaCf(), ro, StoreFormat.META_FORMAT);
      sink.begin(format == null ? 1 : Keys.getInt(format, 0));
      for (String family : FAMILIES) {
        ColumnFamilyHandle h =
            store.families().get(Arrays.asList(ColumnFamilies.NAMES).indexOf(family));
        try (RocksIterator it = db.newIterator(h, ro)) {
          for (it.seekToFirst(); it.isValid(); it.next()) {
            byte[] key = it.key();
            if (wanted(family, key)) {
              sink.accept(new Entry(family, key, it.value()));
            }
          }
          it.status();
        }
      }
    } catch (RocksDBException e) {
      throw new IOException("cannot read the store for a backup: " + e.getMessage(), e);
    } finally {
      db.releaseSnapshot(snapshot);
    }
  }

  /** Whether recovery needs this entry (see the class comment); an import skips the others too. */
  static boolean wanted(String family, byte[] key) {
    return switch (family) {
      case "default" -> META.contains(new String(key, java.nio.charset.StandardCharsets.US_ASCII));
      case "keys" ->
          key.length > Keys.DEVICE_KEY
              && key[Keys.DEVICE_KEY] != ONE_TIME
              && key[Keys.DEVICE_KEY] != ONE_TIME_KYBER;
      default -> FAMILIES.contains(family);
    };
  }

  /**
   * Creates a store in {@code storeDir}, which must not hold one, with the entries of {@code
   * source} that {@link #export} would give (others are skipped) and counters recounted from them.
   *
   * @throws IOException if {@code storeDir} already holds a store, or writing fails
   */
  public static Imported importInto(Path storeDir, Source source) throws IOException {
    if (Files.exists(storeDir.resolve("CURRENT"))) {
      throw new IOException("there is a store in " + storeDir + " already");
    }
    RocksDB.loadLibrary();
    Files.createDirectories(storeDir);
    List<ColumnFamilyOptions> cfos = new ArrayList<>();
    List<ColumnFamilyHandle> handles = new ArrayList<>();
    LRUCache cache = new LRUCache(8L << 20);
    DBOptions dbo =
        new DBOptions()
            .setCreateIfMissing(true)
            .setCreateMissingColumnFamilies(true)
            .setInfoLogLevel(InfoLogLevel.WARN_LEVEL);
    RocksDB db = null;
    try (WriteOptions synced = new WriteOptions().setSync(true)) {
      db = RocksDB.open(dbo, storeDir.toString(), ColumnFamilies.describe(cache, cfos), handles);
      long entries = 0;
      long accounts = 0;
      long devices = 0;
      WriteBatch batch = new WriteBatch();
      try {
        for (Entry e; (e = source.next()) != null; ) {
          if (!wanted(e.family(), e.key())) {
            continue;
          }
          int index = Arrays.asList(ColumnFamilies.NAMES).indexOf(e.family());
          batch.put(handles.get(index), e.key(), e.value());
          entries++;
          accounts += e.family().equals("accounts") ? 1 : 0;
          devices += e.family().equals("devices") ? 1 : 0;
          if (batch.count() >= BATCH_ENTRIES) {
            db.write(synced, batch);
            batch.close();
            batch = new WriteBatch();
          }
        }
        byte[] counters = new byte[32];
        Keys.putLong(counters, 8 * RelayStore.ACCOUNTS, accounts);
        Keys.putLong(counters, 8 * RelayStore.DEVICES, devices);
        batch.put(handles.get(0), RelayStore.META_COUNTERS, counters);
        db.write(synced, batch);
      } finally {
        batch.close();
      }
      return new Imported(entries, accounts, devices);
    } catch (RocksDBException e) {
      throw new IOException("cannot write the store in " + storeDir + ": " + e.getMessage(), e);
    } finally {
      ColumnFamilies.closeAll(handles, db, dbo, cfos, cache);
    }
  }
}
