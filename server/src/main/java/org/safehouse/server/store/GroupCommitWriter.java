package org.safehouse.server.store;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
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
 *
 * <p>{@linkplain WriteOp#deferrable Deferrable} ops (acks) wait in a queue of their own that does
 * not wake the writer: they are written with the next group, or after at most {@link
 * #IDLE_POLL_NANOS} when nothing else comes. At a low rate every send would otherwise cost two
 * writes, its own and its recipient's ack, and on a one-core server each ack would also cost a
 * wake-up of this thread and two context switches. Small groups complete on this thread (see {@link
 * #INLINE_COMPLETIONS}).
 */
final class GroupCommitWriter implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(GroupCommitWriter.class);
  private static final int MAX_GROUP = 4096;

  /** How long the writer sleeps when idle: also the longest a deferrable op (an ack) waits. */
  static final long IDLE_POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

  /** Every this many deferrable ops, one wakes the writer: no more than about that many wait. */
  static final int MAX_HELD = 256;

  /**
   * A group with at most this many completions and after-commit hooks completes on the writer
   * thread, saving a hand-over per group; a bigger one goes to the completer thread, so the next
   * group's sync does not wait behind thousands of completions.
   */
  static final int INLINE_COMPLETIONS = 16;

  private record Pending<T>(WriteOp<T> op, CompletableFuture<T> future, long queuedAt) {
    void apply(Tx tx, List<Runnable> completions) throws Exception {
      T result = op.apply(tx);
      completions.add(() -> future.complete(result));
    }
  }

  private final RelayStore store;
  private final LinkedBlockingQueue<Pending<?>> queue = new LinkedBlockingQueue<>();
  // Deferrable ops: added without waking the writer (see the class comment).
  private final ConcurrentLinkedQueue<Pending<?>> held = new ConcurrentLinkedQueue<>();
  private final AtomicInteger heldCount = new AtomicInteger();
  private final Thread thread;
  private final ExecutorService completer =
      Executors.newSingleThreadExecutor(
          r -> {
            Thread t = new Thread(r, "store-completer");
            t.setDaemon(true);
            return t;
          });
  // Tasks handed to the completer and not finished yet.
  private final AtomicInteger completerBacklog = new AtomicInteger();
  private final WriteOptions synced = new WriteOptions().setSync(true);
  private final WriteOptions unsynced = new WriteOptions().setSync(false);
  private final AccountCache accountCache = new AccountCache(100_000);
  private final AccountCache usageCache = new AccountCache(100_000);
  private final StoredCopies copies = new StoredCopies();
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
    Pending<T> p = new Pending<>(op, f, System.nanoTime());
    if (!op.deferrable()) {
      queue.add(p);
    } else {
      held.add(p);
      if (heldCount.incrementAndGet() % MAX_HELD == 0) {
        queue.add(new Pending<>(WAKE, new CompletableFuture<>(), p.queuedAt()));
      }
    }
    if (closing) {
      // The writer may have finished already: fail what it will not take (a second completion of
      // a future it did take is ignored).
      failLeftOver();
    }
    return f;
  }

  /** Queued only to wake the writer: the deferrable ops waiting are written with it. */
  private static final WriteOp<Void> WAKE = WriteOp.relaxed(tx -> null);

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
        Pending<?> next =
            closing ? queue.poll() : queue.poll(IDLE_POLL_NANOS, TimeUnit.NANOSECONDS);
        // The deferrable ops first: each was submitted before the op that woke the writer, or
        // waited its time.
        takeHeld(group);
        if (next != null) {
          group.add(next);
          queue.drainTo(group, MAX_GROUP - group.size());
        }
        if (!group.isEmpty()) {
          commitAndClear(group);
        } else if (closing) {
          return;
        }
      } catch (InterruptedException e) {
        fail(group, new StoreClosedException());
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  private void takeHeld(List<Pending<?>> group) {
    for (Pending<?> p; group.size() < MAX_GROUP && (p = held.poll()) != null; ) {
      group.add(p);
    }
  }

  private void commitAndClear(List<Pending<?>> group) {
    try {
      commit(group);
    } catch (RuntimeException e) {
      log.error("writer failed a group", e);
    } finally {
      group.clear();
    }
  }

  private void commit(List<Pending<?>> group) {
    List<Runnable> completions = new ArrayList<>(group.size());
    boolean durable = false;
    long started = System.nanoTime();
    long applied = started;
    try (DeleteTrackingBatch batch = new DeleteTrackingBatch(store.metaCf())) {
      Tx tx =
          new Tx(
              store, batch, accountCache, usageCache, copies, counters, nextSeq, seqReservedUpTo);
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
            started - oldestWaiting(group).queuedAt(),
            applied - started,
            System.nanoTime() - applied);
      }
      tx.committed();
      copies.committed(tx);
      counters = tx.counters;
      nextSeq = tx.nextSeq;
      seqReservedUpTo = tx.seqReservedUpTo;
      publish();
      List<Runnable> hooks = tx.afterCommitHooks();
      Runnable finish =
          () -> {
            completions.forEach(Runnable::run);
            for (Runnable hook : hooks) {
              try {
                hook.run();
              } catch (RuntimeException e) {
                log.error("after-commit hook failed", e);
              }
            }
          };
      // A small group completes here when the completer has nothing left of earlier groups (so
      // notifications keep their commit order); a big one on the completer, so that the next
      // group's sync starts at once.
      if (completions.size() + hooks.size() <= INLINE_COMPLETIONS && completerBacklog.get() == 0) {
        finish.run();
      } else {
        completerBacklog.incrementAndGet();
        completer.execute(
            () -> {
              try {
                finish.run();
              } finally {
                completerBacklog.decrementAndGet();
              }
            });
      }
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

  /** The op whose wait the group's queue-wait figure shows: the oldest not held on purpose. */
  private static Pending<?> oldestWaiting(List<Pending<?>> group) {
    for (Pending<?> p : group) {
      if (!p.op().deferrable()) {
        return p;
      }
    }
    return group.get(0);
  }

  /** Fails what a submit that raced with the close left behind, rather than leave it waiting. */
  private void failLeftOver() {
    if (thread.isAlive()) {
      return;
    }
    for (Pending<?> p; (p = queue.poll()) != null || (p = held.poll()) != null; ) {
      p.future().completeExceptionally(new StoreClosedException());
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
    failLeftOver();
    synced.close();
    unsynced.close();
  }
}
