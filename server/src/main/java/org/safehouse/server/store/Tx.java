package org.safehouse.server.store;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Consumer;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.Slice;
import org.rocksdb.WriteBatch;
import org.safehouse.server.account.AccountId;
import org.safehouse.server.account.AccountRecord;
import org.safehouse.server.account.DeviceAddress;
import org.safehouse.server.cases.CaseId;
import org.safehouse.server.cases.CaseRecord;
import org.safehouse.server.message.StoredMessage;

/**
 * The writer thread's view of one group commit. Reads see the writes of earlier operations in the
 * same group; nothing is visible to other threads until the group is committed. Used only on the
 * writer thread.
 */
public final class Tx {
  private static final byte[] DELETED = new byte[0];

  /**
   * An invite's id: the first bytes of its code's hash, enough to name it, useless to redeem it.
   */
  public static final int INVITE_ID_BYTES = 8;

  private final RelayStore store;
  private final WriteBatch batch;
  // Writes to small column families, so later ops in the group read them (enroll twice with one
  // invite in one group must fail once).
  private final Map<ByteBuffer, byte[]> accounts = new HashMap<>();
  private final Map<ByteBuffer, byte[]> invites = new HashMap<>();
  private final Map<ByteBuffer, byte[]> cases = new HashMap<>();
  private final Map<ByteBuffer, byte[]> caseload = new HashMap<>();
  private final Set<ByteBuffer> removedMessages = new HashSet<>();
  private final TreeMap<byte[], byte[]> keys = new TreeMap<>(Arrays::compareUnsigned);
  private final List<Runnable> afterCommit = new ArrayList<>();
  final long[] counters;
  long nextSeq;
  long seqReservedUpTo;

  // Account records as committed, kept by the writer thread across groups (see AccountCache).
  private final AccountCache accountCache;
  private final StoredCopies copies;
  private final MailboxLedger ledger;
  private final AccountDeletion deletion;

  // Undo state of the current op; reused from op to op, as a group may hold thousands.
  private final Map<ByteBuffer, byte[]> opAccounts = new HashMap<>();
  private final Map<ByteBuffer, byte[]> opInvites = new HashMap<>();
  private final Map<ByteBuffer, byte[]> opCases = new HashMap<>();
  private final Map<ByteBuffer, byte[]> opCaseload = new HashMap<>();
  private final Set<ByteBuffer> opRemoved = new HashSet<>();
  private final TreeMap<byte[], byte[]> opKeys = new TreeMap<>(Arrays::compareUnsigned);
  private final List<Runnable> opAfterCommit = new ArrayList<>();
  private final long[] opCounters;
  private long opNextSeq;
  private long opSeqReservedUpTo;

  Tx(
      RelayStore store,
      WriteBatch batch,
      AccountCache accountCache,
      AccountCache usageCache,
      StoredCopies copies,
      long[] counters,
      long nextSeq,
      long seqReservedUpTo) {
    this.store = store;
    this.batch = batch;
    this.accountCache = accountCache;
    this.copies = copies;
    this.ledger = new MailboxLedger(store, usageCache);
    this.deletion = new AccountDeletion(this, store);
    this.counters = counters.clone();
    this.opCounters = new long[counters.length];
    this.nextSeq = nextSeq;
    this.seqReservedUpTo = seqReservedUpTo;
  }

  void beginOp() throws RocksDBException {
    batch.setSavePoint();
    opAccounts.clear();
    opInvites.clear();
    opCases.clear();
    opCaseload.clear();
    opRemoved.clear();
    ledger.beginOp();
    opKeys.clear();
    opAfterCommit.clear();
    System.arraycopy(counters, 0, opCounters, 0, counters.length);
    opNextSeq = nextSeq;
    opSeqReservedUpTo = seqReservedUpTo;
  }

  void endOp() {
    if (!opAccounts.isEmpty()) {
      accounts.putAll(opAccounts);
    }
    if (!opInvites.isEmpty()) {
      invites.putAll(opInvites);
    }
    if (!opCases.isEmpty()) {
      cases.putAll(opCases);
    }
    caseload.putAll(opCaseload);
    if (!opRemoved.isEmpty()) {
      removedMessages.addAll(opRemoved);
    }
    if (!opKeys.isEmpty()) {
      keys.putAll(opKeys);
    }
    afterCommit.addAll(opAfterCommit);
  }

