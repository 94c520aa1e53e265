package org.safehouse.server.store;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.CompactRangeOptions;
import org.rocksdb.FlushOptions;
import org.safehouse.server.account.AccountId;
import org.safehouse.server.account.DeviceAddress;
import org.safehouse.server.message.StoredMessage;

/**
 * Measures how much the purge stalls the store writer, the old purge (flush every family, then a
 * forced full compaction of every family, as before 0b38a87) against {@link RelayStore#purge}, in
 * one run, alternating, each on a fresh store: {@code PurgeStall [OUT_DIR] [ROUNDS] [SECONDS]
 * [RATE] [QUEUED] [INTERVAL_MS]} (defaults: bench/results/purge-stall, 3, 30, 4000, 50000, 5000).
 *
 * <p>Each store first gets QUEUED 1 KB copies for 32 offline mailboxes (data files a purge has to
 * rewrite), then RATE sends per second on a fixed schedule to 32 online mailboxes, each removed
 * (the ack) as soon as its commit completes, with a purge every INTERVAL_MS on its own thread. A
 * send's latency runs from its scheduled time to its commit (so a stalled writer shows), and for
 * each purge the writer's longest batch write with its WAL sync and its longest queue wait are
 * taken from {@link WriterStats}. No network, no TLS: only the store and its writer. Not a test;
 * run with the test class path (see bench/results/purge-stall/NOTE.md).
 */
public final class PurgeStall {
  private PurgeStall() {}

  private interface Purger {
    void purge(RelayStore store) throws Exception;
  }

  /** The purge as it was before: every family flushed, then every family fully compacted. */
  private static void oldPurge(RelayStore store) throws Exception {
    try (FlushOptions fo = new FlushOptions().setWaitForFlush(true);
        CompactRangeOptions co =
            new CompactRangeOptions()
                .setBottommostLevelCompaction(CompactRangeOptions.BottommostLevelCompaction.kForce)
                .setExclusiveManualCompaction(false)) {
      // Without atomic flush (as then), RocksDB flushes the families one after the other.
      for (ColumnFamilyHandle h : store.families()) {
        store.db().flush(fo, h);
      }
      for (ColumnFamilyHandle h : store.families()) {
        store.db().compactRange(h, null, null, co);
      }
    }
  }

  public static void main(String[] args) throws Exception {
    Path out = Path.of(args.length > 0 ? args[0] : "bench/results/purge-stall");
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
    int seconds = args.length > 2 ? Integer.parseInt(args[2]) : 30;
    int rate = args.length > 3 ? Integer.parseInt(args[3]) : 4000;
    int queued = args.length > 4 ? Integer.parseInt(args[4]) : 50_000;
    long interval = args.length > 5 ? Long.parseLong(args[5]) : 5000;
    StringBuilder md = new StringBuilder();
    md.append(
        String.format(
            Locale.ROOT,
            "# Store writer across purges (PurgeStall)%n%n%d s at %d sends/s (each acked at"
                + " once), %d copies queued for offline mailboxes, a purge every %d ms.%n%n",
            seconds,
            rate,
            queued,
            interval));
    md.append(
        "| purge | round | purges | purge ms (median) | send p50 | p99 | p99.9 | max |"
            + " during purges: p99 | max | writer sync max | queue wait max |"
            + " outside purges: p99 | max | writer sync max, whole run |\n");
    md.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
    for (int r = 1; r <= rounds; r++) {
      md.append(run("before", PurgeStall::oldPurge, r, seconds, rate, queued, interval));
      md.append(run("after", RelayStore::purge, r, seconds, rate, queued, interval));
    }
    md.append(
        "\nms. Send: scheduled time to commit. Writer sync: the batch write with its WAL"
            + " fdatasync (power-of-two buckets: the bucket's upper bound); queue wait: how long"
            + " the oldest op of a group waited for the writer.\n");
    Files.createDirectories(out);
    Files.writeString(out.resolve("store-writer.md"), md.toString());
    System.out.print(md);
    System.exit(0);
  }

