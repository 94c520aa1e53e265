package org.safehouse.server.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.safehouse.server.account.AccountId;
import org.safehouse.server.account.DeviceAddress;
import org.safehouse.server.testing.FakeClock;

/** The writer's grouping: acks held for the next write, small groups completed on the writer. */
@Timeout(60)
class GroupCommitWriterTest {
  private static final SecureRandom RANDOM = new SecureRandom();
  @TempDir Path dir;
  private final FakeClock clock = new FakeClock();
  private final DeviceAddress device = new DeviceAddress(AccountId.random(RANDOM), 1);
  private RelayStore store;

  @BeforeEach
  void open() throws Exception {
    store = RelayStore.open(dir, KeyStorage.DISK, clock);
  }

  @AfterEach
  void close() {
    store.close();
  }

  @Test
  void acksRideAlongWithTheNextSendInsteadOfAWriteOfTheirOwn() throws Exception {
    int rounds = 60;
    WriterStats.Snapshot before = store.writerStats().snapshot();
    for (int i = 0; i < rounds; i++) {
      long seq = append();
      store.write(WriteOp.deferred(tx -> tx.removeMessage(device, seq)));
    }
    append(); // the last ack rides along with this one
    WriterStats.Snapshot d = store.writerStats().snapshot().minus(before);
    assertEquals(2L * rounds + 1, d.ops());
    // One write per send: an ack alone would be one more each.
    assertTrue(d.groups() <= rounds + 1 + rounds / 10, "groups: " + d.groups());
    assertEquals(1, store.counters().queuedMessages());
    assertEquals(1, store.write(tx -> tx.mailboxUsage(device)).get().messages());
  }

  @Test
  void anAckWaitsForTheNextSendEvenAfterAPauseInsteadOfWakingTheWriter() throws Exception {
    // A phone acks a delivery, and the next send comes a few milliseconds later: the ack is
    // written with that send. (A writer woken by the ack would have written it alone.)
    int rounds = 40;
    WriterStats.Snapshot before = store.writerStats().snapshot();
    for (int i = 0; i < rounds; i++) {
      long seq = append();
      store.write(WriteOp.deferred(tx -> tx.removeMessage(device, seq)));
      Thread.sleep(8);
    }
    append();
    WriterStats.Snapshot d = store.writerStats().snapshot().minus(before);
    assertEquals(2L * rounds + 1, d.ops());
    assertTrue(d.groups() <= rounds + 1 + rounds / 5, "groups: " + d.groups());
    assertEquals(1, store.counters().queuedMessages());
  }

  @Test
  void anAckWithNothingAfterItIsStillWritten() throws Exception {
    long seq = append();
    assertEquals(true, store.write(WriteOp.deferred(tx -> tx.removeMessage(device, seq))).get());
    assertEquals(0, store.counters().queuedMessages());
    assertEquals(new MailboxUsage(0, 0), store.write(tx -> tx.mailboxUsage(device)).get());
  }