  /** After the group committed: the account records it wrote are now the stored ones. */
  void committed() {
    accounts.forEach(
        (k, v) -> {
          if (v == DELETED) {
            accountCache.remove(k);
          } else {
            accountCache.put(k, v);
          }
        });
    ledger.committed();
  }

  void rollbackOp() throws RocksDBException {
    batch.rollbackToSavePoint();
    ledger.rollbackOp();
    System.arraycopy(opCounters, 0, counters, 0, counters.length);
    nextSeq = opNextSeq;
    seqReservedUpTo = opSeqReservedUpTo;
  }

  List<Runnable> afterCommitHooks() {
    return afterCommit;
  }

  WriteBatch batch() {
    return batch;
  }

  MailboxLedger ledger() {
    return ledger;
  }

  /** Runs {@code hook} on the writer thread after the group is durably committed. */
  public void afterCommit(Runnable hook) {
    opAfterCommit.add(hook);
  }

  // ------------------------------------------------------------------ accounts and devices

  public Optional<AccountRecord> account(AccountId id) throws RocksDBException {
    byte[] key = Keys.account(id);
    byte[] v = overlay(opAccounts, accounts, key);
    if (v == null) {
      ByteBuffer k = ByteBuffer.wrap(key);
      v = accountCache.get(k);
      if (v == null) {
        v = store.db().get(store.accountsCf(), key);
        if (v != null) {
          accountCache.put(k, v);
        }
      }
    }
    return v == null || v == DELETED ? Optional.empty() : Optional.of(Codec.decodeAccount(id, v));
  }

  /** Creates or replaces an account record; counts it if it is new. */
  public void putAccount(AccountRecord a, boolean isNew) throws RocksDBException {
    byte[] key = Keys.account(a.id());
    byte[] v = Codec.encodeAccount(a);
    batch.put(store.accountsCf(), key, v);
    opAccounts.put(ByteBuffer.wrap(key), v);
    if (isNew) {
      counters[RelayStore.ACCOUNTS]++;
    }
  }

  public void putDevice(DeviceAddress d, byte[] authPublicKey) throws RocksDBException {
    batch.put(store.devicesCf(), Keys.device(d), authPublicKey);
    counters[RelayStore.DEVICES]++;
  }

  // ------------------------------------------------------------------ invites

  public Optional<InviteRecord> invite(byte[] codeHash) throws RocksDBException {
    byte[] v = overlay(opInvites, invites, codeHash);
    if (v == null) {
      v = store.db().get(store.invitesCf(), codeHash);
    }
    return v == null || v == DELETED ? Optional.empty() : Optional.of(Codec.decodeInvite(v));
  }

  public void putInvite(byte[] codeHash, InviteRecord invite) throws RocksDBException {
    byte[] v = Codec.encodeInvite(invite);
    batch.put(store.invitesCf(), codeHash, v);
    opInvites.put(ByteBuffer.wrap(codeHash.clone()), v);
  }

  public void deleteInvite(byte[] codeHash) throws RocksDBException {
    batch.delete(store.invitesCf(), codeHash);
    opInvites.put(ByteBuffer.wrap(codeHash.clone()), DELETED);
  }

  /**
   * Deletes the invite whose id (see {@link #INVITE_ID_BYTES}) is {@code id}.
   *
   * @return whether there was one
   */
  public boolean cancelInvite(byte[] id) throws RocksDBException {
    if (id.length != INVITE_ID_BYTES) {
      return false;
    }
    List<byte[]> matches = new ArrayList<>();
    try (RocksIterator it = store.db().newIterator(store.invitesCf())) {
      for (it.seek(id); it.isValid(); it.next()) {
        byte[] k = it.key();
        if (!Arrays.equals(k, 0, INVITE_ID_BYTES, id, 0, INVITE_ID_BYTES)) {
          break;
        }
        matches.add(k);
      }
      it.status();
    }
    boolean found = false;
    for (byte[] k : matches) {
      if (invite(k).isPresent()) {
        deleteInvite(k);
        found = true;
      }
    }
    return found;
  }

