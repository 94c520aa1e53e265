package org.safehouse.sdk;

import java.util.List;

/**
 * A file sent as an attachment.
 *
 * @param messageId the id of the message that carries it, 32 lowercase hex characters
 * @param attachmentId the attachment's id, 32 lowercase hex characters
 * @param size bytes of the file as sent (after metadata removal)
 * @param removedMetadata what was removed from the file before it left this device (for example
 *     {@code "GPS position"}); empty if nothing was
 */
public record SentFile(
    String messageId, String attachmentId, long size, List<String> removedMetadata) {}
