package org.safehouse.server.store;

/**
 * Counts kept exact by updating them in the same atomic batch as the change they count.
 *
 * @param accounts accounts that exist
 * @param devices devices that exist
 * @param queuedMessages copies stored and not yet acknowledged or expired away
 * @param expiredRemoved copies the sweeper removed because they expired, since the store was made
 */
public record Counters(long accounts, long devices, long queuedMessages, long expiredRemoved) {}
