package org.safehouse.server.account;

/** What an account may do. Stored as one byte; the codes never change. */
public enum Role {
  ADMIN(1),
  CASEWORKER(2),
  CLIENT(3);

  private final int code;

  Role(int code) {
    this.code = code;
  }

  public int code() {
    return code;
  }

  /**
   * @throws IllegalArgumentException for an unknown code
   */
  public static Role ofCode(int code) {
    for (Role r : values()) {
      if (r.code == code) {
        return r;
      }
    }
    throw new IllegalArgumentException("unknown role code " + code);
  }

  /**
   * Parses {@code admin}, {@code caseworker} or {@code client}.
   *
   * @throws IllegalArgumentException for anything else
   */
  public static Role parse(String name) {
    for (Role r : values()) {
      if (r.name().equalsIgnoreCase(name == null ? "" : name.trim())) {
        return r;
      }
    }
    throw new IllegalArgumentException(
        "unknown role '" + name + "'; use admin, caseworker or client");
  }

  public String label() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
