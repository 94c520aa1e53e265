package org.safehouse.bench;

import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.safehouse.server.account.AccountId;
import org.safehouse.server.account.DeviceAddress;
import org.safehouse.server.message.ExpirySweeper;
import org.safehouse.server.store.RelayStore;
import org.safehouse.server.store.WriteOp;
import org.safehouse.server.testing.FakeClock;

/**
 * Sweeper cost against the store alone. Live and expired copies are interleaved over many
 * mailboxes; the store is closed and opened again (which flushes the memtables to files, and leaves
 * a cold cache) before the timed sweep, as a periodic sweep would find it.
 */
final class SweepBench {
  private static final int APPENDS_PER_OP = 5_000;
  private static final int MAX_OUTSTANDING_OPS = 8;
  private static final int MAILBOXES = 1_000;

  private SweepBench() {}

  static Map<String, Object> scenario(Path dir, long live, long expired, int payloadBytes)
      throws Exception {
    FakeClock clock = new FakeClock();
    SecureRandom random = new SecureRandom();
    DeviceAddress[] boxes = new DeviceAddress[MAILBOXES];
    for (int i = 0; i < boxes.length; i++) {
      boxes[i] = new DeviceAddress(AccountId.random(random), 1);
    }
    AccountId sender = AccountId.random(random);
    byte[] payload = new byte[payloadBytes];
    ThreadLocalRandom.current().nextBytes(payload);
    long total = live + expired;
    long now = clock.millis();
    long shortExpiry = now + Duration.ofMinutes(1).toMillis();
    long longExpiry = now + Duration.ofDays(7).toMillis();

    long fill0 = System.nanoTime();
    try (RelayStore store = RelayStore.open(dir)) {
      ArrayDeque<CompletableFuture<Integer>> outstanding = new ArrayDeque<>();
      for (long first = 0; first < total; first += APPENDS_PER_OP) {
        long from = first;
        long to = Math.min(total, first + APPENDS_PER_OP);
        outstanding.add(
            store.write(
                WriteOp.relaxed(
                    tx -> {
                      byte[] id = new byte[16];
                      for (long i = from; i < to; i++) {
                        // Spread the expired copies evenly among the live ones.
                        boolean isExpired =
                            total > 0 && (i + 1) * expired / total > i * expired / total;
                        ThreadLocalRandom.current().nextBytes(id);
                        tx.append(
                            boxes[(int) (i % MAILBOXES)],
                            isExpired ? shortExpiry + (i % 1000) : longExpiry + (i % 1000),
                            sender,
                            1,
                            id,
                            payload);
                      }
                      return (int) (to - from);
                    })));
        while (outstanding.size() >= MAX_OUTSTANDING_OPS) {
          outstanding.poll().get(5, TimeUnit.MINUTES);
        }
      }
      for (CompletableFuture<Integer> f : outstanding) {
        f.get(5, TimeUnit.MINUTES);
      }
    }
    long fillNanos = System.nanoTime() - fill0;

    clock.advance(Duration.ofHours(1));
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("live", live);
    m.put("expired", expired);
    m.put("payload_bytes", payloadBytes);
    m.put("mailboxes", MAILBOXES);
    m.put("fill_ms", fillNanos / 1e6);
    long reopen0 = System.nanoTime();
    try (RelayStore store = RelayStore.open(dir)) {
      m.put("reopen_ms", (System.nanoTime() - reopen0) / 1e6);
      ExpirySweeper sweeper = new ExpirySweeper(store, clock);
      Cpu cpu = Cpu.start();
      long writer0 = Cpu.threadNanos("store-writer");
      long t0 = System.nanoTime();
      long removed = sweeper.sweep().get(10, TimeUnit.MINUTES);
      long t1 = System.nanoTime();
      long writer1 = Cpu.threadNanos("store-writer");
      Map<String, Object> cpuFigures = cpu.stop(removed);
      long again = sweeper.sweep().get(10, TimeUnit.MINUTES);
      long t2 = System.nanoTime();
      m.put("sweep_ms", (t1 - t0) / 1e6);
      m.put("sweep_writer_cpu_ms", (writer1 - writer0) / 1e6);
      m.put("removed", removed);
      m.put("machine_busy_fraction", cpuFigures.get("machine_busy_fraction"));
      m.put("second_sweep_ms", (t2 - t1) / 1e6);
      m.put("second_sweep_removed", again);
      m.put("queued_after", store.counters().queuedMessages());
      if (removed != expired || store.counters().queuedMessages() != live) {
        m.put("WARNING", "the sweep did not remove exactly the expired copies");
      }
    }
    return m;
  }
}
