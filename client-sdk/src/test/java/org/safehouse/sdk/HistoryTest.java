package org.safehouse.sdk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.safehouse.sdk.internal.store.LocalStore;

/** The SDK's local history: per conversation, unread counts, receipts, retention for good. */
@Timeout(60)
class HistoryTest {
  private static final String PEER = "a".repeat(32);
  private static final String OTHER = "b".repeat(32);

  /** A clock the test moves. */
  static final class MovingClock extends Clock {
    Instant now = Instant.parse("2026-03-01T10:00:00Z");

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now;
    }
  }

  @TempDir Path dir;
  private final MovingClock clock = new MovingClock();
  private LocalStore local;
  private History history;

  @BeforeEach
  void open() throws Exception {
    local = LocalStore.create(dir.resolve("home"), "pass".toCharArray());
    history = new History(local, clock, true);
  }

  @AfterEach
  void close() throws Exception {
    local.close();
  }

  private static ReceivedMessage from(String peer, String id, String text) {
    return new ReceivedMessage(id, peer, text, Instant.EPOCH);
  }

  @Test
  void keepsBothDirectionsInOrderWithUnreadCountsAndReceipts() throws Exception {
    List<String> changes = new ArrayList<>();
    history.onChange(changes::add);
    history.recordReceived(from(PEER, "1".repeat(32), "hello"));
    clock.now = clock.now.plusSeconds(5);
    history.recordSent(PEER, "2".repeat(32), "hi, I am here");
    history.recordReceived(from(PEER, "3".repeat(32), "thanks"));
    history.recordReceived(from(PEER, "3".repeat(32), "thanks")); // a redelivery
    clock.now = clock.now.plusSeconds(5);
    history.recordReceived(from(OTHER, "4".repeat(32), "other"));

    List<HistoryEntry> m = history.messages(PEER);
    assertEquals(
        List.of("hello", "hi, I am here", "thanks"), m.stream().map(HistoryEntry::text).toList());
    assertEquals(HistoryEntry.State.STORED_BY_SERVER, m.get(1).state());
    assertEquals(2, history.conversation(PEER).unread());
    assertEquals(OTHER, history.conversations().get(0).peerAccountId(), "most recent first");
    assertEquals(List.of(PEER, PEER, PEER, OTHER), changes);

    history.markDelivered(PEER, List.of("2".repeat(32)));
    assertEquals(HistoryEntry.State.DELIVERED, history.messages(PEER).get(1).state());
    history.markRead(PEER);
    assertEquals(0, history.conversation(PEER).unread());
    assertEquals(History.DEFAULT_RETENTION, history.conversation(PEER).retention());
  }

  @Test
  void aClientThatDidNotAskForAHistoryKeepsNoTextInItsHomeFolder() throws Exception {
    History off = new History(local, clock, false);
    off.recordReceived(from(PEER, "1".repeat(32), "where are you hiding"));
    off.recordSent(PEER, "2".repeat(32), "at my aunt's");
    off.markDelivered(PEER, List.of("2".repeat(32)));
    assertEquals(List.of(), off.conversations());
    assertEquals(List.of(), off.messages(PEER));
    assertEquals(List.of(), history.messages(PEER), "nothing was written for the next reader");
    assertFalse(ClientOptions.defaults().keepHistory(), "a phone keeps no history by default");
  }

  @Test
  void textsOlderThanTheRetentionAreDeletedForGood() throws Exception {
    history.recordReceived(from(PEER, "1".repeat(32), "old"));
    history.recordReceived(from(OTHER, "2".repeat(32), "kept longer"));
    history.setRetention(OTHER, Duration.ofDays(60));
    clock.now = clock.now.plus(Duration.ofDays(29));
    history.recordReceived(from(PEER, "3".repeat(32), "new"));
    assertEquals(2, history.messages(PEER).size());
    int recordsBefore = recordFiles();

    clock.now = clock.now.plus(Duration.ofDays(2));
    assertEquals(List.of("new"), history.messages(PEER).stream().map(HistoryEntry::text).toList());
    assertEquals(1, history.purgeExpired());
    assertTrue(recordFiles() < recordsBefore, "the old day's record is gone from the disk");
    assertEquals(1, history.messages(OTHER).size());
    assertTrue(local.names("history:" + PEER).size() == 1);

    history.setRetention(PEER, Duration.ofDays(1));
    clock.now = clock.now.plus(Duration.ofDays(1));
    history.purgeExpired();
    assertEquals(List.of(), history.messages(PEER));
    assertEquals(List.of(), local.names("history:" + PEER + ":"));
    assertThrows(IllegalArgumentException.class, () -> history.setRetention(PEER, Duration.ZERO));
  }

  @Test
  void forgettingAConversationRemovesItAll() throws Exception {
    history.recordReceived(from(PEER, "1".repeat(32), "hello"));
    history.forget(PEER);
    assertEquals(List.of(), history.messages(PEER));
    assertEquals(List.of(), history.conversations());
    assertEquals(List.of(), local.names("history"));
  }

  private int recordFiles() throws Exception {
    try (Stream<Path> files = Files.list(dir.resolve("home").resolve("records"))) {
      return (int) files.count();
    }
  }
}
