package org.safehouse.sdk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.safehouse.sdk.internal.store.LocalStore;
import org.safehouse.server.testing.FakeClock;

/** Seen-marks are kept while the server could deliver a copy again, and forgotten after. */
class SeenMarksTest {
  private static final String SENDER = "fedcba9876543210fedcba9876543210";
  private static final Duration RETENTION = Duration.ofDays(7);

  @TempDir Path temp;

  @Test
  void marksOlderThanTheServersMaximumRetentionPlusAMarginAreForgotten() throws Exception {
    FakeClock clock = new FakeClock();
    try (LocalStore local = LocalStore.create(temp.resolve("home"), SdkTesting.PASSPHRASE)) {
      SeenMarks seen = new SeenMarks(local, clock);
      LocalStore.Batch batch = new LocalStore.Batch();
      seen.mark(batch, SENDER, "old");
      local.commit(batch);
      clock.advance(Duration.ofDays(3));
      batch = new LocalStore.Batch();
      seen.mark(batch, SENDER, "recent");
      local.commit(batch);

      // Just inside retention + margin for the old one: both kept.
      clock.advance(RETENTION.plus(SeenMarks.MARGIN).minusDays(3));
      assertEquals(0, seen.prune(RETENTION));
      assertTrue(seen.contains(SENDER, "old"));

      clock.advance(Duration.ofMinutes(1));
      assertEquals(1, seen.prune(RETENTION));
      assertFalse(seen.contains(SENDER, "old"), "the server can no longer redeliver it");
      assertTrue(seen.contains(SENDER, "recent"), "a copy of it may still be on the server");
      assertEquals(1, local.names(SeenMarks.PREFIX).size());
    }
  }

  @Test
  void aMarkWithoutATimeIsKeptForAnotherRetentionPeriod() throws Exception {
    FakeClock clock = new FakeClock();
    try (LocalStore local = LocalStore.create(temp.resolve("home"), SdkTesting.PASSPHRASE)) {
      local.put(SeenMarks.name(SENDER, "legacy"), new byte[0]);
      SeenMarks seen = new SeenMarks(local, clock);
      assertEquals(0, seen.prune(RETENTION));
      clock.advance(RETENTION);
      assertEquals(0, seen.prune(RETENTION));
      clock.advance(SeenMarks.MARGIN.plusMinutes(1));
      assertEquals(1, seen.prune(RETENTION));
    }
  }
}