  /** Deletes every invite that expired at or before {@code nowMillis}; returns how many. */
  public int deleteExpiredInvites(long nowMillis) throws RocksDBException {
    int n = 0;
    try (RocksIterator it = store.db().newIterator(store.invitesCf())) {
      for (it.seekToFirst(); it.isValid(); it.next()) {
        if (Codec.decodeInvite(it.value()).expiresAtMillis() <= nowMillis) {
          deleteInvite(it.key());
          n++;
        }
      }
      it.status();
    }
    return n;
  }

  // ------------------------------------------------------------------ mailboxes

  /**
   * Queues one copy, encrypting it here on the writer thread. {@link #append(SealedCopy)} with a
   * copy sealed before the op is submitted keeps that work off the writer thread.
   *
   * @return the stored copy, with its seq
   */
  public StoredMessage append(
      DeviceAddress recipient,
      long expiresAtMillis,
      AccountId sender,
      int senderDevice,
      byte[] clientMessageId,
      byte[] ciphertext)
      throws RocksDBException {
    return append(
        store.seal(recipient, expiresAtMillis, sender, senderDevice, clientMessageId, ciphertext));
  }

  /**
   * Queues one copy sealed by {@link RelayStore#seal}; the store assigns its seq, increasing in
   * commit order.
   *
   * @return the stored copy, with its seq
   */
  public StoredMessage append(SealedCopy copy) throws RocksDBException {
    long seq = nextSeq++;
    if (seq >= seqReservedUpTo) {
      // Reserve seqs in blocks so that a restart never reuses one without scanning mailboxes.
      seqReservedUpTo = seq + RelayStore.SEQ_BLOCK;
      batch.put(store.metaCf(), RelayStore.META_SEQ, Keys.longValue(seqReservedUpTo));
    }
    DeviceAddress recipient = copy.recipient;
    batch.put(store.mailboxCf(), Keys.mailbox(recipient, seq), copy.value);
    // The expiry entry holds the copy's size, so the sweeper keeps mailbox usage right unread.
    byte[] size = new byte[4];
    Keys.putInt(size, 0, copy.value.length);
    batch.put(store.expiryCf(), Keys.expiry(copy.expiresAtMillis, recipient, seq), size);
    ledger.appended(copy, seq);
    counters[RelayStore.QUEUED]++;
    return copy.withSeq(seq);
  }

  /**
   * Removes one copy if it is still stored (acknowledged twice, or expired and swept, is a no-op).
   * Each stored key is deleted exactly once, which RocksDB's SingleDelete requires.
   *
   * @return whether a copy was removed
   */
  public boolean removeMessage(DeviceAddress d, long seq) throws RocksDBException {
    byte[] key = Keys.mailbox(d, seq);
    ByteBuffer k = ByteBuffer.wrap(key);
    if (removedMessages.contains(k) || opRemoved.contains(k)) {
      return false;
    }
    // Only the expiry (for its index entry) and the size are needed: kept for recent copies.
    StoredCopies.Head head = copies.find(store, d, seq, key);
    if (head != null) {
      singleDeleteMessage(d, seq, head.expiresAtMillis, key, head.size);
    }
    return head != null;
  }

  boolean wasRemoved(byte[] key) {
    ByteBuffer k = ByteBuffer.wrap(key);
    return removedMessages.contains(k) || opRemoved.contains(k);
  }

  void singleDeleteMessage(DeviceAddress d, long seq, long expiresAt, byte[] key, int size)
      throws RocksDBException {
    batch.singleDelete(store.mailboxCf(), key);
    batch.singleDelete(store.expiryCf(), Keys.expiry(expiresAt, d, seq));
    opRemoved.add(ByteBuffer.wrap(key));
    copies.evict(d, seq);
    ledger.removed(d, size);
    counters[RelayStore.QUEUED]--;
  }

