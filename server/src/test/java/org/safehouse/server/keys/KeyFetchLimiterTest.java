package org.safehouse.server.keys;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.SecureRandom;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.safehouse.server.account.AccountId;
import org.safehouse.server.testing.FakeClock;

class KeyFetchLimiterTest {
  private static final SecureRandom RANDOM = new SecureRandom();
  private final FakeClock clock = new FakeClock();

  @Test
  void eachPairHasItsOwnBucketAndIsForgottenOnceItIsFullAgain() {
    KeyFetchLimiter limiter = new KeyFetchLimiter(clock, 2, 1000);
    AccountId a = AccountId.random(RANDOM);
    AccountId b = AccountId.random(RANDOM);
    AccountId c = AccountId.random(RANDOM);
    assertTrue(limiter.tryTake(a, b));
    assertTrue(limiter.tryTake(a, b));
    assertFalse(limiter.tryTake(a, b));
    assertTrue(limiter.tryTake(b, a), "the reverse pair is another pair");
    assertTrue(limiter.tryTake(a, c));
    assertEquals(3, limiter.pairs());
    clock.advance(Duration.ofMinutes(30));
    assertTrue(limiter.tryTake(a, b), "half an hour refills one of two");
    assertFalse(limiter.tryTake(a, b));
    clock.advance(Duration.ofMinutes(61));
    assertTrue(limiter.tryTake(a, c));
    // Who fetched whose keys is not kept past the hour in which it could matter.
    assertEquals(1, limiter.pairs());
  }
}
