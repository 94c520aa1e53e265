package org.safehouse.server.blob;

import java.io.IOException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import org.safehouse.protocol.BlobPadding;
import org.safehouse.server.Refusal;
import org.safehouse.server.account.AccountId;
import org.safehouse.server.account.AccountRecord;
import org.safehouse.server.account.DeviceAddress;
import org.safehouse.server.account.Requester;
import org.safehouse.server.config.Quotas;
import org.safehouse.server.message.RoutingPolicy;
import org.safehouse.server.store.BlobStore;
import org.safehouse.server.store.RelayStore;

/**
 * Attachment blobs: begin an upload bound to its reader devices (the recipients' devices and the
 * uploader's other devices), store its chunks in order, hand them out to those devices only, and
 * forget each device once it has the whole blob. Anyone else asking about a blob gets {@code
 * UNKNOWN_BLOB}, as for one that does not exist. Blocking reads run on {@code readers}; writes go
 * through the store's writer (group commit).
 */
public final class BlobService {
  /** What an upload's begin applied. */
  public record Begun(byte[] id, Duration ttl) {}

  /** How much of a blob the server holds. */
  public record Status(long received, long size) {}

  /** How long an incomplete upload is kept before the sweeper removes it. */
  public static final Duration UPLOAD_TIMEOUT = Duration.ofHours(24);

  private final RelayStore store;
  private final BlobStore blobs;
  private final Clock clock;
  private final RoutingPolicy policy;
  private final Executor readers;
  private final Duration defaultTtl;
  private final Duration maxTtl;
  private final Quotas quotas;
  private final SecureRandom random = new SecureRandom();

  public BlobService(
      RelayStore store,
      Clock clock,
      RoutingPolicy policy,
      Executor readers,
      Duration defaultTtl,
      Duration maxTtl,
      Quotas quotas) {
    this.store = store;
    this.blobs = BlobStore.of(store);
    this.clock = clock;
    this.policy = policy;
    this.readers = readers;
    this.defaultTtl = defaultTtl;
    this.maxTtl = maxTtl;
    this.quotas = quotas;
  }

  /**
   * Begins an upload of {@code size} bytes for the current devices of {@code recipients} and the
   * uploader's other current devices (which get a copy of what it sends).
   *
   * @return fails with {@code BAD_REQUEST} (no recipient, a size not in the padding set), {@code
   *     BLOB_TOO_LARGE}, {@code BLOB_QUOTA_EXCEEDED}, {@code UNKNOWN_RECIPIENT} (one answer for an
   *     unknown and an unreachable account), {@code AUTH_FAILED} (the device was revoked)
   */
  public CompletableFuture<Begun> begin(
      DeviceAddress uploader, List<AccountId> recipients, long size, long ttlSeconds) {
    if (recipients.isEmpty() || recipients.size() > quotas.maxCopiesPerSend()) {
      return CompletableFuture.failedFuture(
          new Refusal(Refusal.Reason.BAD_REQUEST, "name between 1 and 16 recipient accounts"));
    }
    if (!BlobPadding.allowedSize(size)) {
      return CompletableFuture.failedFuture(
          new Refusal(Refusal.Reason.BAD_REQUEST, "size must be one of the padded blob sizes"));
    }
    if (size > BlobPadding.sizeAtLeast(quotas.attachmentMaxBytes())) {
      return CompletableFuture.failedFuture(
          new Refusal(
              Refusal.Reason.BLOB_TOO_LARGE,
              "an attachment may be at most " + quotas.attachmentMaxBytes() + " bytes"));
    }
    Duration ttl = ttlSeconds <= 0 ? defaultTtl : Duration.ofSeconds(ttlSeconds);
    Duration applied = ttl.compareTo(maxTtl) > 0 ? maxTtl : ttl;
    byte[] id = new byte[BlobStore.ID_BYTES];
    random.nextBytes(id);
    return store.write(
        tx -> {
          AccountRecord from = Requester.check(tx, uploader);
          List<DeviceAddress> waiting = new ArrayList<>();
          for (AccountId r : recipients) {
            Optional<AccountRecord> to = tx.account(r);
            if (to.isEmpty() || !policy.mayReach(from, to.get())) {
              throw Refusal.unknownAccount();
            }
            for (int d : to.get().deviceIds()) {
              DeviceAddress device = new DeviceAddress(r, d);
              if (!waiting.contains(device)) {
                waiting.add(device);
              }
            }
          }
          // The uploader's other devices get a copy of the message (what one device sends shows
          // on the others), so they read the blob too.
          for (int d : from.deviceIds()) {
            DeviceAddress device = new DeviceAddress(uploader.account(), d);
            if (d != uploader.deviceId() && !waiting.contains(device)) {
              waiting.add(device);
            }
          }
          long now = clock.millis();
          if (blobs.usage(uploader.account(), now) + size > quotas.attachmentQuotaBytes()) {
            throw new Refusal(
                Refusal.Reason.BLOB_QUOTA_EXCEEDED,
                "too many attachment bytes waiting for download; retry once they are downloaded");
          }
          BlobRecord r =
              new BlobRecord(
                  id,
                  uploader.account(),
                  uploader.deviceId(),
                  size,
                  0,
                  now,
                  now + applied.toMillis(),
                  waiting);
          blobs.put(tx, r, true, now + UPLOAD_TIMEOUT.toMillis());
          return new Begun(id, applied);
        });
  }