  /** Copies and bytes waiting in {@code d}'s mailbox, this group's changes included. */
  public MailboxUsage mailboxUsage(DeviceAddress d) throws RocksDBException {
    return ledger.usage(d);
  }

  /** Remembers where the next read of a mailbox starts. */
  public void putCursor(DeviceAddress d, long seq) throws RocksDBException {
    ledger.cursor(d, seq);
  }

  /**
   * Removes up to {@code max} copies that expired at or before {@code nowMillis}, reading only the
   * expiry index from {@code fromMillis}: the cost grows with what expired, not with what is
   * stored.
   *
   * @param onExpiryTime receives the expiry time of the last index entry looked at
   * @return how many copies were removed
   */
  public int sweepExpired(long fromMillis, long nowMillis, int max, Consumer<Long> onExpiryTime)
      throws RocksDBException {
    int removed = 0;
    try (Slice lower = new Slice(Keys.expiryFloor(fromMillis));
        Slice upper = new Slice(Keys.expiryFloor(nowMillis + 1));
        ReadOptions ro = new ReadOptions().setIterateLowerBound(lower).setIterateUpperBound(upper);
        RocksIterator it = store.db().newIterator(store.expiryCf(), ro)) {
      for (it.seek(Keys.expiryFloor(fromMillis)); it.isValid() && removed < max; it.next()) {
        byte[] ek = it.key();
        DeviceAddress d = Keys.expiryDevice(ek);
        long seq = Keys.expirySeq(ek);
        byte[] key = Keys.mailbox(d, seq);
        ByteBuffer k = ByteBuffer.wrap(key);
        onExpiryTime.accept(Keys.expiryTime(ek));
        if (removedMessages.contains(k) || opRemoved.contains(k)) {
          continue;
        }
        byte[] size = it.value();
        singleDeleteMessage(
            d,
            seq,
            Keys.expiryTime(ek),
            key,
            size.length == 4
                ? Keys.getInt(size, 0)
                : store.db().get(store.mailboxCf(), key, new byte[0]));
        counters[RelayStore.EXPIRED_REMOVED]++;
        removed++;
      }
      it.status();
    }
    return removed;
  }

  /**
   * Removes up to {@code max} unexpired copies whose bucket key is gone (see {@link
   * RelayStore#openMessage}). Reads one expiry index entry per bucket that still has its key, so
   * the cost grows with the number of buckets and what is dropped, not with what is stored.
   *
   * @return how many copies were removed
   */
  int dropUnreadable(long nowMillis, int max) throws RocksDBException {
    BucketKeys keys = store.bucketKeys();
    int removed = 0;
    try (RocksIterator it = store.db().newIterator(store.expiryCf())) {
      it.seek(Keys.expiryFloor(nowMillis + 1));
      while (it.isValid() && removed < max) {
        byte[] ek = it.key();
        long expiresAt = Keys.expiryTime(ek);
        long end = BucketKeys.bucketEnd(expiresAt);
        if (keys.has(end)) {
          it.seek(Keys.expiryFloor(end + 1));
          continue;
        }
        DeviceAddress d = Keys.expiryDevice(ek);
        long seq = Keys.expirySeq(ek);
        byte[] key = Keys.mailbox(d, seq);
        ByteBuffer k = ByteBuffer.wrap(key);
        byte[] v = store.db().get(store.mailboxCf(), key);
        // A copy stored before copies were encrypted needs no key.
        if (v != null
            && Codec.isSealed(v)
            && !removedMessages.contains(k)
            && !opRemoved.contains(k)) {
          singleDeleteMessage(d, seq, expiresAt, key, v.length);
          counters[RelayStore.EXPIRED_REMOVED]++;
          removed++;
        }
        it.next();
      }
      it.status();
    }
    return removed;
  }

  // ------------------------------------------------------------------ staff and caseloads

  /** Lists a caseworker or admin among the accounts every caseworker may reach. */
  public void putStaff(AccountId id, org.safehouse.server.account.Role role)
      throws RocksDBException {
    batch.put(store.staffCf(), Keys.account(id), new byte[] {(byte) role.code()});
  }

