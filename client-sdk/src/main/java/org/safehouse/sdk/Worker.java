package org.safehouse.sdk;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The client's own threads: {@code safehouse-inbox}, which runs every task that touches the inbox
 * and the keys in order (so a delivery, a key top-up and a release of held messages never
 * interleave), and {@code safehouse-receipts}, which sends delivery receipts. Both are daemon
 * threads and stop in {@link #shutdown}.
 */
final class Worker {
  private static final Logger LOG = Logger.getLogger(Worker.class.getName());

  /** A background task; its failure is logged (by class only) and dropped. */
  interface Task {
    void run() throws IOException, SafehouseException;
  }

  private final ExecutorService inbox = singleThread("safehouse-inbox");
  private final ExecutorService receipts = singleThread("safehouse-receipts");
  private volatile boolean closed;

  /** Where delivery receipts are sent from. */
  Executor receipts() {
    return receipts;
  }

  /** Runs {@code task} on the inbox thread after those before it; nothing once shut down. */
  void submit(Task task) {
    if (closed) {
      return;
    }
    try {
      inbox.execute(
          () -> {
            try {
              task.run();
            } catch (IOException | SafehouseException | UncheckedIOException e) {
              LOG.log(Level.WARNING, "Background task failed: " + e.getClass());
            } catch (IllegalStateException e) {
              // The store closed under a late task: nothing to do.
            }
          });
    } catch (RejectedExecutionException e) {
      // Closing.
    }
  }

  /**
   * Waits until the tasks submitted so far on both threads have run (deliveries stored and
   * acknowledged, receipts sent), at most {@code max} for each.
   */
  void settle(java.time.Duration max) {
    for (ExecutorService executor : new ExecutorService[] {inbox, receipts}) {
      try {
        executor.submit(() -> {}).get(max.toMillis(), TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } catch (java.util.concurrent.ExecutionException
          | java.util.concurrent.TimeoutException
          | RejectedExecutionException e) {
        // Closing, or a slow task: what is left is redelivered and dropped as a repeat.
      }
    }
  }

  /** Stops both threads, waiting up to 5 s each for a running task. Idempotent. */
  void shutdown() {
    closed = true;
    for (ExecutorService executor : new ExecutorService[] {inbox, receipts}) {
      executor.shutdownNow();
      try {
        executor.awaitTermination(5, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private static ExecutorService singleThread(String name) {
    return Executors.newSingleThreadExecutor(
        r -> {
          Thread t = new Thread(r, name);
          t.setDaemon(true);
          return t;
        });
  }
}
