package org.safehouse.server.store;

import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import org.rocksdb.RocksDBException;

/** Store format helpers for tests outside this package. */
public final class StoreFormats {
  private StoreFormats() {}

  /** The format the open store is stamped with (1 if none). */
  public static int of(RelayStore store) throws RocksDBException {
    return StoreFormat.read(store.db(), store.metaCf());
  }

  /** Whether the open store carries a format stamp at all. */
  public static boolean stamped(RelayStore store) throws RocksDBException {
    return store.db().get(store.metaCf(), StoreFormat.META_FORMAT) != null;
  }

  /** Whether the closed store in {@code dir} carries a format stamp; opens it read-only. */
  public static boolean stamped(Path dir) throws RocksDBException {
    org.rocksdb.RocksDB.loadLibrary();
    java.util.List<org.rocksdb.ColumnFamilyOptions> cfos = new java.util.ArrayList<>();
    java.util.List<org.rocksdb.ColumnFamilyHandle> handles = new java.util.ArrayList<>();
    org.rocksdb.LRUCache cache = new org.rocksdb.LRUCache(1 << 20);
    org.rocksdb.DBOptions dbo = new org.rocksdb.DBOptions();
    org.rocksdb.RocksDB db = null;
    try {
      // Only the families the store has: an older store lacks those added since.
      java.util.Set<String> existing = new java.util.HashSet<>();
      try (org.rocksdb.Options o = new org.rocksdb.Options()) {
        for (byte[] name : org.rocksdb.RocksDB.listColumnFamilies(o, dir.toString())) {
          existing.add(new String(name, java.nio.charset.StandardCharsets.US_ASCII));
        }
      }
      java.util.List<org.rocksdb.ColumnFamilyDescriptor> present = new java.util.ArrayList<>();
      for (org.rocksdb.ColumnFamilyDescriptor d : ColumnFamilies.describe(cache, cfos)) {
        if (existing.contains(
            new String(d.getName(), java.nio.charset.StandardCharsets.US_ASCII))) {
          present.add(d);
        }
      }
      db = org.rocksdb.RocksDB.openReadOnly(dbo, dir.toString(), present, handles);
      return db.get(handles.get(0), StoreFormat.META_FORMAT) != null;
    } finally {
      ColumnFamilies.closeAll(handles, db, dbo, cfos, cache);
    }
  }

  /**
   * Opens the store in {@code dir} as a build of format {@code format} would, each step from 1 on
   * only stamping: a store that a newer release wrote.
   */
  public static void makeNewer(Path dir, int format) throws Exception {
    List<StoreFormat.Step> steps =
        java.util.Collections.nCopies(format - 1, (StoreFormat.Step) (db, families) -> {});
    RelayStore.open(dir, KeyStorage.DISK, Clock.systemUTC(), new StoreFormat(format, steps))
        .close();
  }
}