  /** Records that {@code client}'s case team includes {@code caseworker}. */
  public void putCaseload(AccountId caseworker, AccountId client) throws RocksDBException {
    byte[] key = Keys.pair(caseworker, client);
    batch.put(store.caseloadCf(), key, DELETED);
    opCaseload.put(ByteBuffer.wrap(key), key);
  }

  /** Records that {@code client}'s case team no longer includes {@code caseworker}. */
  public void deleteCaseload(AccountId caseworker, AccountId client) throws RocksDBException {
    byte[] key = Keys.pair(caseworker, client);
    batch.delete(store.caseloadCf(), key);
    opCaseload.put(ByteBuffer.wrap(key), DELETED);
  }

  /** The clients whose case team includes {@code caseworker}, this group's changes included. */
  public List<AccountId> caseload(AccountId caseworker) throws Exception {
    Set<AccountId> out = new java.util.LinkedHashSet<>(store.caseload(caseworker));
    for (var overlay : List.of(caseload, opCaseload)) {
      for (var e : overlay.entrySet()) {
        byte[] pair = e.getKey().array();
        if (Arrays.equals(pair, 0, AccountId.LENGTH, caseworker.bytes(), 0, AccountId.LENGTH)) {
          AccountId client = AccountId.of(Arrays.copyOfRange(pair, AccountId.LENGTH, pair.length));
          if (e.getValue() == DELETED) {
            out.remove(client);
          } else {
            out.add(client);
          }
        }
      }
    }
    return new ArrayList<>(out);
  }

  public Optional<CaseRecord> caseRecord(CaseId id) throws RocksDBException {
    byte[] key = id.bytes();
    byte[] v = overlay(opCases, cases, key);
    if (v == null) {
      v = store.db().get(store.casesCf(), key);
    }
    return v == null || v == DELETED ? Optional.empty() : Optional.of(Codec.decodeCase(id, v));
  }

  public void putCase(CaseRecord c) throws RocksDBException {
    byte[] v = Codec.encodeCase(c);
    batch.put(store.casesCf(), c.id().bytes(), v);
    opCases.put(ByteBuffer.wrap(c.id().bytes()), v);
  }

  private void deleteCase(CaseId id) throws RocksDBException {
    batch.delete(store.casesCf(), id.bytes());
    opCases.put(ByteBuffer.wrap(id.bytes()), DELETED);
  }

  // ------------------------------------------------------------------ audit log

  /** Appends a line to the audit log. It must hold no client account id, IP or message data. */
  public void audit(long atMillis, String line) throws RocksDBException {
    batch.put(
        store.auditCf(),
        Keys.audit(atMillis, store.nextAuditSeq()),
        line.getBytes(java.nio.charset.StandardCharsets.UTF_8));
  }

  /** Deletes audit entries older than {@code beforeMillis}; returns how many. */
  public int pruneAudit(long beforeMillis) throws RocksDBException {
    int n = 0;
    try (RocksIterator it = store.db().newIterator(store.auditCf())) {
      for (it.seekToFirst(); it.isValid() && Keys.getLong(it.key(), 0) < beforeMillis; it.next()) {
        batch.delete(store.auditCf(), it.key());
        n++;
      }
      it.status();
    }
    return n;
  }

  // ------------------------------------------------------------------ key directory

  /** A key-directory record of one device, by type (see KeyDirectory). */
  public Optional<byte[]> keyRecord(DeviceAddress d, byte type) throws RocksDBException {
    byte[] key = Keys.deviceKey(d, type);
    byte[] v = opKeys.containsKey(key) ? opKeys.get(key) : keys.get(key);
    if (v == null) {
      v = store.db().get(store.keysCf(), key);
    }
    return v == null || v == DELETED ? Optional.empty() : Optional.of(v);
  }

  public void putKeyRecord(DeviceAddress d, byte type, byte[] value) throws RocksDBException {
    putKey(Keys.deviceKey(d, type), value);
  }

  /** Adds a one-time key; one with the same id is replaced. */
  public void putOneTimeKey(DeviceAddress d, byte type, int id, byte[] value)
      throws RocksDBException {
    putKey(Keys.deviceKey(d, type, id), value);
  }