  private static String run(
      String label, Purger purger, int round, int seconds, int rate, int queued, long interval)
      throws Exception {
    Path dir = Files.createTempDirectory("purge-stall");
    SecureRandom random = new SecureRandom();
    try (RelayStore store = RelayStore.open(dir.resolve("store"))) {
      AccountId sender = AccountId.random(random);
      List<DeviceAddress> offline = devices(random, 32);
      List<DeviceAddress> online = devices(random, 32);
      byte[] body = new byte[1024];
      long expires = System.currentTimeMillis() + 86_400_000L;
      for (int done = 0; done < queued; ) {
        List<CompletableFuture<StoredMessage>> fs = new ArrayList<>();
        for (int i = 0; i < 5000 && done < queued; i++, done++) {
          random.nextBytes(body);
          byte[] c = body.clone();
          DeviceAddress to = offline.get(done % offline.size());
          fs.add(store.write(tx -> tx.append(to, expires, sender, 1, new byte[16], c)));
        }
        for (CompletableFuture<StoredMessage> f : fs) {
          f.get();
        }
      }
      purger.purge(store);

      long total = (long) rate * seconds;
      long[] intended = new long[(int) total];
      long[] latency = new long[(int) total];
      AtomicInteger done = new AtomicInteger();
      List<long[]> purges = new ArrayList<>(); // start, end, sync max (us), wait max (us)
      long start = System.nanoTime() + 50_000_000;
      long end = start + TimeUnit.SECONDS.toNanos(seconds);
      Thread purgeThread =
          new Thread(
              () -> {
                try {
                  for (long next = start + interval * 1_000_000; next < end - 500_000_000; ) {
                    LockSupport.parkNanos(next - System.nanoTime());
                    WriterStats.Snapshot s0 = store.writerStats().snapshot();
                    long t0 = System.nanoTime();
                    purger.purge(store);
                    long t1 = System.nanoTime();
                    WriterStats.Snapshot d = store.writerStats().snapshot().minus(s0);
                    purges.add(
                        new long[] {
                          t0,
                          t1,
                          (long) (d.writeMillis(1.0) * 1000),
                          (long) (d.waitMillis(1.0) * 1000)
                        });
                    next = t1 + interval * 1_000_000;
                  }
                } catch (Exception e) {
                  e.printStackTrace();
                }
              },
              "purger");
      WriterStats.Snapshot before = store.writerStats().snapshot();
      purgeThread.start();
      double period = 1e9 / rate;
      for (int k = 0; k < total; ) {
        long now = System.nanoTime();
        for (; k < total && start + (long) (k * period) <= now; k++) {
          int slot = k;
          long due = start + (long) (k * period);
          DeviceAddress to = online.get(k % online.size());
          random.nextBytes(body);
          byte[] c = body.clone();
          store
              .write(tx -> tx.append(to, expires, sender, 1, new byte[16], c))
              .thenAccept(
                  m -> {
                    intended[slot] = due;
                    latency[slot] = System.nanoTime() - due;
                    done.incrementAndGet();
                    store.write(WriteOp.relaxed(tx -> tx.removeMessage(to, m.seq())));
                  });
        }
        LockSupport.parkNanos(200_000);
      }
      purgeThread.join();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (done.get() < total && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
      WriterStats.Snapshot all = store.writerStats().snapshot().minus(before);
      return row(label, round, intended, latency, done.get(), purges, all);
    } finally {
      try (var w = Files.walk(dir)) {
        w.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  private static String row(
      String label,
      int round,
      long[] intended,
      long[] latency,
      int n,
      List<long[]> purges,
      WriterStats.Snapshot all) {
    List<Long> overall = new ArrayList<>();
    List<Long> during = new ArrayList<>();
    List<Long> outside = new ArrayList<>();
    for (int i = 0; i < intended.length; i++) {
      if (latency[i] <= 0) {
        continue;
      }
      overall.add(latency[i]);
      boolean in = false;
      for (long[] p : purges) {
        in |= intended[i] >= p[0] && intended[i] <= p[1];
      }
      (in ? during : outside).add(latency[i]);
    }
    long syncMax = 0;
    long waitMax = 0;
    List<Long> ms = new ArrayList<>();
    for (long[] p : purges) {
      syncMax = Math.max(syncMax, p[2]);
      waitMax = Math.max(waitMax, p[3]);
      ms.add((p[1] - p[0]) / 1_000_000);
    }
    ms.sort(null);
    overall.sort(null);
    during.sort(null);
    outside.sort(null);
    return String.format(
        Locale.ROOT,
        "| %s | %d | %d | %s | %.2f | %.2f | %.2f | %.1f | %.2f | %.1f | %.1f | %.1f | %.2f | %.1f |"
            + " %.1f |%n",
        label,
        round,
        purges.size(),
        ms.isEmpty() ? "-" : ms.get(ms.size() / 2).toString(),
        at(overall, 0.50),
        at(overall, 0.99),
        at(overall, 0.999),
        at(overall, 1.0),
        at(during, 0.99),
        at(during, 1.0),
        syncMax / 1000.0,
        waitMax / 1000.0,
        at(outside, 0.99),
        at(outside, 1.0),
        all.writeMillis(1.0));
  }

  /** Quantile {@code q} of sorted nanosecond values, in milliseconds. */
  private static double at(List<Long> sorted, double q) {
    if (sorted.isEmpty()) {
      return 0;
    }
    int i = (int) Math.min(sorted.size() - 1, Math.ceil(q * sorted.size()) - 1);
    return sorted.get(Math.max(0, i)) / 1e6;
  }

  private static List<DeviceAddress> devices(SecureRandom random, int n) {
    List<DeviceAddress> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(new DeviceAddress(AccountId.random(random), 1));
    }
    return out;
  }
}