  /**
   * Stores the chunk at {@code offset} if it is the next one expected; a repeat or an early chunk
   * is not stored. Completes with where the upload stands.
   *
   * @return fails with {@code UNKNOWN_BLOB} (none, or not this device's upload), {@code
   *     BAD_REQUEST} (a chunk of the wrong length or at an offset that is not a chunk boundary)
   */
  public CompletableFuture<Status> uploadChunk(
      DeviceAddress uploader, byte[] id, long offset, byte[] data) {
    if (id.length != BlobStore.ID_BYTES) {
      return CompletableFuture.failedFuture(Refusal.unknownBlob());
    }
    if (data.length != BlobPadding.CHUNK_BYTES
        || offset < 0
        || offset % BlobPadding.CHUNK_BYTES != 0) {
      return CompletableFuture.failedFuture(
          new Refusal(
              Refusal.Reason.BAD_REQUEST,
              "a chunk is " + BlobPadding.CHUNK_BYTES + " bytes at a multiple of that offset"));
    }
    // All on the writer thread, chunk after chunk in the order they arrived on the connection:
    // a hop through the reader pool first would reorder pipelined chunks. Sealing one chunk there
    // costs some tens of microseconds.
    // Durable like a send: the device announces the blob once its last chunk is acknowledged.
    return store.write(
        tx -> {
          Requester.check(tx, uploader);
          BlobRecord r = blobs.read(id).orElseThrow(Refusal::unknownBlob);
          if (!r.uploader().equals(uploader.account())
              || r.uploaderDevice() != uploader.deviceId()
              || r.expiresAtMillis() <= clock.millis()) {
            throw Refusal.unknownBlob();
          }
          if (offset != r.received()) {
            return new Status(r.received(), r.size());
          }
          blobs.putChunk(tx, r, offset, blobs.sealChunk(r, offset, data));
          BlobRecord next = r.withReceived(offset + data.length);
          blobs.put(tx, next, false, 0);
          return new Status(next.received(), next.size());
        });
  }

  /**
   * Where an upload stands, for the uploading device to resume.
   *
   * @return fails with {@code UNKNOWN_BLOB} for any blob that is not this device's upload
   */
  public CompletableFuture<Status> status(DeviceAddress uploader, byte[] id) {
    return CompletableFuture.supplyAsync(
        () -> {
          BlobRecord r = ownUpload(uploader, id);
          return new Status(r.received(), r.size());
        },
        readers);
  }

  /** A chunk of a downloaded blob. */
  public record Chunk(long offset, byte[] data, long size) {}

  /**
   * The chunk at {@code offset} of a complete blob that {@code device} is bound to.
   *
   * @return fails with {@code UNKNOWN_BLOB} for any other blob (none, expired, not complete, not
   *     bound to this device, already downloaded by it), {@code BAD_REQUEST} for an offset that is
   *     not a chunk boundary inside the blob
   */
  public CompletableFuture<Chunk> downloadChunk(DeviceAddress device, byte[] id, long offset) {
    return CompletableFuture.supplyAsync(
        () -> {
          BlobRecord r = bound(device, id);
          if (offset < 0 || offset >= r.size() || offset % BlobPadding.CHUNK_BYTES != 0) {
            throw new CompletionException(
                new Refusal(Refusal.Reason.BAD_REQUEST, "offset must be a chunk inside the blob"));
          }
          try {
            byte[] data = blobs.readChunk(r, offset);
            if (data == null) {
              throw new CompletionException(Refusal.unknownBlob());
            }
            return new Chunk(offset, data, r.size());
          } catch (IOException e) {
            throw new CompletionException(e);
          }
        },
        readers);
  }

  /**
   * {@code device} has the whole blob: it is no longer waited for, and the blob is deleted once no
   * device is. A repeat answers {@code UNKNOWN_BLOB} and changes nothing.
   *
   * @return completes with true if the blob was deleted (no device waits for it any more)
   */
  public CompletableFuture<Boolean> downloaded(DeviceAddress device, byte[] id) {
    return store.write(
        tx -> {
          Requester.check(tx, device);
          BlobRecord r = blobs.read(id).orElseThrow(Refusal::unknownBlob);
          if (!r.complete() || !r.waiting().contains(device)) {
            throw Refusal.unknownBlob();
          }
          BlobRecord left = r.without(device);
          if (left.waiting().isEmpty()) {
            blobs.delete(tx, r);
            return true;
          }
          blobs.put(tx, left, false, 0);
          return false;
        });
  }

  private BlobRecord ownUpload(DeviceAddress uploader, byte[] id) {
    BlobRecord r = readChecked(uploader, id);
    if (!r.uploader().equals(uploader.account()) || r.uploaderDevice() != uploader.deviceId()) {
      throw new CompletionException(Refusal.unknownBlob());
    }
    return r;
  }

  private BlobRecord bound(DeviceAddress device, byte[] id) {
    BlobRecord r = readChecked(device, id);
    if (!r.complete() || !r.waiting().contains(device)) {
      throw new CompletionException(Refusal.unknownBlob());
    }
    return r;
  }

  /** The unexpired blob, after checking the device still exists; else UNKNOWN_BLOB. */
  private BlobRecord readChecked(DeviceAddress device, byte[] id) {
    try {
      Requester.check(store, device);
      if (id.length != BlobStore.ID_BYTES) {
        throw Refusal.unknownBlob();
      }
      Optional<BlobRecord> r = blobs.read(id);
      if (r.isEmpty() || r.get().expiresAtMillis() <= clock.millis()) {
        throw Refusal.unknownBlob();
      }
      return r.get();
    } catch (Refusal | IOException e) {
      throw new CompletionException(e);
    }
  }

  /** For tests: whether a record of blob {@code id} is stored. */
  public boolean stored(byte[] id) throws IOException {
    return blobs.read(Arrays.copyOf(id, id.length)).isPresent();
  }
}
