package org.safehouse.server.store;

import java.util.Optional;
import org.safehouse.server.account.AccountId;
import org.safehouse.server.account.Role;

/**
 * A stored invite: the role it grants, when it expires, and who created it (a client invite made by
 * a caseworker puts the new client into a case with that caseworker). The code itself is not
 * stored, only its hash, as the key.
 *
 * @param creator the inviting account, or null for invites made by the server admin command
 */
public record InviteRecord(Role role, long expiresAtMillis, AccountId creator) {
  public Optional<AccountId> createdBy() {
    return Optional.ofNullable(creator);
  }
}
