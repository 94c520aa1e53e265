package org.safehouse.sdk;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.time.Duration;
import org.safehouse.sdk.internal.store.LocalStore;

/**
 * The ids of messages already taken in, so that a copy the server delivers again is dropped: one
 * record {@code seen:<sender>:<message id>} each, holding the time it was taken in. A mark is kept
 * only as long as the server could still deliver a copy again: the server keeps no copy longer than
 * its maximum retention after the send, and the send came before the mark, so a mark older than
 * that (plus {@link #MARGIN} for clocks that disagree) is forgotten ({@link #prune}).
 */
final class SeenMarks {
  static final String PREFIX = "seen:";

  /** Slack for a server clock ahead of this device's, and for a retention raised meanwhile. */
  static final Duration MARGIN = Duration.ofDays(1);

  private final LocalStore local;
  private final Clock clock;

  SeenMarks(LocalStore local, Clock clock) {
    this.local = local;
    this.clock = clock;
  }

  static String name(String sender, String messageId) {
    return PREFIX + sender + ":" + messageId;
  }

  boolean contains(String sender, String messageId) throws IOException {
    return local.get(name(sender, messageId)) != null;
  }

  /** Adds the mark for a message to {@code batch}, stamped now. */
  void mark(LocalStore.Batch batch, String sender, String messageId) {
    batch.put(name(sender, messageId), ByteBuffer.allocate(8).putLong(clock.millis()).array());
  }

  /**
   * Forgets the marks older than {@code maxRetention} plus {@link #MARGIN}. A mark written before
   * marks had times (empty) is stamped now, and so kept for one more retention period.
   *
   * @return how many were forgotten
   * @throws IOException if the store fails
   */
  int prune(Duration maxRetention) throws IOException {
    long now = clock.millis();
    long oldest = now - maxRetention.plus(MARGIN).toMillis();
    LocalStore.Batch batch = new LocalStore.Batch();
    int forgotten = 0;
    for (String name : local.names(PREFIX)) {
      byte[] value = local.get(name);
      if (value == null) {
        continue;
      }
      if (value.length != 8) {
        batch.put(name, ByteBuffer.allocate(8).putLong(now).array());
      } else if (ByteBuffer.wrap(value).getLong() < oldest) {
        batch.delete(name);
        forgotten++;
      }
    }
    local.commit(batch);
    return forgotten;
  }
}
