package org.safehouse.sdk;

import java.time.Instant;

/**
 * An invite link the server made for this account, with its expiry.
 *
 * @param link the link to give the invited person, as {@link SafehouseClient#createInvite} returns
 * @param expiresAt when the server stops accepting it
 */
public record Invite(String link, Instant expiresAt) {}
