package org.safehouse.server.store;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.PriorityQueue;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.safehouse.server.account.AccountId;

/**
 * Reads of the invites column family by invite id and by creator, for a staff account's own list of
 * open invites. An invite id is the first {@link Tx#INVITE_ID_BYTES} bytes of the code's hash (the
 * key): it names an invite and cannot redeem it. No rules here.
 */
public final class InviteStore {
  /** A stored invite with the full hash of its code (the key). */
  public record Stored(byte[] codeHash, InviteRecord invite) {
    /** The invite's id: the first bytes of the code's hash. */
    public byte[] id() {
      return Arrays.copyOf(codeHash, Tx.INVITE_ID_BYTES);
    }
  }

  private final RelayStore store;

  public InviteStore(RelayStore store) {
    this.store = store;
  }

  /**
   * The invites {@code creator} made that expire after {@code nowMillis}, latest expiry first, at
   * most {@code max} of them (those that expire last). One pass over the invites; blocking.
   */
  public List<Stored> openInvitesBy(AccountId creator, long nowMillis, int max) throws IOException {
    Comparator<Stored> byExpiry = Comparator.comparingLong(s -> s.invite().expiresAtMillis());
    PriorityQueue<Stored> newest = new PriorityQueue<>(byExpiry);
    try (RocksIterator it = store.db().newIterator(store.invitesCf())) {
      for (it.seekToFirst(); it.isValid(); it.next()) {
        InviteRecord i = Codec.decodeInvite(it.value());
        if (creator.equals(i.creator()) && i.expiresAtMillis() > nowMillis) {
          newest.add(new Stored(it.key(), i));
          if (newest.size() > max) {
            newest.poll();
          }
        }
      }
      it.status();
    } catch (RocksDBException e) {
      throw new IOException("cannot read the store", e);
    }
    List<Stored> out = new ArrayList<>(newest);
    out.sort(byExpiry.reversed());
    return out;
  }

  /**
   * Inside a write: the stored invite whose id is {@code id}, as this group sees it (an invite
   * redeemed or cancelled by an earlier op of the group is gone).
   */
  public Optional<Stored> find(Tx tx, byte[] id) throws RocksDBException {
    if (id.length != Tx.INVITE_ID_BYTES) {
      return Optional.empty();
    }
    List<byte[]> matches = new ArrayList<>();
    try (RocksIterator it = store.db().newIterator(store.invitesCf())) {
      for (it.seek(id); it.isValid(); it.next()) {
        byte[] k = it.key();
        if (!Arrays.equals(k, 0, Tx.INVITE_ID_BYTES, id, 0, Tx.INVITE_ID_BYTES)) {
          break;
        }
        matches.add(k);
      }
      it.status();
    }
    for (byte[] k : matches) {
      Optional<InviteRecord> i = tx.invite(k);
      if (i.isPresent()) {
        return Optional.of(new Stored(k, i.get()));
      }
    }
    return Optional.empty();
  }
}
