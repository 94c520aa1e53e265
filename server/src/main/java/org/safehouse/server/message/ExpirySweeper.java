package org.safehouse.server.message;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.util.concurrent.CompletableFuture;
import org.safehouse.server.metrics.RelayMetrics;
import org.safehouse.server.store.RelayStore;
import org.safehouse.server.store.WriteOp;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Removes expired copies, expired invites and audit entries older than their retention, then
 * destroys the keys of the expiry hours that are over, so the removed copies cannot be read even
 * from bytes the disk still holds. It reads the expiry index from where the last sweep stopped, so
 * one sweep costs in proportion to what expired, not to what is stored.
 */
public final class ExpirySweeper {
  private static final Logger log = LoggerFactory.getLogger(ExpirySweeper.class);
  private static final int MAX_PER_COMMIT = 20_000;

  private final RelayStore store;
  private final Clock clock;
  private final java.time.Duration auditRetention;
  private final RelayMetrics metrics;
  // Read on the writer thread, set after each commit: an old value only means a longer scan.
  private volatile long watermark;

  public ExpirySweeper(RelayStore store, Clock clock) {
    this(store, clock, java.time.Duration.ofDays(365));
  }

  /**
   * @param auditRetention audit log entries older than this are removed too
   */
  public ExpirySweeper(RelayStore store, Clock clock, java.time.Duration auditRetention) {
    this(store, clock, auditRetention, RelayMetrics.OFF);
  }

  /**
   * @param auditRetention audit log entries older than this are removed too
   * @param metrics told of every sweep {@link #sweepAndLog} runs
   */
  public ExpirySweeper(
      RelayStore store, Clock clock, java.time.Duration auditRetention, RelayMetrics metrics) {
    this.store = store;
    this.clock = clock;
    this.auditRetention = auditRetention;
    this.metrics = metrics;
  }

  /**
   * Removes everything expired as of now, then destroys the bucket keys that ended; completes with
   * the number of copies removed. Fails if a key could not be destroyed (the next sweep tries
   * again).
   */
  public CompletableFuture<Long> sweep() {
    // Copies first, then their key: a crash in between leaves copies that cannot be read, which
    // count as expired, or a key the next sweep destroys.
    return sweepFrom(0L)
        .thenApply(
            removed -> {
              try {
                store.destroyExpiredBucketKeys(clock.millis());
              } catch (IOException e) {
                throw new UncheckedIOException(e);
              }
              return removed;
            });
  }

  private CompletableFuture<Long> sweepFrom(long removedSoFar) {
    return store
        .write(
            WriteOp.relaxed(
                tx -> {
                  long now = clock.millis();
                  long[] last = {watermark};
                  int removed = tx.sweepExpired(watermark, now, MAX_PER_COMMIT, t -> last[0] = t);
                  tx.afterCommit(() -> watermark = last[0]);
                  if (removed < MAX_PER_COMMIT) {
                    tx.deleteExpiredInvites(now);
                    tx.pruneAudit(now - auditRetention.toMillis());
                  }
                  return removed;
                }))
        .thenCompose(
            removed -> {
              long total = removedSoFar + removed;
              return removed < MAX_PER_COMMIT
                  ? CompletableFuture.completedFuture(total)
                  : sweepFrom(total);
            });
  }

  /** Runs {@link #sweep} and logs only a count. */
  public void sweepAndLog() {
    long started = System.nanoTime();
    sweep()
        .whenComplete(
            (n, e) -> {
              metrics.sweepRan(System.nanoTime() - started, e == null ? n : 0);
              if (e != null) {
                log.warn("expiry sweep failed: {}", e.toString());
              } else if (n > 0) {
                // Routine (the count is in admin stats): not for a journald log.
                log.debug("removed {} expired messages", n);
              }
            });
  }
}
