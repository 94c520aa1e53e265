package org.safehouse.server.store;

import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.safehouse.server.account.DeviceAddress;

/**
 * The most recently stored copies, as the writer thread committed them: for each, its recipient,
 * expiry and size, so that an ack deletes a copy without reading it first (the copy's expiry names
 * its expiry-index entry, its size goes to the mailbox ledger).
 *
 * <p>A hit means the copy is stored now. Copies enter only after the group that appended them was
 * written (and not if that group also removed them); every removal of a copy ({@link
 * Tx#singleDeleteMessage}, the one path for acks, sweeps, unreadable drops, device and account
 * deletion) evicts it before its group is written, so a removal whose group fails only costs a read
 * later. A miss falls back to reading the copy's first bytes.
 *
 * <p>Bounded: one slot per seq modulo {@link #SLOTS}. Seqs grow in commit order and are never
 * reused by one writer, so a newer copy takes the slot of an older one, which then misses. Used
 * only on the writer thread, which creates it; a new writer (a reopened store) starts empty.
 */
final class StoredCopies {
  /** How many recent copies are kept: about 1 MB, several seconds of copies at 4,000 sends/s. */
  static final int SLOTS = 1 << 15;

  private static final int MASK = SLOTS - 1;

  /** A copy's expiry and size, reused from lookup to lookup (one thread). */
  static final class Head {
    long expiresAtMillis;
    int size;
  }

  private final long[] seqs = new long[SLOTS];
  private final long[] expiries = new long[SLOTS];
  private final int[] sizes = new int[SLOTS];
  // null: the slot is empty.
  private final DeviceAddress[] recipients = new DeviceAddress[SLOTS];
  private final Head head = new Head();
  private final byte[] read = new byte[Codec.EXPIRY_HEAD];

  /**
   * The stored copy {@code key} (= {@code d}'s copy {@code seq}): from this cache, else read from
   * the store.
   *
   * @return its expiry and size (valid until the next call), or null if it is not stored
   */
  Head find(RelayStore store, DeviceAddress d, long seq, byte[] key) throws RocksDBException {
    int slot = (int) seq & MASK;
    if (seqs[slot] == seq && d.equals(recipients[slot])) {
      head.expiresAtMillis = expiries[slot];
      head.size = sizes[slot];
      return head;
    }
    int size = store.db().get(store.mailboxCf(), key, read);
    if (size == RocksDB.NOT_FOUND) {
      return null;
    }
    head.expiresAtMillis = Codec.messageExpiry(read);
    head.size = size;
    return head;
  }

  /** A group that appended these copies was written; those it also removed are not added. */
  void committed(Tx tx) {
    for (MailboxLedger.Appended c : tx.ledger().appendedInGroup()) {
      if (!tx.wasRemoved(Keys.mailbox(c.recipient(), c.seq()))) {
        int slot = (int) c.seq() & MASK;
        seqs[slot] = c.seq();
        expiries[slot] = c.expiresAtMillis();
        sizes[slot] = c.bytes();
        recipients[slot] = c.recipient();
      }
    }
  }

  /** {@code d}'s copy {@code seq} is being removed: it is no longer known to be stored. */
  void evict(DeviceAddress d, long seq) {
    int slot = (int) seq & MASK;
    if (seqs[slot] == seq) {
      recipients[slot] = null;
    }
  }
}
