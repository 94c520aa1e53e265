package org.safehouse.server.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.WeakHashMap;
import java.util.concurrent.ConcurrentHashMap;
import javax.crypto.AEADBadTagException;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.Slice;
import org.safehouse.server.account.AccountId;
import org.safehouse.server.account.DeviceAddress;
import org.safehouse.server.blob.BlobRecord;

/**
 * Attachment blobs in three column families of their own. Records and chunks are sealed like queued
 * copies ({@link MessageCipher}) under the bucket key of the blob's expiry hour, so destroying that
 * key shreds the blob, record (uploader and recipients) included.
 *
 * <pre>
 * blob-meta    id(16)                    -> sealed(binding "M" id) of
 *              uploader(16) device(4) size(8) received(8) createdAt(8) n(2) [account(16) device(4)]*n
 * blob-chunks  id(16) offset(8)           -> sealed(binding "C" id offset) of the chunk
 * blob-expiry  kind(1) time(8) id(16)     -> empty; kind 0 at expiry, kind 1 at the upload deadline
 * </pre>
 *
 * Chunks are written one per request as they arrive, so a large blob is never whole in memory.
 * Reads run on any blocking thread; writes run on the writer thread through a {@link Tx}. A record
 * written by an op is also kept in memory until its group commits, so the next op of the same group
 * (the next chunk of a pipelined upload) sees it.
 */
public final class BlobStore {
  public static final int ID_BYTES = 16;
  private static final byte KIND_EXPIRY = 0;
  private static final byte KIND_DEADLINE = 1;
  private static final Map<RelayStore, BlobStore> OPEN = new WeakHashMap<>();

  private final RelayStore store;
  private final ColumnFamilyHandle meta;
  private final ColumnFamilyHandle chunks;
  private final ColumnFamilyHandle index;
  private final Map<ByteBuffer, BlobRecord> inFlight = new ConcurrentHashMap<>();

  private BlobStore(RelayStore store) {
    this.store = store;
    List<String> names = Arrays.asList(ColumnFamilies.NAMES);
    this.meta = store.families().get(names.indexOf("blob-meta"));
    this.chunks = store.families().get(names.indexOf("blob-chunks"));
    this.index = store.families().get(names.indexOf("blob-expiry"));
  }

  /** The blob store of {@code store} (one per open store). */
  public static BlobStore of(RelayStore store) {
    synchronized (OPEN) {
      return OPEN.computeIfAbsent(store, BlobStore::new);
    }
  }

  // ------------------------------------------------------------------ reads (any blocking thread)

  /**
   * The record of blob {@code id}, or empty if there is none or it can no longer be read (its key
   * was destroyed).
   */
  public Optional<BlobRecord> read(byte[] id) throws IOException {
    BlobRecord r = inFlight.get(ByteBuffer.wrap(id));
    if (r != null) {
      return Optional.of(r);
    }
    try {
      byte[] v = store.db().get(meta, id);
      return Optional.ofNullable(v == null ? null : open(id, v));
    } catch (RocksDBException e) {
      throw new IOException("cannot read the store", e);
    }
  }

  /** The chunk of {@code blob} at {@code offset} in clear, or null if it is not there. */
  public byte[] readChunk(BlobRecord blob, long offset) throws IOException {
    try {
      byte[] v = store.db().get(chunks, chunkKey(blob.id(), offset));
      if (v == null) {
        return null;
      }
      BucketKeys.Key key = store.bucketKeys().find(Keys.getLong(v, 1));
      return key == null ? null : MessageCipher.open(key, chunkBinding(blob.id(), offset), v);
    } catch (RocksDBException e) {
      throw new IOException("cannot read the store", e);
    } catch (AEADBadTagException e) {
      return null;
    }
  }

  /** Seals one chunk for {@link #putChunk}; runs on the caller's thread, not the writer's. */
  public byte[] sealChunk(BlobRecord blob, long offset, byte[] data) {
    return MessageCipher.seal(
        store.bucketKeys().keyFor(blob.expiresAtMillis()),
        chunkBinding(blob.id(), offset),
        blob.expiresAtMillis(),
        data);
  }

  // ------------------------------------------------------------------ writes (writer thread)

