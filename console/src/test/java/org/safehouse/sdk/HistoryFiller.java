package org.safehouse.sdk;

import java.io.IOException;
import java.time.Instant;

/**
 * Fills a client's history directly, as if the texts had been received, for the console's render
 * benchmark (10,000 real deliveries would take the relay minutes to carry and prove nothing more).
 */
public final class HistoryFiller {
  private HistoryFiller() {}

  public static void received(SafehouseClient client, String peer, String messageId, String text)
      throws IOException {
    client.history().recordReceived(new ReceivedMessage(messageId, peer, text, Instant.now()));
  }
}