  @Test
  void repeatedAcksHeldTogetherCountEachCopyOnce() throws Exception {
    List<Long> seqs = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      seqs.add(append());
    }
    List<CompletableFuture<Boolean>> acks = new ArrayList<>();
    for (long seq : seqs) {
      for (int twice = 0; twice < 2; twice++) {
        acks.add(store.write(WriteOp.deferred(tx -> tx.removeMessage(device, seq))));
      }
    }
    int removed = 0;
    for (CompletableFuture<Boolean> a : acks) {
      removed += a.get() ? 1 : 0;
    }
    assertEquals(3, removed);
    assertEquals(0, store.counters().queuedMessages());
    assertEquals(new MailboxUsage(0, 0), store.write(tx -> tx.mailboxUsage(device)).get());
    assertEquals(0, StoreInspector.count(store, "mailbox"));
    assertEquals(0, StoreInspector.count(store, "expiry"));
  }

  @Test
  void anAckHeldAtCloseIsWrittenBeforeTheStoreCloses() throws Exception {
    long seq = append();
    CompletableFuture<Boolean> ack =
        store.write(WriteOp.deferred(tx -> tx.removeMessage(device, seq)));
    store.close();
    assertEquals(true, ack.get(10, TimeUnit.SECONDS));
    store = RelayStore.open(dir, KeyStorage.DISK, clock);
    assertEquals(0, StoreInspector.count(store, "mailbox"));
    assertEquals(new MailboxUsage(0, 0), store.write(tx -> tx.mailboxUsage(device)).get());
  }

  /** Waits (with a deadline) until {@code list} holds {@code n} entries. */
  private static void awaitSize(List<?> list, int n) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (list.size() < n && System.nanoTime() < deadline) {
      Thread.sleep(5);
    }
  }

  @Test
  void aSmallGroupCompletesOnTheWriterAndABigOneOnTheCompleter() throws Exception {
    List<String> threads = Collections.synchronizedList(new ArrayList<>());
    store
        .write(
            tx -> {
              tx.afterCommit(() -> threads.add(Thread.currentThread().getName()));
              return null;
            })
        .get();
    awaitSize(threads, 1); // hooks run just after the futures complete
    assertEquals(List.of("store-writer"), threads);

    threads.clear();
    List<CompletableFuture<Object>> big = new ArrayList<>();
    holdWriter(
        () -> {
          for (int i = 0; i < GroupCommitWriter.INLINE_COMPLETIONS + 1; i++) {
            big.add(
                store.write(
                    tx -> {
                      tx.afterCommit(() -> threads.add(Thread.currentThread().getName()));
                      return null;
                    }));
          }
        });
    CompletableFuture.allOf(big.toArray(new CompletableFuture<?>[0])).get(30, TimeUnit.SECONDS);
    awaitSize(threads, GroupCommitWriter.INLINE_COMPLETIONS + 1);
    assertEquals(
        Collections.nCopies(GroupCommitWriter.INLINE_COMPLETIONS + 1, "store-completer"), threads);
  }

  @Test
  void aSmallGroupIsNotNotifiedBeforeABigOneCommittedEarlier() throws Exception {
    List<String> order = Collections.synchronizedList(new ArrayList<>());
    CountDownLatch laterApplied = new CountDownLatch(1);
    CountDownLatch laterNotified = new CountDownLatch(1);
    CompletableFuture<?>[] later = new CompletableFuture<?>[1];
    List<CompletableFuture<Object>> big = new ArrayList<>();
    int n = GroupCommitWriter.INLINE_COMPLETIONS + 1;
    holdWriter(
        () -> {
          for (int i = 0; i < n; i++) {
            boolean last = i == n - 1;
            big.add(
                store.write(
                    tx -> {
                      if (last) {
                        // Queued now, so it forms the next group, committed while this group's
                        // notifications are still running.
                        later[0] =
                            store.write(
                                t -> {
                                  laterApplied.countDown();
                                  t.afterCommit(
                                      () -> {
                                        order.add("later");
                                        laterNotified.countDown();
                                      });
                                  return null;
                                });
                      }
                      tx.afterCommit(
                          () -> {
                            if (last) {
                              awaitOrSeeTooEarly(laterApplied, order);
                            }
                            order.add("earlier");
                          });
                      return null;
                    }));
          }
        });
    CompletableFuture.allOf(big.toArray(new CompletableFuture<?>[0])).get(30, TimeUnit.SECONDS);
    later[0].get(30, TimeUnit.SECONDS);
    assertTrue(laterNotified.await(30, TimeUnit.SECONDS));
    List<String> expected = new ArrayList<>(Collections.nCopies(n, "earlier"));
    expected.add("later");
    assertEquals(expected, order);
  }

  // ------------------------------------------------------------------ helpers

  /** Appends one copy for {@code device}, synced; returns its seq. */
  private long append() throws Exception {
    byte[] msgId = new byte[16];
    RANDOM.nextBytes(msgId);
    AccountId sender = AccountId.random(RANDOM);
    return store
        .write(
            tx ->
                tx.append(device, clock.millis() + 3_600_000, sender, 1, msgId, new byte[100])
                    .seq())
        .get();
  }

  /** Holds the writer while {@code queue} submits ops, so they are drained into one group. */
  private void holdWriter(Runnable queue) throws Exception {
    WriterGate.hold(store, queue);
  }

  /**
   * Waits until the later group was applied, then gives its notification 300 ms to appear too early
   * (it must not: this group's notifications are not done).
   */
  private static void awaitOrSeeTooEarly(CountDownLatch laterApplied, List<String> order) {
    try {
      assertTrue(laterApplied.await(30, TimeUnit.SECONDS));
      long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(300);
      while (!order.contains("later") && System.nanoTime() < deadline) {
        Thread.sleep(5);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
