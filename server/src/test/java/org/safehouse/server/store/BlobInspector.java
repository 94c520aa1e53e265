package org.safehouse.server.store;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;

/** Test-only access to the raw attachment blobs of a store. */
public final class BlobInspector {
  private BlobInspector() {}

  /** Every raw chunk value (sealed), in key order. */
  public static List<byte[]> chunkValues(RelayStore store) throws RocksDBException {
    ColumnFamilyHandle h =
        store.families().get(Arrays.asList(ColumnFamilies.NAMES).indexOf("blob-chunks"));
    List<byte[]> out = new ArrayList<>();
    try (RocksIterator it = store.db().newIterator(h)) {
      for (it.seekToFirst(); it.isValid(); it.next()) {
        out.add(it.value());
      }
      it.status();
    }
    return out;
  }

  /**
   * Opens a raw chunk value of blob {@code id} at {@code offset} with a raw bucket key, as someone
   * holding both would.
   *
   * @return the chunk, or null if it does not open
   */
  public static byte[] openChunkWith(byte[] rawKey, byte[] value, byte[] id, long offset) {
    byte[] binding = new byte[1 + 16 + 8];
    binding[0] = 'C';
    System.arraycopy(id, 0, binding, 1, 16);
    Keys.putLong(binding, 17, offset);
    try {
      return MessageCipher.open(new BucketKeys.Key(1, rawKey.clone(), -1), binding, value);
    } catch (javax.crypto.AEADBadTagException e) {
      return null;
    }
  }
}
