package org.safehouse.sdk;

import java.time.Instant;

/**
 * A text message received from a peer.
 *
 * @param messageId the sender's message id, 32 lowercase hex characters
 * @param senderAccountId 32 lowercase hex characters; this account's own for a case text that
 *     another of its devices sent (a copy for this device's case thread)
 * @param text the message text
 * @param sentAt when the sender's device says it sent the message
 * @param attachment a file sent with the text (then the text is its caption, maybe empty), or null
 * @param caseId the case whose conversation the text belongs to (32 lowercase hex characters), or
 *     null for a direct message
 */
public record ReceivedMessage(
    String messageId,
    String senderAccountId,
    String text,
    Instant sentAt,
    Attachment attachment,
    String caseId) {

  /**
   * A direct text without an attachment, of no case conversation.
   *
   * @param messageId the sender's message id, 32 lowercase hex characters
   * @param senderAccountId 32 lowercase hex characters
   * @param text the message text
   * @param sentAt when the sender's device says it sent the message
   */
  public ReceivedMessage(String messageId, String senderAccountId, String text, Instant sentAt) {
    this(messageId, senderAccountId, text, sentAt, null, null);
  }
}
