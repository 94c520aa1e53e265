package org.safehouse.server.store;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.BloomFilter;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ColumnFamilyOptions;
import org.rocksdb.CompressionType;
import org.rocksdb.DBOptions;
import org.rocksdb.LRUCache;
import org.rocksdb.RocksDB;

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
      } else {
        cfo.setCompressionType(CompressionType.LZ4_COMPRESSION).setWriteBufferSize(8L << 20);
      }
      options.add(cfo);
      descriptors.add(new ColumnFamilyDescriptor(name.getBytes(StandardCharsets.US_ASCII), cfo));
    }
    return descriptors;
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
