package org.safehouse.server.blob;

import java.time.Clock;
import java.util.concurrent.CompletableFuture;
import org.safehouse.server.store.BlobStore;
import org.safehouse.server.store.RelayStore;
import org.safehouse.server.store.WriteOp;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Removes expired blobs and uploads left incomplete past {@link BlobService#UPLOAD_TIMEOUT}. Reads
 * its index from the earliest due entry, so a sweep costs in proportion to what is due. The bucket
 * keys of expired blobs are destroyed by the message sweeper, which already destroys every key
 * whose hour is over.
 */
public final class BlobSweeper {
  private static final Logger log = LoggerFactory.getLogger(BlobSweeper.class);
  private static final int MAX_PER_COMMIT = 1_000;

  private final RelayStore store;
  private final BlobStore blobs;
  private final Clock clock;

  public BlobSweeper(RelayStore store, Clock clock) {
    this.store = store;
    this.blobs = BlobStore.of(store);
    this.clock = clock;
  }

  /** Removes everything due as of now; completes with the number of blobs removed. */
  public CompletableFuture<Long> sweep() {
    return sweepFrom(0);
  }

  private CompletableFuture<Long> sweepFrom(long soFar) {
    return store
        .write(WriteOp.relaxed(tx -> new int[] {blobs.sweep(tx, clock.millis(), MAX_PER_COMMIT)}))
        .thenCompose(
            n ->
                n[0] < MAX_PER_COMMIT
                    ? CompletableFuture.completedFuture(soFar + n[0])
                    : sweepFrom(soFar + n[0]));
  }

  /** Runs {@link #sweep} and logs only a failure. */
  public void sweepAndLog() {
    sweep()
        .whenComplete(
            (n, e) -> {
              if (e != null) {
                log.warn("attachment sweep failed: {}", e.toString());
              }
            });
  }
}
