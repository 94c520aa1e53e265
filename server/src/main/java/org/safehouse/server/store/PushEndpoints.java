package org.safehouse.server.store;

import java.io.IOException;
import java.util.Arrays;
import java.util.Optional;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.RocksDBException;
import org.safehouse.server.account.DeviceAddress;

/**
 * The push endpoints of devices, one per device, in their own column family {@code push}, keyed
 * like the device ({@code account | device}). The value is opaque here (see {@code
 * push.PushEndpoint}). An endpoint is deleted with its device, in the deletion's commit ({@link
 * AccountDeletion}).
 */
public final class PushEndpoints {
  private static final int FAMILY = Arrays.asList(ColumnFamilies.NAMES).indexOf("push");

  private final RelayStore store;

  public PushEndpoints(RelayStore store) {
    this.store = store;
  }

  private static ColumnFamilyHandle family(RelayStore store) {
    return store.families().get(FAMILY);
  }

  /** Sets the endpoint of {@code d} in {@code tx}; the caller checked that the device exists. */
  public void put(Tx tx, DeviceAddress d, byte[] value) throws RocksDBException {
    tx.batch().put(family(store), Keys.device(d), value);
  }

  /** Removes the endpoint of {@code d} in {@code tx}, if it has one. */
  public void remove(Tx tx, DeviceAddress d) throws RocksDBException {
    delete(tx, store, d);
  }

  /**
   * Removes the endpoint of {@code d} in {@code tx} if it is still {@code expected} as committed
   * (an endpoint that answered 404 or 410 is dropped, a newer one the device registered is kept).
   *
   * @return whether it was removed
   */
  public boolean removeIfUnchanged(Tx tx, DeviceAddress d, byte[] expected)
      throws RocksDBException {
    byte[] v = store.db().get(family(store), Keys.device(d));
    if (v == null || !Arrays.equals(v, expected)) {
      return false;
    }
    delete(tx, store, d);
    return true;
  }

  /** Part of deleting a device: its endpoint goes in the same commit. */
  static void delete(Tx tx, RelayStore store, DeviceAddress d) throws RocksDBException {
    tx.batch().delete(family(store), Keys.device(d));
  }

  /** The committed endpoint of {@code d}. Blocking: never on an event loop or the writer. */
  public Optional<byte[]> get(DeviceAddress d) throws IOException {
    try {
      return Optional.ofNullable(store.db().get(family(store), Keys.device(d)));
    } catch (RocksDBException e) {
      throw new IOException("cannot read the store", e);
    }
  }

  /** How many devices have an endpoint (an estimate, for metrics and benchmarks). */
  public long estimate() throws IOException {
    try {
      return store.db().getLongProperty(family(store), "rocksdb.estimate-num-keys");
    } catch (RocksDBException e) {
      throw new IOException("cannot read the store", e);
    }
  }
}
