package org.safehouse.server.keys;

import java.nio.ByteBuffer;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import org.safehouse.server.account.AccountId;

/**
 * How many one-time prekeys one account may take from another: a bucket of {@code perHour} fetches
 * per (requester, target) pair, refilled evenly over an hour. Counted in memory only (who fetched
 * whose keys is never stored), and a pair is forgotten once its bucket is full again (an hour after
 * its last fetch), so not even memory holds who fetched whose keys for longer. At most {@code
 * maxPairs} pairs are held; a restart or an evicted pair starts with a full bucket.
 */
final class KeyFetchLimiter {
  private static final long HOUR_MILLIS = 3_600_000L;

  private final Clock clock;
  private final double perHour;
  private final LinkedHashMap<ByteBuffer, double[]> buckets;

  KeyFetchLimiter(Clock clock, int perHour, int maxPairs) {
    this.clock = clock;
    this.perHour = perHour;
    this.buckets =
        new LinkedHashMap<>(1024, 0.75f, true) {
          @Override
          protected boolean removeEldestEntry(Map.Entry<ByteBuffer, double[]> eldest) {
            return size() > maxPairs;
          }
        };
  }

  /** Takes one fetch from the pair's bucket; false if it is empty. */
  synchronized boolean tryTake(AccountId requester, AccountId target) {
    long now = clock.millis();
    ByteBuffer key =
        ByteBuffer.allocate(2 * AccountId.LENGTH).put(requester.bytes()).put(target.bytes());
    key.flip();
    double[] b = buckets.get(key);
    if (b == null) {
      b = new double[] {perHour, now};
      buckets.put(key, b);
    }
    double elapsed = Math.max(0, now - (long) b[1]);
    b[0] = Math.min(perHour, b[0] + elapsed * perHour / HOUR_MILLIS);
    b[1] = now;
    forgetIdleSince(now - HOUR_MILLIS);
    if (b[0] < 1) {
      return false;
    }
    b[0] -= 1;
    return true;
  }

  /** How many pairs are remembered now. */
  synchronized int pairs() {
    return buckets.size();
  }

  /** Drops the pairs not fetched since {@code cutoff}: their buckets are full anyway. */
  private void forgetIdleSince(long cutoff) {
    // Access order: the least recently fetched pairs come first.
    var it = buckets.values().iterator();
    while (it.hasNext()) {
      if (it.next()[1] > cutoff) {
        return;
      }
      it.remove();
    }
  }
}
