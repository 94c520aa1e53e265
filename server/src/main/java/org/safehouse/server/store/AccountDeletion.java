package org.safehouse.server.store;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.Slice;
import org.safehouse.server.account.AccountId;
import org.safehouse.server.account.AccountRecord;
import org.safehouse.server.account.DeviceAddress;
import org.safehouse.server.message.StoredMessage;

/**
 * Deleting an account or one of its devices inside a {@link Tx}. Every scan here reads the
 * committed store <em>and</em> the writes of earlier operations in the same group commit, so a copy
 * appended, an invite created or a team change made in the same group as the deletion is deleted
 * too (one batch, one truth): nothing of the deleted account or device is left behind.
 */
final class AccountDeletion {
  private final Tx tx;
  private final RelayStore store;

  AccountDeletion(Tx tx, RelayStore store) {
    this.tx = tx;
    this.store = store;
  }

  /** See {@link Tx#deleteAccount}. */
  int deleteAccount(AccountRecord a) throws RocksDBException {
    int removed = 0;
    for (int deviceId : a.deviceIds()) {
      removed += deleteDeviceData(new DeviceAddress(a.id(), deviceId));
    }
    for (AccountId member : a.team()) {
      tx.deleteCaseload(member, a.id());
    }
    if (!a.isStaff()) {
      // A client can only have written to staff: remove what it sent and nobody received yet,
      // so nothing of a closed or panic-deleted client stays in the store.
      removed += deleteQueuedFrom(a.id());
    }
    deleteInvitesCreatedBy(a.id());
    BlobStore.of(store).accountDeleted(tx, a.id());
    CheckInStore.deleteAccount(tx, store, a);
    DeviceRecords.deleteAccount(tx, store, a.id());
    return removed;
  }

  /** Deletes the unredeemed invites {@code creator} made; returns how many. */
  int deleteInvitesCreatedBy(AccountId creator) throws RocksDBException {
    List<byte[]> matches = new ArrayList<>();
    try (RocksIterator it = store.db().newIterator(store.invitesCf())) {
      for (it.seekToFirst(); it.isValid(); it.next()) {
        if (creator.equals(Codec.decodeInvite(it.value()).creator())) {
          matches.add(it.key());
        }
      }
      it.status();
    }
    for (Map<ByteBuffer, byte[]> overlay : tx.inviteOverlays()) {
      overlay.forEach(
          (k, v) -> {
            if (v.length > 0 && creator.equals(Codec.decodeInvite(v).creator())) {
              matches.add(k.array());
            }
          });
    }
    int n = 0;
    for (byte[] k : matches) {
      if (tx.invite(k).isPresent()) {
        tx.deleteInvite(k);
        n++;
      }
    }
    return n;
  }

  private int deleteQueuedFrom(AccountId sender) throws RocksDBException {
    List<AccountId> staff = new ArrayList<>();
    try (RocksIterator it = store.db().newIterator(store.staffCf())) {
      for (it.seekToFirst(); it.isValid(); it.next()) {
        staff.add(AccountId.of(it.key()));
      }
      it.status();
    }
    int removed = 0;
    for (AccountId recipient : staff) {
      byte[] prefix = Keys.account(recipient);
      List<byte[]> matches = new ArrayList<>();
      try (Slice lower = new Slice(prefix);
          Slice upper = new Slice(Keys.prefixEnd(prefix));
          ReadOptions ro =
              new ReadOptions().setIterateLowerBound(lower).setIterateUpperBound(upper);
          RocksIterator it = store.db().newIterator(store.mailboxCf(), ro)) {
        // The sender is sealed with the rest of the copy: every staff copy is decrypted here (a
        // rare request). One that cannot be read any more is left to the sweeper.
        for (it.seek(prefix); it.isValid(); it.next()) {
          byte[] k = it.key();
          DeviceAddress d = new DeviceAddress(recipient, Keys.getInt(k, AccountId.LENGTH));
          StoredMessage m = store.openMessage(d, Keys.mailboxSeq(k), it.value());
          if (m != null && m.sender().equals(sender)) {
            matches.add(k);
          }
        }
        it.status();
      }
      for (byte[] k : matches) {
        DeviceAddress d = new DeviceAddress(recipient, Keys.getInt(k, AccountId.LENGTH));
        if (tx.removeMessage(d, Keys.mailboxSeq(k))) {
          removed++;
        }
      }
    }
    for (MailboxLedger.Appended c : List.copyOf(tx.ledger().appendedInGroup())) {
      if (c.sender().equals(sender) && removeAppended(c)) {
        removed++;
      }
    }
    return removed;
  }

  /** Deletes one device's keys, queued copies, cursor, usage record and auth key. */
  int deleteDeviceData(DeviceAddress d) throws RocksDBException {
    int removed = 0;
    byte[] prefix = Keys.device(d);
    tx.deleteKeys(prefix);
    List<Long> seqs = new ArrayList<>();
    try (Slice lower = new Slice(Keys.mailbox(d, 0));
        Slice upper = new Slice(Keys.mailbox(d, -1L));
        ReadOptions ro = new ReadOptions().setIterateLowerBound(lower).setIterateUpperBound(upper);
        RocksIterator it = store.db().newIterator(store.mailboxCf(), ro)) {
      for (it.seek(Keys.mailbox(d, 0)); it.isValid(); it.next()) {
        seqs.add(Keys.mailboxSeq(it.key()));
      }
      it.status();
    }
    for (long seq : seqs) {
      if (tx.removeMessage(d, seq)) {
        removed++;
      }
    }
    for (MailboxLedger.Appended c : List.copyOf(tx.ledger().appendedInGroup())) {
      if (c.recipient().equals(d) && removeAppended(c)) {
        removed++;
      }
    }
    tx.ledger().deviceDeleted(d);
    BlobStore.of(store).deviceDeleted(tx, d);
    CheckInStore.deleteDevice(tx, store, d);
    tx.batch().delete(store.devicesCf(), prefix);
    tx.batch().delete(store.cursorsCf(), prefix);
    PushEndpoints.delete(tx, store, d);
    tx.counters[RelayStore.DEVICES]--;
    return removed;
  }

  /** Removes a copy appended earlier in this group (its Put is in the batch, not the store). */
  private boolean removeAppended(MailboxLedger.Appended c) throws RocksDBException {
    byte[] key = Keys.mailbox(c.recipient(), c.seq());
    if (tx.wasRemoved(key)) {
      return false;
    }
    tx.singleDeleteMessage(c.recipient(), c.seq(), c.expiresAtMillis(), key, c.bytes());
    return true;
  }
}
