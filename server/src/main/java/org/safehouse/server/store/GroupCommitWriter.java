package org.safehouse.server.store;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.rocksdb.RocksDBException;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The single writer thread. It takes every operation waiting in the queue, applies them to one
 * {@link WriteBatch}, writes the batch with one WAL sync, and only then completes their futures.
 * Senders that arrive while a sync is running form the next group, so throughput grows with load
 * while each sync still covers every acknowledged write.
 */
final class GroupCommitWriter implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(GroupCommitWriter.class);
  private static final int MAX_GROUP = 4096;

  private record Pending<T>(WriteOp<T> op, CompletableFuture<T> future, long queuedAt) {
    void apply(Tx tx, List<Runnable> completions) throws Exception {
      T result = op.apply(tx);
      completions.add(() -> future.complete(result));
    }
  }

  private final RelayStore store;
  private final LinkedBlockingQueue<Pending<?>> queue = new LinkedBlockingQueue<>();
  private final Thread thread;
  private final ExecutorService completer =
      Executors.newSingleThreadExecutor(
          r -> {
            Thread t = new Thread(r, "store-completer");
            t.setDaemon(true);
            return t;
          });
  private final WriteOptions synced = new WriteOptions().setSync(true);
  private final WriteOptions unsynced = new WriteOptions().setSync(false);
  private final AccountCache accountCache = new AccountCache(100_000);
  private final AccountCache usageCache = new AccountCache(100_000);
  private long[] counters;
  private volatile Counters published;
  private long nextSeq;
  private long seqReservedUpTo;
  private volatile boolean closing;
  // Whether the last group that had anything to write failed to (disk full, read-only, I/O error).
  private volatile boolean failing;
  private final WriterStats stats = new WriterStats();

  GroupCommitWriter(RelayStore store, long[] counters, long seqReservedUpTo) {
    this.store = store;
    this.counters = counters;
    // Seqs below the persisted reservation may have been used before a crash; start above it.
    this.nextSeq = seqReservedUpTo;
    this.seqReservedUpTo = seqReservedUpTo;
    publish();
    this.thread = new Thread(this::run, "store-writer");
    thread.setDaemon(false);
    thread.start();
  }

  <T> CompletableFuture<T> submit(WriteOp<T> op) {
    CompletableFuture<T> f = new CompletableFuture<>();
    if (closing) {
      f.completeExceptionally(new StoreClosedException());
      return f;
    }
    queue.add(new Pending<>(op, f, System.nanoTime()));
    return f;
  }

  Counters counters() {
    return published;
  }

  WriterStats stats() {
    return stats;
  }

  /** Whether the writer takes work and its last write reached the disk. */
  boolean writing() {
    return !closing && !failing && thread.isAlive();
  }

  private void run() {
    List<Pending<?>> group = new ArrayList<>();
    while (true) {
      try {
        Pending<?> first = queue.poll(50, TimeUnit.MILLISECONDS);
        if (first == null) {
          if (closing && queue.isEmpty()) {
            return;
          }
          continue;
        }
        group.add(first);
        queue.drainTo(group, MAX_GROUP - 1);
        commit(group);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } catch (RuntimeException e) {
        log.error("writer failed a group", e);
      } finally {
        group.clear();
      }
    }
  }

  private void commit(List<Pending<?>> group) {
    List<Runnable> completions = new ArrayList<>(group.size());
    boolean durable = false;
    long started = System.nanoTime();
    long applied = started;
    try (DeleteTrackingBatch batch = new DeleteTrackingBatch(store.metaCf())) {
      Tx tx = new Tx(store, batch, accountCache, usageCache, counters, nextSeq, seqReservedUpTo);
      for (Pending<?> p : group) {
        try {
          tx.beginOp();
          p.apply(tx, completions);
          tx.endOp();
          durable |= p.op().durable();
        } catch (Exception e) {
          tx.rollbackOp();
          p.future().completeExceptionally(e);
        }
      }
      tx.ledger().write(batch);
      if (batch.count() > 0) {
        if (!java.util.Arrays.equals(tx.counters, counters)) {
          batch.put(store.metaCf(), RelayStore.META_COUNTERS, encode(tx.counters));
        }
        applied = System.nanoTime();
        // A key created for a copy in this group reaches the disk before the copy does.
        store.bucketKeys().saveNew();
        store.db().write(durable ? synced : unsynced, batch);
        store.purger().deleted(batch.deletedRanges());
        failing = false;
        stats.record(
            group.size(),
            started - group.get(0).queuedAt(),
            applied - started,
            System.nanoTime() - applied);
      }
      tx.committed();
      counters = tx.counters;
      nextSeq = tx.nextSeq;
      seqReservedUpTo = tx.seqReservedUpTo;
      publish();
      // Acknowledge and notify on another thread, so the next group's sync starts at once.
      List<Runnable> hooks = tx.afterCommitHooks();
      completer.execute(
          () -> {
            completions.forEach(Runnable::run);
            for (Runnable hook : hooks) {
              try {
                hook.run();
              } catch (RuntimeException e) {
                log.error("after-commit hook failed", e);
              }
            }
          });
    } catch (RocksDBException e) {
      // Nothing of this group is durable: fail every op so no sender gets an OK.
      failing = true;
      log.error("store write failed: {}", e.getStatus() == null ? "?" : e.getStatus().getCode());
      fail(group, e);
    } catch (java.io.IOException e) {
      failing = true;
      log.error("store write failed: cannot save a new bucket key ({})", e.getClass().getName());
      fail(group, e);
    }
  }

  private static void fail(List<Pending<?>> group, Exception e) {
    for (Pending<?> p : group) {
      p.future().completeExceptionally(e);
    }
  }

  private static byte[] encode(long[] c) {
    byte[] b = new byte[8 * c.length];
    for (int i = 0; i < c.length; i++) {
      Keys.putLong(b, 8 * i, c[i]);
    }
    return b;
  }

  private void publish() {
    published = new Counters(counters[0], counters[1], counters[2], counters[3]);
  }

  /** Stops taking new work, finishes what is queued, and waits for the thread. */
  @Override
  public void close() {
    closing = true;
    try {
      thread.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    completer.shutdown();
    try {
      completer.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    // A submit that raced with the close: fail it rather than leave its caller waiting.
    for (Pending<?> p; (p = queue.poll()) != null; ) {
      p.future().completeExceptionally(new StoreClosedException());
    }
    synced.close();
    unsynced.close();
  }
}
