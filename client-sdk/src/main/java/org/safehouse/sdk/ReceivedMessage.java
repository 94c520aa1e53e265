package org.safehouse.sdk;

import java.time.Instant;

/**
 * A text message received from a peer.
 *
 * @param messageId the sender's message id, 32 lowercase hex characters
 * @param senderAccountId 32 lowercase hex characters
 * @param text the message text
 * @param sentAt when the sender's device says it sent the message
 * @param caseId the case whose conversation the text belongs to (32 lowercase hex characters), or
 *     null for a direct message
 */
public record ReceivedMessage(
    String messageId, String senderAccountId, String text, Instant sentAt, String caseId) {

  /**
   * A direct message, of no case conversation.
   *
   * @param messageId the sender's message id
   * @param senderAccountId the sender's account id in hex
   * @param text the message text
   * @param sentAt when the sender's device says it sent it
   */
  public ReceivedMessage(String messageId, String senderAccountId, String text, Instant sentAt) {
    this(messageId, senderAccountId, text, sentAt, null);
  }
}
