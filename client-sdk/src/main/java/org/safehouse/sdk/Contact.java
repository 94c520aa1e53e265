package org.safehouse.sdk;

import java.util.Optional;

/**
 * An account this account may write to.
 *
 * @param accountId 32 lowercase hex characters
 * @param role {@code admin}, {@code caseworker} or {@code client}
 * @param displayName the name the contact last sent in a profile, if any
 */
public record Contact(String accountId, String role, Optional<String> displayName) {}
