package org.safehouse.server.store;

import java.util.IdentityHashMap;
import java.util.Map;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.RocksDBException;
import org.rocksdb.WriteBatch;

/**
 * A write batch that remembers, per column family, the smallest and largest key it deletes (point
 * deletes, single deletes and range deletes), so that the purge compacts only where something was
 * deleted. A delete rolled back with its operation stays remembered: that only widens a range.
 */
final class DeleteTrackingBatch extends WriteBatch {
  private final ColumnFamilyHandle defaultFamily;
  private final Map<ColumnFamilyHandle, byte[][]> deleted = new IdentityHashMap<>();

  DeleteTrackingBatch(ColumnFamilyHandle defaultFamily) {
    this.defaultFamily = defaultFamily;
  }

  /** Per family, {smallest, largest} key deleted in this batch; empty if nothing was. */
  Map<ColumnFamilyHandle, byte[][]> deletedRanges() {
    return deleted;
  }

  @Override
  public void delete(byte[] key) throws RocksDBException {
    super.delete(key);
    note(defaultFamily, key, key);
  }

  @Override
  public void delete(ColumnFamilyHandle cf, byte[] key) throws RocksDBException {
    super.delete(cf, key);
    note(cf, key, key);
  }

  @Override
  public void singleDelete(byte[] key) throws RocksDBException {
    super.singleDelete(key);
    note(defaultFamily, key, key);
  }

  @Override
  public void singleDelete(ColumnFamilyHandle cf, byte[] key) throws RocksDBException {
    super.singleDelete(cf, key);
    note(cf, key, key);
  }

  @Override
  public void deleteRange(byte[] begin, byte[] end) throws RocksDBException {
    super.deleteRange(begin, end);
    note(defaultFamily, begin, end);
  }

  @Override
  public void deleteRange(ColumnFamilyHandle cf, byte[] begin, byte[] end) throws RocksDBException {
    super.deleteRange(cf, begin, end);
    note(cf, begin, end);
  }

  private void note(ColumnFamilyHandle cf, byte[] low, byte[] high) {
    widen(deleted, cf, low, high);
  }

  /** Widens {@code ranges}' entry for {@code cf} to cover [low, high] (copies what it keeps). */
  static void widen(
      Map<ColumnFamilyHandle, byte[][]> ranges, ColumnFamilyHandle cf, byte[] low, byte[] high) {
    byte[][] r = ranges.get(cf);
    if (r == null) {
      ranges.put(cf, new byte[][] {low.clone(), high.clone()});
      return;
    }
    if (java.util.Arrays.compareUnsigned(low, r[0]) < 0) {
      r[0] = low.clone();
    }
    if (java.util.Arrays.compareUnsigned(high, r[1]) > 0) {
      r[1] = high.clone();
    }
  }
}
