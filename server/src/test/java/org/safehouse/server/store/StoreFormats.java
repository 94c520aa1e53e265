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
      // Only the families the store has: an older release's store lacks those added since, and a
      // read-only open cannot create them.
      java.util.Set<String> present = new java.util.HashSet<>();
      try (org.rocksdb.Options o = new org.rocksdb.Options()) {
        for (byte[] name : org.rocksdb.RocksDB.listColumnFamilies(o, dir.toString())) {
          present.add(new String(name, java.nio.charset.StandardCharsets.US_ASCII));
        }
      }
      List<org.rocksdb.ColumnFamilyDescriptor> descriptors =
          new java.util.ArrayList<>(ColumnFamilies.describe(cache, cfos));
      descriptors.removeIf(
          d ->
              !present.contains(
                  new String(d.getName(), java.nio.charset.StandardCharsets.US_ASCII)));
      db = org.rocksdb.RocksDB.openReadOnly(dbo, dir.toString(), descriptors, handles);
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

  /** The column families of the closed store in {@code dir}. */
  public static java.util.Set<String> families(Path dir) throws RocksDBException {
    org.rocksdb.RocksDB.loadLibrary();
    java.util.Set<String> names = new java.util.TreeSet<>();
    try (org.rocksdb.Options o = new org.rocksdb.Options()) {
      for (byte[] name : org.rocksdb.RocksDB.listColumnFamilies(o, dir.toString())) {
        names.add(new String(name, java.nio.charset.StandardCharsets.US_ASCII));
      }
    }
    return names;
  }

  /**
   * Adds an empty column family {@code name} to the closed store in {@code dir}, as a newer release
   * that added one would.
   */
  public static void addFamily(Path dir, String name) throws RocksDBException {
    org.rocksdb.RocksDB.loadLibrary();
    List<org.rocksdb.ColumnFamilyDescriptor> descriptors = new java.util.ArrayList<>();
    for (String f : families(dir)) {
      descriptors.add(
          new org.rocksdb.ColumnFamilyDescriptor(
              f.getBytes(java.nio.charset.StandardCharsets.US_ASCII)));
    }
    List<org.rocksdb.ColumnFamilyHandle> handles = new java.util.ArrayList<>();
    try (org.rocksdb.DBOptions o = new org.rocksdb.DBOptions();
        org.rocksdb.RocksDB db =
            org.rocksdb.RocksDB.open(o, dir.toString(), descriptors, handles)) {
      db.createColumnFamily(
              new org.rocksdb.ColumnFamilyDescriptor(
                  name.getBytes(java.nio.charset.StandardCharsets.US_ASCII)))
          .close();
      handles.forEach(org.rocksdb.ColumnFamilyHandle::close);
    }
  }
}
