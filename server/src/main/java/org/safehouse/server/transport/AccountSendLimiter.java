package org.safehouse.server.transport;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.safehouse.server.account.AccountId;

/**
 * Sends per account per second, counted over all the account's connections: sustained {@code rate},
 * bursts of twice that. An account that opens many connections gets no more than one.
 *
 * <p>In memory only, never logged or stored. The map is bounded: when it reaches {@link
 * #MAX_ACCOUNTS}, buckets that have refilled completely (idle accounts, indistinguishable from new
 * ones) are dropped; if that is not enough, all are, which at worst grants each account one fresh
 * burst.
 */
final class AccountSendLimiter {
  static final int MAX_ACCOUNTS = 100_000;

  private final int rate;
  private final long refillNanos;
  private final Map<AccountId, Bucket> buckets = new ConcurrentHashMap<>();

  private static final class Bucket {
    final TokenBucket tokens;
    long lastUsed;

    Bucket(int rate, long now) {
      tokens = new TokenBucket(rate, now);
      lastUsed = now;
    }
  }

  AccountSendLimiter(int sendsPerSecond) {
    this.rate = sendsPerSecond;
    // A full bucket holds two seconds of sends; after that long idle it is full again.
    this.refillNanos = 2_000_000_000L;
  }

  /** Whether {@code account} may send one more message now. */
  boolean tryAcquire(AccountId account, long nowNanos) {
    if (buckets.size() >= MAX_ACCOUNTS && !buckets.containsKey(account)) {
      trim(nowNanos);
    }
    Bucket b = buckets.computeIfAbsent(account, a -> new Bucket(rate, nowNanos));
    synchronized (b) {
      b.lastUsed = nowNanos;
      return b.tokens.tryTake(nowNanos);
    }
  }

  private void trim(long nowNanos) {
    buckets
        .values()
        .removeIf(
            b -> {
              synchronized (b) {
                return nowNanos - b.lastUsed >= refillNanos;
              }
            });
    if (buckets.size() >= MAX_ACCOUNTS) {
      buckets.clear();
    }
  }

  int tracked() {
    return buckets.size();
  }
}
