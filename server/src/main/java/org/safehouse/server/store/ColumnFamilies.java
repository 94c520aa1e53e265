package org.safehouse.server.store;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.BloomFilter;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ColumnFamilyOptions;
import org.rocksdb.CompressionType;
import org.rocksdb.DBOptions;
import org.rocksdb.LRUCache;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;

/** The store's column families, in the order of {@link RelayStore}'s handles, and their options. */
final class ColumnFamilies {
  static final String[] NAMES = {
    "default",
    "accounts",
    "devices",
    "invites",
    "mailbox",
    "expiry",
    "cursors",
    "keys",
    "staff",
    "caseload",
    "cases",
    "audit",
    "mailbox-usage",
    "push",
    // Attachments (BlobStore): sealed records, sealed chunks, expiry and upload-deadline index.
    "blob-meta",
    "blob-chunks",
    "blob-expiry",
    CheckInStore.SCHEDULES,
    CheckInStore.ALERTS,
    DeviceRecords.LISTS,
    DeviceRecords.LINKS
  };

  private ColumnFamilies() {}

  /** One descriptor per family; the options it creates are added to {@code options}. */
  static List<ColumnFamilyDescriptor> describe(LRUCache cache, List<ColumnFamilyOptions> options) {
    List<ColumnFamilyDescriptor> descriptors = new ArrayList<>();
    for (String name : NAMES) {
      BlockBasedTableConfig table =
          new BlockBasedTableConfig()
              .setBlockCache(cache)
              .setFilterPolicy(new BloomFilter(10, false))
              .setWholeKeyFiltering(true);
      ColumnFamilyOptions cfo = new ColumnFamilyOptions().setTableFormatConfig(table);
      if (name.equals("mailbox")) {
        // Ciphertext does not compress; a larger memtable lets SingleDelete meet its Put before
        // a flush, so acknowledged copies never reach disk.
        cfo.setCompressionType(CompressionType.NO_COMPRESSION).setWriteBufferSize(64L << 20);
      } else if (name.equals("blob-chunks")) {
        // Sealed chunks do not compress; a small memtable so a large file reaches disk in parts
        // instead of sitting whole in memory.
        cfo.setCompressionType(CompressionType.NO_COMPRESSION).setWriteBufferSize(4L << 20);
      } else {
        cfo.setCompressionType(CompressionType.LZ4_COMPRESSION).setWriteBufferSize(8L << 20);
      }
      options.add(cfo);
      descriptors.add(new ColumnFamilyDescriptor(name.getBytes(StandardCharsets.US_ASCII), cfo));
    }
    return descriptors;
  }

  /**
   * The families an existing store in {@code dir} has, to open before anything else: the known ones
   * with this build's options (from {@code known}), and any this build does not know (a newer
   * server made them) with default options, so that the store can be opened and its format read and
   * refused in one clear line. A family this build knows and the store lacks is not among them: it
   * is created by {@link #completed} after the format check and the upgrade's checkpoint, so that
   * the checkpoint is the store exactly as the older server left it (and that server can open it).
   */
  static List<ColumnFamilyDescriptor> present(
      java.nio.file.Path dir, List<ColumnFamilyDescriptor> known, List<ColumnFamilyOptions> options)
      throws RocksDBException {
    Set<String> names = new HashSet<>();
    try (Options o = new Options()) {
      for (byte[] name : RocksDB.listColumnFamilies(o, dir.toString())) {
        names.add(new String(name, StandardCharsets.US_ASCII));
      }
    }
    List<ColumnFamilyDescriptor> open = new ArrayList<>();
    for (ColumnFamilyDescriptor d : known) {
      if (names.remove(new String(d.getName(), StandardCharsets.US_ASCII))) {
        open.add(d);
      }
    }
    for (String unknown : names) {
      ColumnFamilyOptions cfo = new ColumnFamilyOptions();
      options.add(cfo);
      open.add(new ColumnFamilyDescriptor(unknown.getBytes(StandardCharsets.US_ASCII), cfo));
    }
    return open;
  }

  /**
   * The handles in {@link #NAMES} order: those {@code opened} (for {@code openedDescriptors}), and
   * a new family for each known one the store lacked. Handles of families this build does not know
   * are closed (their data is left as it is).
   */
  static List<ColumnFamilyHandle> completed(
      RocksDB db,
      List<ColumnFamilyDescriptor> known,
      List<ColumnFamilyDescriptor> openedDescriptors,
      List<ColumnFamilyHandle> opened)
      throws RocksDBException {
    List<ColumnFamilyHandle> ordered = new ArrayList<>();
    List<ColumnFamilyHandle> unused = new ArrayList<>(opened);
    for (ColumnFamilyDescriptor d : known) {
      ColumnFamilyHandle handle = null;
      for (int i = 0; i < openedDescriptors.size(); i++) {
        if (java.util.Arrays.equals(openedDescriptors.get(i).getName(), d.getName())) {
          handle = opened.get(i);
        }
      }
      if (handle == null) {
        handle = db.createColumnFamily(d);
        opened.add(handle);
      } else {
        unused.remove(handle);
      }
      ordered.add(handle);
    }
    for (ColumnFamilyHandle h : unused) {
      opened.remove(h);
      h.close();
    }
    return ordered;
  }

  /** Closes what an open made, in reverse order; {@code db} may be null. */
  static void closeAll(
      List<ColumnFamilyHandle> handles,
      RocksDB db,
      DBOptions dbo,
      List<ColumnFamilyOptions> cfos,
      LRUCache cache) {
    for (ColumnFamilyHandle h : handles) {
      h.close();
    }
    if (db != null) {
      db.close();
    }
    dbo.close();
    cfos.forEach(ColumnFamilyOptions::close);
    cache.close();
  }
}
