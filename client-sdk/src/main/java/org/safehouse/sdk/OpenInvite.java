package org.safehouse.sdk;

import java.time.Instant;
import java.util.Objects;

/**
 * An invite this account created that is neither redeemed, cancelled nor expired, as {@link
 * SafehouseClient#listInvites} returns it. It names the invite without its code: the link cannot be
 * rebuilt from it, only cancelled.
 *
 * @param id 16 lowercase hex characters (the first 8 bytes of the SHA-256 of the code, as the
 *     server stores it); pass it to {@link SafehouseClient#cancelInvite}
 * @param role the role it grants: {@code admin}, {@code caseworker} or {@code client}
 * @param expiresAt when the server stops accepting it
 */
public record OpenInvite(String id, String role, Instant expiresAt) {
  /**
   * Checks that no part is missing.
   *
   * @param id 16 lowercase hex characters
   * @param role {@code admin}, {@code caseworker} or {@code client}
   * @param expiresAt when the server stops accepting it
   * @throws NullPointerException if a part is null
   */
  public OpenInvite {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(role, "role");
    Objects.requireNonNull(expiresAt, "expiresAt");
  }
}
