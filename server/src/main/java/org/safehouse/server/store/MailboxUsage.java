package org.safehouse.server.store;

/**
 * How full one device's mailbox is: the copies stored for it and their stored size in bytes.
 *
 * @param messages copies waiting for the device
 * @param bytes their size as stored (sealed)
 */
public record MailboxUsage(long messages, long bytes) {}