  /**
   * Writes a blob's record; a new one also gets its index entries (expiry, and {@code
   * uploadDeadline} after which an incomplete upload is removed).
   */
  public void put(Tx tx, BlobRecord r, boolean isNew, long uploadDeadline) throws RocksDBException {
    tx.batch().put(meta, r.id(), seal(r));
    if (isNew) {
      tx.batch().put(index, indexKey(KIND_EXPIRY, r.expiresAtMillis(), r.id()), new byte[0]);
      tx.batch().put(index, indexKey(KIND_DEADLINE, uploadDeadline, r.id()), new byte[0]);
    }
    remember(tx, r);
  }

  /** Stores a chunk sealed by {@link #sealChunk}. */
  public void putChunk(Tx tx, BlobRecord r, long offset, byte[] sealed) throws RocksDBException {
    tx.batch().put(chunks, chunkKey(r.id(), offset), sealed);
  }

  /** Deletes a blob: its record, every chunk and its expiry entry. */
  public void delete(Tx tx, BlobRecord r) throws RocksDBException {
    byte[] id = r.id();
    tx.batch().delete(meta, id);
    tx.batch().deleteRange(chunks, chunkKey(id, 0), chunkKey(id, -1L));
    tx.batch().delete(index, indexKey(KIND_EXPIRY, r.expiresAtMillis(), id));
    inFlight.remove(ByteBuffer.wrap(id));
    ByteBuffer gone = ByteBuffer.wrap(id.clone());
    tx.afterCommit(() -> inFlight.remove(gone));
  }

  /** Bytes of blobs (complete or not) that {@code uploader} has stored, unexpired ones only. */
  public long usage(AccountId uploader, long nowMillis) throws IOException {
    long total = 0;
    for (BlobRecord r : all()) {
      if (r.uploader().equals(uploader) && r.expiresAtMillis() > nowMillis) {
        total += r.size();
      }
    }
    return total;
  }

  /**
   * Removes what is due by {@code nowMillis}: expired blobs, and incomplete uploads past their
   * deadline. At most {@code max} index entries per call.
   *
   * @return how many blobs were removed
   */
  public int sweep(Tx tx, long nowMillis, int max) throws RocksDBException, IOException {
    List<byte[]> due = new ArrayList<>();
    for (byte kind : new byte[] {KIND_EXPIRY, KIND_DEADLINE}) {
      byte[] from = {kind};
      byte[] to = indexKey(kind, nowMillis + 1, new byte[ID_BYTES]);
      try (Slice lower = new Slice(from);
          Slice upper = new Slice(to);
          ReadOptions ro =
              new ReadOptions().setIterateLowerBound(lower).setIterateUpperBound(upper);
          RocksIterator it = store.db().newIterator(index, ro)) {
        for (it.seek(from); it.isValid() && due.size() < max; it.next()) {
          due.add(it.key());
        }
        it.status();
      }
    }
    int removed = 0;
    for (byte[] k : due) {
      tx.batch().delete(index, k);
      byte[] id = Arrays.copyOfRange(k, 9, 9 + ID_BYTES);
      Optional<BlobRecord> r = read(id);
      boolean expired = k[0] == KIND_EXPIRY;
      if (r.isPresent() && (expired || !r.get().complete())) {
        delete(tx, r.get());
        removed++;
      } else if (r.isEmpty() && expired) {
        // Unreadable (its key is gone): remove what is left of it.
        tx.batch().delete(meta, id);
        tx.batch().deleteRange(chunks, chunkKey(id, 0), chunkKey(id, -1L));
        removed++;
      }
    }
    return removed;
  }

  /**
   * Deletes every blob that {@code account} uploaded or is a recipient of; called by {@link
   * AccountDeletion} in the same commit as the account's deletion.
   */
  void accountDeleted(Tx tx, AccountId account) throws RocksDBException {
    for (BlobRecord r : allUnchecked()) {
      boolean bound = r.waiting().stream().anyMatch(d -> d.account().equals(account));
      if (r.uploader().equals(account) || bound) {
        delete(tx, r);
      }
    }
  }

  /**
   * A revoked device no longer waits for any blob; a blob nobody else waits for is deleted, as is
   * every blob it was uploading.
   */
  void deviceDeleted(Tx tx, DeviceAddress d) throws RocksDBException {
    for (BlobRecord r : allUnchecked()) {
      boolean uploader = r.uploader().equals(d.account()) && r.uploaderDevice() == d.deviceId();
      if (uploader && !r.complete()) {
        delete(tx, r);
      } else if (r.waiting().contains(d)) {
        BlobRecord left = r.without(d);
        if (left.waiting().isEmpty()) {
          delete(tx, r);
        } else {
          tx.batch().put(meta, r.id(), seal(left));
          remember(tx, left);
        }
      }
    }
  }

