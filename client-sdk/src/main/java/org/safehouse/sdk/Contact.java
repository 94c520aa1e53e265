package org.safehouse.sdk;

import java.util.Objects;
import java.util.Optional;

/**
 * An account this account may write to.
 *
 * @param accountId 32 lowercase hex characters
 * @param role {@code admin}, {@code caseworker} or {@code client}
 * @param displayName the name the contact last sent in a profile, if any; it comes from the contact
 *     and may hold any characters, so escape it before showing it
 * @param verification whether this device knows the contact's identity is theirs
 */
public record Contact(
    String accountId, String role, Optional<String> displayName, Verification verification) {
  /**
   * Validates the contact.
   *
   * @param accountId 32 lowercase hex characters
   * @param role {@code admin}, {@code caseworker} or {@code client}
   * @param displayName the name the contact last sent, if any
   * @param verification whether this device knows the contact's identity is theirs
   * @throws NullPointerException if {@code verification} is null
   */
  public Contact {
    Objects.requireNonNull(verification, "verification");
  }
}
