package org.safehouse.server.store;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import javax.crypto.AEADBadTagException;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ColumnFamilyOptions;
import org.rocksdb.DBOptions;
import org.rocksdb.InfoLogLevel;
import org.rocksdb.LRUCache;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.Slice;
import org.safehouse.server.account.AccountId;
import org.safehouse.server.account.AccountRecord;
import org.safehouse.server.account.DeviceAddress;
import org.safehouse.server.account.Role;
import org.safehouse.server.cases.CaseId;
import org.safehouse.server.cases.CaseRecord;
import org.safehouse.server.message.StoredMessage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded RocksDB store. Reads may run on any thread except a Netty event loop; every write
 * goes through {@link #write}, which runs it on the single writer thread and commits it together
 * with its neighbours in one synced write (group commit).
 *
 * <p>Queued copies are stored encrypted under the key of their expiry hour ({@link BucketKeys}),
 * which is destroyed once the hour is over: an expired copy cannot be read from the raw disk even
 * where RocksDB or the file system left its bytes behind.
 */
public final class RelayStore implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(RelayStore.class);
  private static final int MAX_DROP_PER_COMMIT = 20_000;
  static final int ACCOUNTS = 0;
  static final int DEVICES = 1;
  static final int QUEUED = 2;
  static final int EXPIRED_REMOVED = 3;
  static final byte[] META_SEQ = "seq-reserved".getBytes(StandardCharsets.US_ASCII);
  static final byte[] META_COUNTERS = "counters".getBytes(StandardCharsets.US_ASCII);
  static final byte[] META_INITIALIZED = "initialized".getBytes(StandardCharsets.US_ASCII);
  static final long SEQ_BLOCK = 1 << 20;

  private final RocksDB db;
  private final DBOptions dbOptions;
  private final List<ColumnFamilyOptions> cfOptions;
  private final LRUCache cache;
  private final List<ColumnFamilyHandle> handles;
  private final GroupCommitWriter writer;
  private final boolean created;
  private final java.util.concurrent.atomic.AtomicLong auditSeq;
  private final BucketKeys bucketKeys;
  private final StorePurge purge;

  private RelayStore(
      RocksDB db,
      DBOptions dbOptions,
      List<ColumnFamilyOptions> cfOptions,
      LRUCache cache,
      List<ColumnFamilyHandle> handles,
      boolean created,
      BucketKeys bucketKeys)
      throws RocksDBException {
    this.db = db;
    this.bucketKeys = bucketKeys;
    this.dbOptions = dbOptions;
    this.cfOptions = cfOptions;
    this.cache = cache;
    this.handles = handles;
    this.created = created;
    long[] counters = new long[4];
    byte[] c = db.get(metaCf(), META_COUNTERS);
    if (c != null) {
      for (int i = 0; i < counters.length; i++) {
        counters[i] = Keys.getLong(c, 8 * i);
      }
    }
    byte[] s = db.get(metaCf(), META_SEQ);
    long seq = s == null ? 1 : Keys.getLong(s, 0);
    this.auditSeq = new java.util.concurrent.atomic.AtomicLong(lastAuditSeq() + 1);
    this.purge = new StorePurge(db, handles);
    this.writer = new GroupCommitWriter(this, counters, seq);
  }

  private long lastAuditSeq() throws RocksDBException {
    try (RocksIterator it = db.newIterator(auditCf())) {
      it.seekToLast();
      long last = it.isValid() ? Keys.getLong(it.key(), 8) : 0;
      it.status();
      return last;
    }
  }

  long nextAuditSeq() {
    return auditSeq.getAndIncrement();
  }

  /** Opens the store in {@code dir} with its keys on disk and the system clock. */
  public static RelayStore open(Path dir) throws IOException {
    return open(dir, KeyStorage.DISK, Clock.systemUTC());
  }

  /**
   * Opens (creating if needed) the store in {@code dir}. Destroys the keys of buckets that ended
   * while the server was down, and drops the unexpired copies that can no longer be read because
   * their key is gone (all of them after a restart with keys in memory only), logging how many.
   *
   * @throws StoreLockedException if another running server holds the folder
   * @throws StoreFormat.NewerStoreException if a newer server wrote the store (left untouched)
   * @throws IOException if the folder cannot be created, the store cannot be opened, or its key
   *     file cannot be read (the message is one line that says what to do)
   */
  public static RelayStore open(Path dir, KeyStorage keyStorage, Clock clock) throws IOException {
    return open(dir, keyStorage, clock, StoreFormat.RELEASE);
  }

  /** As {@link #open(Path, KeyStorage, Clock)}, upgrading to {@code format} (tests use others). */
  static RelayStore open(Path dir, KeyStorage keyStorage, Clock clock, StoreFormat format)
      throws IOException {
    RocksDB.loadLibrary();
    Files.createDirectories(dir);
    boolean created = !Files.exists(dir.resolve("CURRENT"));
    LRUCache cache = new LRUCache(64L << 20);
    DBOptions dbo =
        new DBOptions()
            .setCreateIfMissing(true)
            .setCreateMissingColumnFamilies(true)
            .setInfoLogLevel(InfoLogLevel.WARN_LEVEL)
            .setKeepLogFileNum(2)
            // A purge must be able to remove every WAL that holds deleted ciphertext: no WAL is
            // recycled (reused with old bytes still in it) or archived.
            .setRecycleLogFileNum(0)
            .setWalTtlSeconds(0)
            .setWalSizeLimitMB(0)
            .setMaxTotalWalSize(256L << 20)
            .setMaxBackgroundJobs(2)
            // Flush and compaction output is synced a megabyte at a time, not in one burst at
            // the end of each file, which the WAL's fdatasync before an OK would wait behind.
            // (O_DIRECT for flush and compaction was tried: it made the WAL syncs slower.)
            .setBytesPerSync(1L << 20);
    List<ColumnFamilyOptions> cfos = new ArrayList<>();
    List<ColumnFamilyDescriptor> known = ColumnFamilies.describe(cache, cfos);
    List<ColumnFamilyHandle> handles = new ArrayList<>();
    List<ColumnFamilyDescriptor> descriptors;
    RocksDB db;
    try {
      descriptors = created ? known : ColumnFamilies.present(dir, known, cfos);
      db = RocksDB.open(dbo, dir.toString(), descriptors, handles);
    } catch (RocksDBException e) {
      ColumnFamilies.closeAll(handles, null, dbo, cfos, cache);
      String msg = String.valueOf(e.getMessage());
      if (msg.contains("lock") || msg.contains("LOCK")) {
        throw new StoreLockedException(
            "the data folder "
                + dir.getParent()
                + " is in use by another running Safehouse server; stop it or choose another --data");
      }
      throw new IOException("cannot open the store in " + dir + ": " + msg, e);
    }
    RelayStore store;
    try {
      format.upgrade(db, handles, dir, clock, created);
      handles = ColumnFamilies.completed(db, known, descriptors, handles);
      // Only now, under RocksDB's lock on the folder: a second server must not touch the keys.
      BucketKeys keys = BucketKeys.open(dir, keyStorage, new SecureRandom());
      try {
        keys.destroyEndingBy(clock.millis());
        store = new RelayStore(db, dbo, cfos, cache, handles, created, keys);
      } catch (IOException | RocksDBException | RuntimeException e) {
        keys.close();
        throw e;
      }
    } catch (IOException | RuntimeException e) {
      ColumnFamilies.closeAll(handles, db, dbo, cfos, cache);
      throw e;
    } catch (RocksDBException e) {
      ColumnFamilies.closeAll(handles, db, dbo, cfos, cache);
      throw new IOException("cannot read the store in " + dir + ": " + e.getMessage(), e);
    }
    try {
      store.dropUnreadable(clock.millis(), keyStorage);
      store.write(tx -> tx.ledger().countOnce(tx.batch())).get();
    } catch (InterruptedException | ExecutionException e) {
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      store.close();
      throw new IOException("cannot count the mailboxes of the store in " + dir, e);
    } catch (IOException | RuntimeException e) {
      store.close();
      throw e;
    }
    return store;
  }

  /**
   * Drops the unexpired copies whose bucket key is gone: nobody can read them any more. After a
   * restart with keys in memory only that is every queued copy; with keys on disk, only those of a
   * lost or older key file. Either way the log says how many.
   */
  private void dropUnreadable(long nowMillis, KeyStorage keyStorage) throws IOException {
    long dropped = 0;
    try {
      int n;
      do {
        n = write(tx -> tx.dropUnreadable(nowMillis, MAX_DROP_PER_COMMIT)).get();
        dropped += n;
      } while (n == MAX_DROP_PER_COMMIT);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while opening the store", e);
    } catch (ExecutionException e) {
      throw new IOException("cannot drop unreadable messages from the store", e.getCause());
    }
    if (dropped > 0 && keyStorage == KeyStorage.MEMORY) {
      log.info(
          "dropped {} queued messages: their keys were in memory only (store.bucket-keys = memory)",
          dropped);
    } else if (dropped > 0) {
      log.warn(
          "dropped {} queued messages that cannot be read: their keys are missing from the"
              + " bucket key file, which was lost or replaced by an older copy",
          dropped);
    }
  }

  /** True if this open created the store (the server's first start). */
  public boolean created() {
    return created;
  }

  /** Queues {@code op} for the writer thread; the future completes after its group commits. */
  public <T> CompletableFuture<T> write(WriteOp<T> op) {
    return writer.submit(op);
  }

  /**
   * Encrypts one copy for storage under the key of its expiry hour, creating that key if needed.
   * Runs on the caller's thread and never waits for the disk: a new key is saved by the writer
   * thread before the first commit that stores a copy under it.
   */
  public SealedCopy seal(
      DeviceAddress recipient,
      long expiresAtMillis,
      AccountId sender,
      int senderDevice,
      byte[] clientMessageId,
      byte[] ciphertext) {
    byte[] body = Codec.encodeMessageBody(sender, senderDevice, clientMessageId, ciphertext);
    byte[] value =
        MessageCipher.seal(bucketKeys.keyFor(expiresAtMillis), recipient, expiresAtMillis, body);
    return new SealedCopy(
        recipient, expiresAtMillis, sender, senderDevice, clientMessageId, ciphertext, value);
  }

  /**
   * Destroys the key of every bucket that ended at or before {@code nowMillis}, so that the copies
   * stored under it can never be read again, from the store or from old bytes on the disk. Every
   * copy in such a bucket has expired; the sweeper calls this after removing them.
   *
   * @return how many keys were destroyed
   * @throws IOException if a key's slot in the key file cannot be overwritten and synced; the key
   *     is then kept, and the next call tries again
   */
  public int destroyExpiredBucketKeys(long nowMillis) throws IOException {
    return bucketKeys.destroyEndingBy(nowMillis);
  }

  /** Whether the one-time first-start work (the first admin invite) has been done. */
  public boolean initialized() throws IOException {
    try {
      return db.get(metaCf(), META_INITIALIZED) != null;
    } catch (RocksDBException e) {
      throw new IOException("cannot read the store", e);
    }
  }

  /** Marks the first-start work done, in the same commit as {@code tx}'s other writes. */
  public void markInitialized(Tx tx) throws RocksDBException {
    tx.batch().put(metaCf(), META_INITIALIZED, new byte[] {1});
  }

  // ------------------------------------------------------------------ reads (any blocking thread)

  public Optional<AccountRecord> account(AccountId id) throws IOException {
    try {
      byte[] v = db.get(accountsCf(), Keys.account(id));
      return v == null ? Optional.empty() : Optional.of(Codec.decodeAccount(id, v));
    } catch (RocksDBException e) {
      throw new IOException("cannot read the store", e);
    }
  }

  public Optional<byte[]> deviceAuthKey(DeviceAddress d) throws IOException {
    try {
      return Optional.ofNullable(db.get(devicesCf(), Keys.device(d)));
    } catch (RocksDBException e) {
      throw new IOException("cannot read the store", e);
    }
  }

  /** Where reading this mailbox starts: everything before it was acknowledged or expired. */
  public long cursor(DeviceAddress d) throws IOException {
    try {
      byte[] v = db.get(cursorsCf(), Keys.device(d));
      return v == null ? 0 : Keys.getLong(v, 0);
    } catch (RocksDBException e) {
      throw new IOException("cannot read the store", e);
    }
  }

  /**
   * Reads up to {@code max} unexpired copies with seq at or after {@code fromSeq}. Seeks straight
   * to {@code fromSeq}, so the cost does not grow with acknowledged copies before it.
   */
  public MailboxPage readMailbox(DeviceAddress d, long fromSeq, int max, long nowMillis)
      throws IOException {
    List<StoredMessage> out = new ArrayList<>(Math.min(max, 256));
    byte[] start = Keys.mailbox(d, fromSeq);
    long next = fromSeq;
    try (Slice lower = new Slice(start);
        Slice upper = new Slice(Keys.mailbox(d, -1L));
        ReadOptions ro = new ReadOptions().setIterateLowerBound(lower).setIterateUpperBound(upper);
        RocksIterator it = db.newIterator(mailboxCf(), ro)) {
      it.seek(start);
      while (it.isValid() && out.size() < max) {
        long seq = Keys.mailboxSeq(it.key());
        byte[] v = it.value();
        if (Codec.messageExpiry(v) > nowMillis) {
          StoredMessage m = openMessage(d, seq, v);
          if (m != null) {
            out.add(m);
          }
        }
        next = seq + 1;
        it.next();
      }
      boolean exhausted = !it.isValid();
      it.status();
      return new MailboxPage(out, next, exhausted);
    } catch (RocksDBException e) {
      throw new IOException("cannot read the store", e);
    }
  }

  /** Every caseworker and admin, with their role. */
  public List<Map.Entry<AccountId, Role>> staff() throws IOException {
    List<Map.Entry<AccountId, Role>> out = new ArrayList<>();
    try (RocksIterator it = db.newIterator(staffCf())) {
      for (it.seekToFirst(); it.isValid(); it.next()) {
        out.add(Map.entry(AccountId.of(it.key()), Role.ofCode(it.value()[0])));
      }
      it.status();
      return out;
    } catch (RocksDBException e) {
      throw new IOException("cannot read the store", e);
    }
  }

  /** The clients whose case team includes {@code caseworker}. */
  public List<AccountId> caseload(AccountId caseworker) throws IOException {
    List<AccountId> out = new ArrayList<>();
    byte[] prefix = Keys.account(caseworker);
    try (Slice lower = new Slice(prefix);
        Slice upper = new Slice(Keys.prefixEnd(prefix));
        ReadOptions ro = new ReadOptions().setIterateLowerBound(lower).setIterateUpperBound(upper);
        RocksIterator it = db.newIterator(caseloadCf(), ro)) {
      for (it.seek(prefix); it.isValid(); it.next()) {
        out.add(
            AccountId.of(
                java.util.Arrays.copyOfRange(it.key(), AccountId.LENGTH, 2 * AccountId.LENGTH)));
      }
      it.status();
      return out;
    } catch (RocksDBException e) {
      throw new IOException("cannot read the store", e);
    }
  }

  /** One case, or empty if there is no such case. */
  public Optional<CaseRecord> caseRecord(CaseId id) throws IOException {
    try {
      byte[] v = db.get(casesCf(), id.bytes());
      return v == null ? Optional.empty() : Optional.of(Codec.decodeCase(id, v));
    } catch (RocksDBException e) {
      throw new IOException("cannot read the store", e);
    }
  }

  /** Every case, in case-id order. */
  public List<CaseRecord> cases() throws IOException {
    List<CaseRecord> out = new ArrayList<>();
    try (RocksIterator it = db.newIterator(casesCf())) {
      for (it.seekToFirst(); it.isValid(); it.next()) {
        out.add(Codec.decodeCase(CaseId.of(it.key()), it.value()));
      }
      it.status();
      return out;
    } catch (RocksDBException e) {
      throw new IOException("cannot read the store", e);
    }
  }

  /** How many copies are queued for the devices of {@code account}. */
  public long queuedFor(AccountId account) throws IOException {
    byte[] prefix = Keys.account(account);
    long n = 0;
    try (Slice lower = new Slice(prefix);
        Slice upper = new Slice(Keys.prefixEnd(prefix));
        ReadOptions ro = new ReadOptions().setIterateLowerBound(lower).setIterateUpperBound(upper);
        RocksIterator it = db.newIterator(mailboxCf(), ro)) {
      for (it.seek(prefix); it.isValid(); it.next()) {
        n++;
      }
      it.status();
      return n;
    } catch (RocksDBException e) {
      throw new IOException("cannot read the store", e);
    }
  }

  /** An outstanding invite as admins see it: an id derived from the code's hash, never the code. */
  public record InviteEntry(byte[] id, InviteRecord invite) {}

  /** Every stored invite (expired ones until the sweeper removes them). */
  public List<InviteEntry> invites() throws IOException {
    List<InviteEntry> out = new ArrayList<>();
    try (RocksIterator it = db.newIterator(invitesCf())) {
      for (it.seekToFirst(); it.isValid(); it.next()) {
        out.add(
            new InviteEntry(
                java.util.Arrays.copyOf(it.key(), Tx.INVITE_ID_BYTES),
                Codec.decodeInvite(it.value())));
      }
      it.status();
      return out;
    } catch (RocksDBException e) {
      throw new IOException("cannot read the store", e);
    }
  }

  /** One audit log entry. */
  public record AuditEntry(long atMillis, String text) {}

  /** The audit log, oldest first. */
  public List<AuditEntry> audit() throws IOException {
    List<AuditEntry> out = new ArrayList<>();
    try (RocksIterator it = db.newIterator(auditCf())) {
      for (it.seekToFirst(); it.isValid(); it.next()) {
        out.add(
            new AuditEntry(
                Keys.getLong(it.key(), 0), new String(it.value(), StandardCharsets.UTF_8)));
      }
      it.status();
      return out;
    } catch (RocksDBException e) {
      throw new IOException("cannot read the store", e);
    }
  }

  /** What one {@link #purge} did. */
  public record PurgeResult(boolean ran, long millis, boolean compacted) {}

  /**
   * Makes acknowledged, expired and deleted data physically leave the store's files while writes go
   * on: flushes every memtable (a Put that meets its delete there never reaches a data file, and
   * the write-ahead logs that held it are deleted), then compacts the key ranges that had deletes
   * since the last purge down to the last level. Does nothing if nothing was written since the last
   * purge. See {@link StorePurge}.
   *
   * <p>Not on the writer thread: writes go on while it runs. Residue it cannot remove (the
   * MANIFEST, free blocks of the file system and the disk) is described in SECURITY.md.
   */
  public PurgeResult purge() throws IOException {
    return purge.purge();
  }

  /** Counts as of the last commit. */
  public Counters counters() {
    return writer.counters();
  }

  /** Whether the writer takes work and its last write reached the disk. */
  boolean writing() {
    return writer.writing();
  }

  /** Timings of the writer's group commits since the store opened. */
  public WriterStats writerStats() {
    return writer.stats();
  }

  @Override
  public void close() {
    writer.close();
    for (ColumnFamilyHandle h : handles) {
      h.close();
    }
    try {
      db.syncWal();
    } catch (RocksDBException e) {
      // Every acknowledged write was already synced; nothing is lost.
    }
    db.close();
    dbOptions.close();
    cfOptions.forEach(ColumnFamilyOptions::close);
    cache.close();
    try {
      bucketKeys.close();
    } catch (IOException e) {
      // Every key in use was saved and synced before its first commit; nothing is lost.
    }
  }

  // ------------------------------------------------------------------ package internals

  /**
   * A stored copy in clear, or null if it cannot be read: its bucket key was destroyed (it expired)
   * or lost (keys in memory only, and a restart), or it fails its integrity check. A copy that
   * cannot be read is never delivered; the sweeper removes it when it expires.
   */
  StoredMessage openMessage(DeviceAddress d, long seq, byte[] v) {
    if (!Codec.isSealed(v)) {
      return Codec.decodeUnsealedMessage(d, seq, v);
    }
    if (v[0] != MessageCipher.VERSION) {
      return null;
    }
    long expiresAt = Codec.messageExpiry(v);
    BucketKeys.Key key = bucketKeys.find(expiresAt);
    if (key == null) {
      return null;
    }
    try {
      return Codec.decodeMessageBody(d, seq, expiresAt, MessageCipher.open(key, d, v), 0);
    } catch (AEADBadTagException e) {
      log.warn("a stored message failed its integrity check and is not delivered");
      return null;
    }
  }

  BucketKeys bucketKeys() {
    return bucketKeys;
  }

  StorePurge purger() {
    return purge;
  }

  RocksDB db() {
    return db;
  }

  ColumnFamilyHandle metaCf() {
    return handles.get(0);
  }

  ColumnFamilyHandle accountsCf() {
    return handles.get(1);
  }

  ColumnFamilyHandle devicesCf() {
    return handles.get(2);
  }

  ColumnFamilyHandle invitesCf() {
    return handles.get(3);
  }

  ColumnFamilyHandle mailboxCf() {
    return handles.get(4);
  }

  ColumnFamilyHandle expiryCf() {
    return handles.get(5);
  }

  ColumnFamilyHandle cursorsCf() {
    return handles.get(6);
  }

  ColumnFamilyHandle keysCf() {
    return handles.get(7);
  }

  ColumnFamilyHandle staffCf() {
    return handles.get(8);
  }

  ColumnFamilyHandle caseloadCf() {
    return handles.get(9);
  }

  ColumnFamilyHandle casesCf() {
    return handles.get(10);
  }

  ColumnFamilyHandle auditCf() {
    return handles.get(11);
  }

  ColumnFamilyHandle usageCf() {
    return handles.get(12);
  }

  /** Every column family, with its name (for tests that inspect the raw store). */
  List<ColumnFamilyHandle> families() {
    return handles;
  }
}
