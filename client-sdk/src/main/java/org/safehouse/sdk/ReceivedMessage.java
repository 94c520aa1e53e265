package org.safehouse.sdk;

import java.time.Instant;

/**
 * A text message received from a peer.
 *
 * @param messageId the sender's message id, 32 lowercase hex characters
 * @param senderAccountId 32 lowercase hex characters
 * @param text the message text
 * @param sentAt when the sender's device says it sent the message
 */
public record ReceivedMessage(
    String messageId, String senderAccountId, String text, Instant sentAt) {}
