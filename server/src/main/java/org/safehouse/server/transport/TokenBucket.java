package org.safehouse.server.transport;

/** Requests per second for one connection: sustained {@code rate}, bursts of twice that. */
final class TokenBucket {
  private final double rate;
  private final double capacity;
  private double tokens;
  private long last;

  TokenBucket(int ratePerSecond, long nowNanos) {
    this.rate = ratePerSecond / 1e9;
    this.capacity = 2.0 * ratePerSecond;
    this.tokens = capacity;
    this.last = nowNanos;
  }

  boolean tryTake(long nowNanos) {
    tokens = Math.min(capacity, tokens + (nowNanos - last) * rate);
    last = nowNanos;
    if (tokens >= 1) {
      tokens -= 1;
      return true;
    }
    return false;
  }
}
