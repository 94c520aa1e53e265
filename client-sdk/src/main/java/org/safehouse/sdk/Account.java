package org.safehouse.sdk;

/**
 * This device's account.
 *
 * @param accountId the account id, 32 lowercase hex characters
 * @param role {@code admin}, {@code caseworker} or {@code client}
 * @param deviceId this device's id within the account (1 for the enrolling device)
 * @param server the server's address, {@code host:port}
 */
public record Account(String accountId, String role, int deviceId, String server) {}
