package org.safehouse.server.store;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.rocksdb.RocksDBException;
import org.rocksdb.WriteBatch;
import org.safehouse.server.account.AccountId;
import org.safehouse.server.account.DeviceAddress;

/**
 * What one group commit does to mailboxes: the copies it appended (still only in its {@link
 * WriteBatch}, so deletions in the same group must be told about them) and how full each mailbox it
 * touched is.
 *
 * <p>Usage (copies and bytes per device mailbox) is a counter record in the {@code mailbox-usage}
 * column family, written in the same batch as the copies it counts, so it stays right across acks,
 * expiry, deletions, failed commits and restarts. One record per touched mailbox is written once
 * per group, not once per copy. Committed values are cached on the writer thread, the only writer.
 *
 * <p>Used only on the writer thread.
 */
final class MailboxLedger {
  /** A copy appended in this group. */
  record Appended(
      DeviceAddress recipient, long seq, long expiresAtMillis, AccountId sender, int bytes) {}

  private static final long[] GONE = new long[0];
  static final byte[] META_COUNTED =
      "mailbox-usage-counted".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

  private final RelayStore store;
  private final AccountCache committed;
  private final Map<ByteBuffer, long[]> group = new HashMap<>();
  private final List<Appended> appended = new ArrayList<>();
  // Undo state of the current op: each touched mailbox's value before it (null: not in group).
  private final Map<ByteBuffer, long[]> opBefore = new HashMap<>();
  private int opAppended;
  // Each device's last cursor in this group, written once (see cursor); and the current op's undo.
  private final Map<ByteBuffer, byte[]> cursors = new HashMap<>();
  private final Map<ByteBuffer, byte[]> opCursorsBefore = new HashMap<>();

  MailboxLedger(RelayStore store, AccountCache committed) {
    this.store = store;
    this.committed = committed;
  }

  void beginOp() {
    opBefore.clear();
    opCursorsBefore.clear();
    opAppended = appended.size();
  }

  void rollbackOp() {
    undo(group, opBefore);
    appended.subList(opAppended, appended.size()).clear();
    undo(cursors, opCursorsBefore);
  }

  /** Puts back each key's value from before the op (null: the key was not in {@code map}). */
  private static <V> void undo(Map<ByteBuffer, V> map, Map<ByteBuffer, V> before) {
    before.forEach(
        (k, v) -> {
          if (v == null) {
            map.remove(k);
          } else {
            map.put(k, v);
          }
        });
  }

  /**
   * Where the next read of {@code d}'s mailbox starts. Only the group's last cursor of a device is
   * written (as each put would have overwritten the one before): a device acking several times in
   * one group costs one record. Its session's cursor only grows (see DeliverySession).
   */
  void cursor(DeviceAddress d, long seq) {
    ByteBuffer k = ByteBuffer.wrap(Keys.device(d));
    byte[] before = cursors.put(k, Keys.longValue(seq));
    if (!opCursorsBefore.containsKey(k)) {
      opCursorsBefore.put(k, before);
    }
  }

  /** Copies and bytes stored for {@code d}, this group's changes included. */
  MailboxUsage usage(DeviceAddress d) throws RocksDBException {
    long[] u = current(ByteBuffer.wrap(Keys.device(d)));
    return u == GONE ? new MailboxUsage(0, 0) : new MailboxUsage(u[0], u[1]);
  }

  void appended(SealedCopy c, long seq) throws RocksDBException {
    appended.add(new Appended(c.recipient, seq, c.expiresAtMillis, c.sender, c.value.length));
    add(c.recipient, 1, c.value.length);
  }

  /** A copy of {@code bytes} left {@code d}'s mailbox. */
  void removed(DeviceAddress d, int bytes) throws RocksDBException {
    add(d, -1, -Math.max(0, bytes));
  }

