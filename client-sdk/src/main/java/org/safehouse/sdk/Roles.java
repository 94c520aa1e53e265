package org.safehouse.sdk;

import java.util.Locale;
import org.safehouse.protocol.wire.Role;

/** Role names as the app writes them ({@code admin}, {@code caseworker}, {@code client}). */
final class Roles {
  private Roles() {}

  static String name(Role role) {
    return role.name().toLowerCase(Locale.ROOT);
  }

  /**
   * @throws IllegalArgumentException for another name
   */
  static Role parse(String role) {
    return switch (role == null ? "" : role.toLowerCase(Locale.ROOT)) {
      case "admin" -> Role.ADMIN;
      case "caseworker" -> Role.CASEWORKER;
      case "client" -> Role.CLIENT;
      default ->
          throw new IllegalArgumentException("A role is admin, caseworker or client, not " + role);
    };
  }
}
