package org.safehouse.sdk;

import java.time.Instant;
import java.util.Objects;

/**
 * One text of a conversation, as this device keeps it in its {@link History}.
 *
 * @param messageId 32 lowercase hex characters
 * @param peerAccountId the other side of the conversation, 32 lowercase hex characters
 * @param outgoing true if this device sent it
 * @param text the text; it may hold any characters, so escape it before showing it
 * @param at when this device sent or received it (its own clock)
 * @param state how far it got
 */
public record HistoryEntry(
    String messageId,
    String peerAccountId,
    boolean outgoing,
    String text,
    Instant at,
    State state) {

  /** How far a text got. */
  public enum State {
    /** Received from the peer. */
    RECEIVED,
    /** Sent: the server stored it durably for the peer. */
    STORED_BY_SERVER,
    /** Sent, and the peer's device said it received it. */
    DELIVERED
  }

  /**
   * Validates the entry.
   *
   * @param messageId the message id
   * @param peerAccountId the peer's account id in hex
   * @param outgoing true if this device sent it
   * @param text the text
   * @param at when it was sent or received
   * @param state where it stands
   * @throws NullPointerException if any part is null
   */
  public HistoryEntry {
    Objects.requireNonNull(messageId, "messageId");
    Objects.requireNonNull(peerAccountId, "peerAccountId");
    Objects.requireNonNull(text, "text");
    Objects.requireNonNull(at, "at");
    Objects.requireNonNull(state, "state");
  }
}