  /** The device is gone: its record is deleted with it. */
  void deviceDeleted(DeviceAddress d) {
    ByteBuffer k = ByteBuffer.wrap(Keys.device(d));
    remember(k);
    group.put(k, GONE);
    if (cursors.containsKey(k)) {
      // Its cursor is deleted in the batch; one written later would bring it back.
      if (!opCursorsBefore.containsKey(k)) {
        opCursorsBefore.put(k, cursors.get(k));
      }
      cursors.remove(k);
    }
  }

  /**
   * Counts every mailbox, once per store: one written before usage was counted holds copies that no
   * record counts. Marks the store in the same batch, so later opens skip the scan.
   *
   * @return how many mailboxes were counted (0 if the store was counted before)
   */
  int countOnce(WriteBatch batch) throws RocksDBException {
    if (store.db().get(store.metaCf(), META_COUNTED) != null) {
      return 0;
    }
    Map<ByteBuffer, long[]> counted = new HashMap<>();
    try (org.rocksdb.RocksIterator it = store.db().newIterator(store.mailboxCf())) {
      for (it.seekToFirst(); it.isValid(); it.next()) {
        ByteBuffer k = ByteBuffer.wrap(java.util.Arrays.copyOf(it.key(), Keys.DEVICE_KEY));
        long[] u = counted.computeIfAbsent(k, x -> new long[2]);
        u[0]++;
        u[1] += it.value().length;
      }
      it.status();
    }
    counted.forEach(
        (k, u) -> {
          remember(k);
          group.put(k, u);
        });
    batch.put(store.metaCf(), META_COUNTED, new byte[] {1});
    return counted.size();
  }

  /** Copies appended earlier in this group, oldest first. */
  List<Appended> appendedInGroup() {
    return appended;
  }

  /** Adds this group's usage records and cursors to its batch; once, just before the write. */
  void write(WriteBatch batch) throws RocksDBException {
    for (Map.Entry<ByteBuffer, byte[]> e : cursors.entrySet()) {
      batch.put(store.cursorsCf(), array(e.getKey()), e.getValue());
    }
    for (Map.Entry<ByteBuffer, long[]> e : group.entrySet()) {
      byte[] key = array(e.getKey());
      if (e.getValue() == GONE) {
        batch.delete(store.usageCf(), key);
      } else {
        batch.put(store.usageCf(), key, encode(e.getValue()));
      }
    }
  }

  /** After the group committed: its usage values are now the stored ones. */
  void committed() {
    group.forEach(
        (k, v) -> {
          if (v == GONE) {
            committed.remove(k);
          } else {
            committed.put(k, encode(v));
          }
        });
  }

  private void add(DeviceAddress d, long messages, long bytes) throws RocksDBException {
    ByteBuffer k = ByteBuffer.wrap(Keys.device(d));
    long[] u = current(k);
    if (u == GONE) {
      return; // deleted in this group: its record stays deleted
    }
    remember(k);
    // Copies queued before usage was counted are not in the record: never count below zero.
    group.put(k, new long[] {Math.max(0, u[0] + messages), Math.max(0, u[1] + bytes)});
  }

  private void remember(ByteBuffer k) {
    if (!opBefore.containsKey(k)) {
      opBefore.put(k, group.get(k));
    }
  }

  private long[] current(ByteBuffer k) throws RocksDBException {
    long[] u = group.get(k);
    if (u != null) {
      return u;
    }
    byte[] v = committed.get(k);
    if (v == null) {
      v = store.db().get(store.usageCf(), array(k));
      if (v == null) {
        return new long[] {0, 0};
      }
      committed.put(k, v);
    }
    return new long[] {Keys.getLong(v, 0), Keys.getLong(v, 8)};
  }

  private static byte[] array(ByteBuffer k) {
    return k.array();
  }

  private static byte[] encode(long[] u) {
    byte[] v = new byte[16];
    Keys.putLong(v, 0, u[0]);
    Keys.putLong(v, 8, u[1]);
    return v;
  }
}
