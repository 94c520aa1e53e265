package org.safehouse.server.store;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/** For tests: holds the store's single writer thread while ops are queued behind it. */
public final class WriterGate {
  private WriterGate() {}

  /**
   * Holds the writer on a gate while {@code queue} submits ops, then lets it go: the ops queued
   * meanwhile are drained together into one group commit.
   */
  public static void hold(RelayStore store, Runnable queue) throws Exception {
    CountDownLatch entered = new CountDownLatch(1);
    CountDownLatch gate = new CountDownLatch(1);
    CompletableFuture<Object> held =
        store.write(
            tx -> {
              entered.countDown();
              gate.await(30, TimeUnit.SECONDS);
              return null;
            });
    assertTrue(entered.await(30, TimeUnit.SECONDS));
    try {
      queue.run();
    } finally {
      gate.countDown();
    }
    held.get(30, TimeUnit.SECONDS);
  }
}