  /** Removes and returns the lowest-id one-time key of {@code type}, if any is left. */
  public Optional<byte[]> takeOneTimeKey(DeviceAddress d, byte type) throws RocksDBException {
    var first = scanKeys(Keys.deviceKey(d, type)).firstEntry();
    if (first == null) {
      return Optional.empty();
    }
    deleteKey(first.getKey());
    return Optional.of(first.getValue());
  }

  public int countOneTimeKeys(DeviceAddress d, byte type) throws RocksDBException {
    return scanKeys(Keys.deviceKey(d, type)).size();
  }

  private void putKey(byte[] key, byte[] value) throws RocksDBException {
    batch.put(store.keysCf(), key, value);
    opKeys.put(key, value);
  }

  private void deleteKey(byte[] key) throws RocksDBException {
    batch.delete(store.keysCf(), key);
    opKeys.put(key, DELETED);
  }

  /** Every key-directory record under {@code prefix}: the store's, then this group's changes. */
  private TreeMap<byte[], byte[]> scanKeys(byte[] prefix) throws RocksDBException {
    TreeMap<byte[], byte[]> out = new TreeMap<>(Arrays::compareUnsigned);
    byte[] end = Keys.prefixEnd(prefix);
    try (Slice lower = new Slice(prefix);
        Slice upper = new Slice(end);
        ReadOptions ro = new ReadOptions().setIterateLowerBound(lower).setIterateUpperBound(upper);
        RocksIterator it = store.db().newIterator(store.keysCf(), ro)) {
      for (it.seek(prefix); it.isValid(); it.next()) {
        out.put(it.key(), it.value());
      }
      it.status();
    }
    for (var overlay : List.of(keys, opKeys)) {
      for (var e : overlay.subMap(prefix, true, end, false).entrySet()) {
        if (e.getValue() == DELETED) {
          out.remove(e.getKey());
        } else {
          out.put(e.getKey(), e.getValue());
        }
      }
    }
    return out;
  }

  // ------------------------------------------------------------------ deleting an account

  /**
   * Deletes an account with everything it owns: devices, keys, queued copies, cursors, its place in
   * case teams, the invites it created and have not been redeemed; for a client also its case and
   * what it sent that is still queued. Sees the writes of earlier ops in this group (see {@link
   * AccountDeletion}). The caller checks that this is allowed.
   *
   * @return how many queued copies were deleted
   */
  public int deleteAccount(AccountRecord a) throws RocksDBException {
    int removed = deletion.deleteAccount(a);
    if (a.caseId() != null) {
      deleteCase(a.caseId());
    }
    batch.delete(store.staffCf(), Keys.account(a.id()));
    byte[] key = Keys.account(a.id());
    batch.delete(store.accountsCf(), key);
    opAccounts.put(ByteBuffer.wrap(key), DELETED);
    counters[RelayStore.ACCOUNTS]--;
    return removed;
  }

  /**
   * Deletes one device of an account (revocation): its auth key, keys, queued copies and cursor;
   * the account stays, without it. The caller checks that this is allowed.
   *
   * @return how many queued copies were deleted
   */
  public int deleteDevice(AccountRecord a, int deviceId) throws RocksDBException {
    int removed = deletion.deleteDeviceData(new DeviceAddress(a.id(), deviceId));
    putAccount(a.withoutDevice(deviceId), false);
    return removed;
  }

  /** The invites written in this group: the earlier ops', then the current op's. */
  List<Map<ByteBuffer, byte[]>> inviteOverlays() {
    return List.of(invites, opInvites);
  }

  /** Deletes every key-directory record under {@code prefix}, this group's included. */
  void deleteKeys(byte[] prefix) throws RocksDBException {
    for (byte[] k : scanKeys(prefix).keySet()) {
      deleteKey(k);
    }
  }

  private static byte[] overlay(
      Map<ByteBuffer, byte[]> op, Map<ByteBuffer, byte[]> group, byte[] key) {
    ByteBuffer k = ByteBuffer.wrap(key);
    byte[] v = op.get(k);
    return v != null ? v : group.get(k);
  }
}