  // ------------------------------------------------------------------ internals

  private List<BlobRecord> allUnchecked() throws RocksDBException {
    try {
      return all();
    } catch (IOException e) {
      throw new RocksDBException(e.getMessage());
    }
  }

  /** Every readable record: the store's, overlaid with the ones written in this group. */
  private List<BlobRecord> all() throws IOException {
    Map<ByteBuffer, BlobRecord> out = new java.util.LinkedHashMap<>();
    try (RocksIterator it = store.db().newIterator(meta)) {
      for (it.seekToFirst(); it.isValid(); it.next()) {
        BlobRecord r = open(it.key(), it.value());
        if (r != null) {
          out.put(ByteBuffer.wrap(r.id()), r);
        }
      }
      it.status();
    } catch (RocksDBException e) {
      throw new IOException("cannot read the store", e);
    }
    out.putAll(inFlight);
    return new ArrayList<>(out.values());
  }

  private void remember(Tx tx, BlobRecord r) {
    ByteBuffer k = ByteBuffer.wrap(r.id().clone());
    inFlight.put(k, r);
    tx.afterCommit(() -> inFlight.remove(k, r));
  }

  private byte[] seal(BlobRecord r) {
    ByteBuffer b = ByteBuffer.allocate(16 + 4 + 8 + 8 + 8 + 2 + 20 * r.waiting().size());
    b.put(r.uploader().bytes()).putInt(r.uploaderDevice());
    b.putLong(r.size()).putLong(r.received()).putLong(r.createdAtMillis());
    b.putShort((short) r.waiting().size());
    for (DeviceAddress d : r.waiting()) {
      b.put(d.account().bytes()).putInt(d.deviceId());
    }
    return MessageCipher.seal(
        store.bucketKeys().keyFor(r.expiresAtMillis()),
        metaBinding(r.id()),
        r.expiresAtMillis(),
        b.array());
  }

  private BlobRecord open(byte[] id, byte[] v) {
    long expiresAt = Keys.getLong(v, 1);
    BucketKeys.Key key = store.bucketKeys().find(expiresAt);
    if (key == null) {
      return null;
    }
    ByteBuffer b;
    try {
      b = ByteBuffer.wrap(MessageCipher.open(key, metaBinding(id), v));
    } catch (AEADBadTagException e) {
      return null;
    }
    byte[] account = new byte[AccountId.LENGTH];
    b.get(account);
    int device = b.getInt();
    long size = b.getLong();
    long received = b.getLong();
    long createdAt = b.getLong();
    int n = b.getShort() & 0xffff;
    List<DeviceAddress> waiting = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      byte[] a = new byte[AccountId.LENGTH];
      b.get(a);
      waiting.add(new DeviceAddress(AccountId.of(a), b.getInt()));
    }
    return new BlobRecord(
        id.clone(), AccountId.of(account), device, size, received, createdAt, expiresAt, waiting);
  }

  private static byte[] metaBinding(byte[] id) {
    byte[] b = new byte[1 + ID_BYTES];
    b[0] = 'M';
    System.arraycopy(id, 0, b, 1, ID_BYTES);
    return b;
  }

  private static byte[] chunkBinding(byte[] id, long offset) {
    byte[] b = new byte[1 + ID_BYTES + 8];
    b[0] = 'C';
    System.arraycopy(id, 0, b, 1, ID_BYTES);
    Keys.putLong(b, 1 + ID_BYTES, offset);
    return b;
  }

  private static byte[] chunkKey(byte[] id, long offset) {
    byte[] k = new byte[ID_BYTES + 8];
    System.arraycopy(id, 0, k, 0, ID_BYTES);
    Keys.putLong(k, ID_BYTES, offset);
    return k;
  }

  private static byte[] indexKey(byte kind, long time, byte[] id) {
    byte[] k = new byte[1 + 8 + ID_BYTES];
    k[0] = kind;
    Keys.putLong(k, 1, time);
    System.arraycopy(id, 0, k, 9, ID_BYTES);
    return k;
  }
}
