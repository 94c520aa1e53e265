package org.safehouse.server.store;

import org.safehouse.server.account.Role;

/** A stored invite: only the role it grants and when it expires; the code is the key's hash. */
public record InviteRecord(Role role, long expiresAtMillis) {}
