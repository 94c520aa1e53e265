package org.safehouse.server.store;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * How the single writer spends its time: per group commit, how long its oldest operation waited in
 * the queue, how long applying the group took, and how long the batch write with its WAL sync took.
 * Histograms in powers of two of microseconds. Only the writer thread records; readers take a
 * {@link Snapshot}. Holds no message data, only counts and durations.
 */
public final class WriterStats {
  /** Bucket i counts values in [2^(i-1), 2^i) microseconds; bucket 0 counts values under 1. */
  static final int BUCKETS = 32;

  private static final int GROUPS = 0;
  private static final int OPS = 1;
  private static final int WAIT = 2;
  private static final int APPLY = WAIT + BUCKETS;
  private static final int WRITE = APPLY + BUCKETS;
  private static final int WRITE_NANOS = WRITE + BUCKETS;

  private final AtomicLongArray cells = new AtomicLongArray(WRITE_NANOS + 1);

  void record(int ops, long waitNanos, long applyNanos, long writeNanos) {
    cells.lazySet(GROUPS, cells.get(GROUPS) + 1);
    cells.lazySet(OPS, cells.get(OPS) + ops);
    bump(WAIT, waitNanos);
    bump(APPLY, applyNanos);
    bump(WRITE, writeNanos);
    cells.lazySet(WRITE_NANOS, cells.get(WRITE_NANOS) + writeNanos);
  }

  private void bump(int base, long nanos) {
    long micros = nanos / 1000;
    int bucket = micros <= 0 ? 0 : Math.min(BUCKETS - 1, 64 - Long.numberOfLeadingZeros(micros));
    cells.lazySet(base + bucket, cells.get(base + bucket) + 1);
  }

  public Snapshot snapshot() {
    long[] c = new long[cells.length()];
    for (int i = 0; i < c.length; i++) {
      c[i] = cells.get(i);
    }
    return new Snapshot(c);
  }

  /** Counts at one moment; subtract two to get an interval. */
  public static final class Snapshot {
    private final long[] c;

    Snapshot(long[] c) {
      this.c = c;
    }

    public Snapshot minus(Snapshot earlier) {
      long[] d = new long[c.length];
      for (int i = 0; i < d.length; i++) {
        d[i] = c[i] - earlier.c[i];
      }
      return new Snapshot(d);
    }

    public long groups() {
      return c[GROUPS];
    }

    public long ops() {
      return c[OPS];
    }

    /** Upper bound, in milliseconds, of the bucket holding quantile {@code q} of queue waits. */
    public double waitMillis(double q) {
      return quantile(WAIT, q);
    }

    public double applyMillis(double q) {
      return quantile(APPLY, q);
    }

    /** Batch write plus WAL sync. */
    public double writeMillis(double q) {
      return quantile(WRITE, q);
    }

    /**
     * How many batch writes (each with its WAL sync) took each time: element i counts those of
     * [2^(i-1), 2^i) microseconds (element 0: under 1), the last also everything longer.
     */
    public long[] writeCounts() {
      return java.util.Arrays.copyOfRange(c, WRITE, WRITE + BUCKETS);
    }

    /** Total time of every batch write with its WAL sync, in nanoseconds. */
    public long writeNanos() {
      return c[WRITE_NANOS];
    }

    private double quantile(int base, double q) {
      long total = 0;
      for (int i = 0; i < BUCKETS; i++) {
        total += c[base + i];
      }
      if (total == 0) {
        return 0;
      }
      long rank = (long) Math.ceil(q * total);
      long seen = 0;
      for (int i = 0; i < BUCKETS; i++) {
        seen += c[base + i];
        if (seen >= rank) {
          return (1L << i) / 1000.0;
        }
      }
      return (1L << (BUCKETS - 1)) / 1000.0;
    }
  }
}
