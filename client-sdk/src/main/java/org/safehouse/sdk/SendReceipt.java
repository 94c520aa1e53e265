package org.safehouse.sdk;

import java.time.Duration;

/**
 * What the server confirmed for a sent message.
 *
 * @param messageId the message id, 32 lowercase hex characters
 * @param ttl how long the server keeps it for an offline peer, after the server's cap: shorter than
 *     asked when the server's maximum is shorter
 */
public record SendReceipt(String messageId, Duration ttl) {}
