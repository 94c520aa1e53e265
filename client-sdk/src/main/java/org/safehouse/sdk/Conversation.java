package org.safehouse.sdk;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * What {@link History} knows of one conversation without reading its texts.
 *
 * @param peerAccountId 32 lowercase hex characters
 * @param lastActivity when the last text was sent or received, if any is kept
 * @param unread texts received since {@link History#markRead} was last called
 * @param retention how long its texts are kept on this device before they are deleted for good
 */
public record Conversation(
    String peerAccountId, Optional<Instant> lastActivity, int unread, Duration retention) {}
