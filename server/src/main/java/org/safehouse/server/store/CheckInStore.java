package org.safehouse.server.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.Slice;
import org.safehouse.server.account.AccountRecord;
import org.safehouse.server.account.DeviceAddress;
import org.safehouse.server.cases.CaseId;

/**
 * The check-in records: one schedule per case, and the check-in alerts waiting for each team
 * member's device. Its own column families; writes go into the caller's {@link Tx}.
 *
 * <pre>
 * checkins        caseId(16)                      -> every(8) grace(8) deleteAfter(8) paused(1)
 *                                                    last(8) alertedDue(8)      all in millis
 * checkin-alerts  account(16) device(4) id(8)     -> kind(1) caseId(16) due(8) deletesAt(8)
 * </pre>
 *
 * Reads see the committed store, not earlier writes of the same group commit: a schedule written
 * and read in one group reads the older value, which only delays an alert by one sweep. Deletions
 * of a device's alerts are range deletions, so they also cover alerts put earlier in the batch.
 */
public final class CheckInStore {
  static final String SCHEDULES = "checkins";
  static final String ALERTS = "checkin-alerts";

  /** A case's check-in schedule; times in epoch millis, durations in millis. */
  public record Schedule(
      CaseId caseId,
      long everyMillis,
      long graceMillis,
      long deleteAfterMillis,
      boolean paused,
      long lastCheckInMillis,
      long alertedDueMillis) {
    /** When the next check-in is due. */
    public long dueMillis() {
      return lastCheckInMillis + everyMillis;
    }
  }

  /** An alert waiting for one device. {@code kind}: 1 missed, 2 account deleted. */
  public record Alert(
      long id,
      DeviceAddress device,
      int kind,
      CaseId caseId,
      long dueMillis,
      long deletesAtMillis) {}

  private final RelayStore store;

  public CheckInStore(RelayStore store) {
    this.store = store;
  }

  private static ColumnFamilyHandle family(RelayStore store, String name) {
    return store.families().get(Arrays.asList(ColumnFamilies.NAMES).indexOf(name));
  }

  public Optional<Schedule> schedule(CaseId id) throws IOException {
    try {
      byte[] v = store.db().get(family(store, SCHEDULES), id.bytes());
      return v == null ? Optional.empty() : Optional.of(decode(id, v));
    } catch (RocksDBException e) {
      throw new IOException("cannot read a check-in schedule", e);
    }
  }

  /** Every schedule; one per case, so a small scan. */
  public List<Schedule> schedules() throws IOException {
    List<Schedule> out = new ArrayList<>();
    try (RocksIterator it = store.db().newIterator(family(store, SCHEDULES))) {
      for (it.seekToFirst(); it.isValid(); it.next()) {
        out.add(decode(CaseId.of(it.key()), it.value()));
      }
      it.status();
    } catch (RocksDBException e) {
      throw new IOException("cannot read the check-in schedules", e);
    }
    return out;
  }

  public void put(Tx tx, Schedule s) throws RocksDBException {
    ByteBuffer b = ByteBuffer.allocate(41);
    b.putLong(s.everyMillis()).putLong(s.graceMillis()).putLong(s.deleteAfterMillis());
    b.put((byte) (s.paused() ? 1 : 0)).putLong(s.lastCheckInMillis()).putLong(s.alertedDueMillis());
    tx.batch().put(family(store, SCHEDULES), s.caseId().bytes(), b.array());
  }

  public void delete(Tx tx, CaseId id) throws RocksDBException {
    tx.batch().delete(family(store, SCHEDULES), id.bytes());
  }

  public void putAlert(Tx tx, Alert a) throws RocksDBException {
    ByteBuffer v = ByteBuffer.allocate(33);
    v.put((byte) a.kind())
        .put(a.caseId().bytes())
        .putLong(a.dueMillis())
        .putLong(a.deletesAtMillis());
    tx.batch().put(family(store, ALERTS), alertKey(a.device(), a.id()), v.array());
  }

  public void deleteAlert(Tx tx, DeviceAddress d, long id) throws RocksDBException {
    tx.batch().delete(family(store, ALERTS), alertKey(d, id));
  }

  /** The alerts waiting for {@code d}, oldest first. */
  public List<Alert> alerts(DeviceAddress d) throws IOException {
    byte[] prefix = Keys.device(d);
    List<Alert> out = new ArrayList<>();
    try (Slice lower = new Slice(prefix);
        Slice upper = new Slice(Keys.prefixEnd(prefix));
        ReadOptions ro = new ReadOptions().setIterateLowerBound(lower).setIterateUpperBound(upper);
        RocksIterator it = store.db().newIterator(family(store, ALERTS), ro)) {
      for (it.seek(prefix); it.isValid(); it.next()) {
        ByteBuffer v = ByteBuffer.wrap(it.value());
        int kind = v.get();
        byte[] c = new byte[CaseId.LENGTH];
        v.get(c);
        out.add(
            new Alert(
                Keys.getLong(it.key(), Keys.DEVICE_KEY),
                d,
                kind,
                CaseId.of(c),
                v.getLong(),
                v.getLong()));
      }
      it.status();
    } catch (RocksDBException e) {
      throw new IOException("cannot read check-in alerts", e);
    }
    return out;
  }

  /** Deletes the account's waiting alerts and, for a client, its case's schedule. */
  static void deleteAccount(Tx tx, RelayStore store, AccountRecord a) throws RocksDBException {
    byte[] prefix = Keys.account(a.id());
    tx.batch().deleteRange(family(store, ALERTS), prefix, Keys.prefixEnd(prefix));
    if (a.caseId() != null) {
      tx.batch().delete(family(store, SCHEDULES), a.caseId().bytes());
    }
  }

  /** Deletes the alerts waiting for one device. */
  static void deleteDevice(Tx tx, RelayStore store, DeviceAddress d) throws RocksDBException {
    byte[] prefix = Keys.device(d);
    tx.batch().deleteRange(family(store, ALERTS), prefix, Keys.prefixEnd(prefix));
  }

  private static byte[] alertKey(DeviceAddress d, long id) {
    byte[] k = new byte[Keys.DEVICE_KEY + 8];
    System.arraycopy(Keys.device(d), 0, k, 0, Keys.DEVICE_KEY);
    Keys.putLong(k, Keys.DEVICE_KEY, id);
    return k;
  }

  private static Schedule decode(CaseId id, byte[] v) {
    ByteBuffer b = ByteBuffer.wrap(v);
    return new Schedule(
        id, b.getLong(), b.getLong(), b.getLong(), b.get() == 1, b.getLong(), b.getLong());
  }
}
