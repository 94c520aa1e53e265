package org.safehouse.sdk.net;

import java.util.Arrays;
import java.util.Base64;
import java.util.Objects;
import java.util.Optional;

/**
 * A parsed invite link, {@code
 * safehouse://HOST:PORT/#pin=PIN&code=CODE&secret=SECRET[&from=ACCOUNT&id=KEY]}: where the server
 * is, the SHA-256 of its certificate's public key (base64url, no padding), the 16-byte one-time
 * code, the server's upgrade secret (base64url, the path at which it accepts clients) and, for an
 * invite a person made in the SDK, who made it: the inviter's account id and the SHA-256 of its
 * Signal identity public key, so the new device can refuse a first contact with any other identity.
 * Parameters it does not know are ignored. Internal to the SDK.
 *
 * @param inviter null for an invite without one (an admin-socket invite: the server has no identity
 *     key)
 */
public record InviteLink(
    String host, int port, String pin, byte[] code, String secret, Inviter inviter) {
  public static final int CODE_BYTES = 16;
  private static final String SCHEME = "safehouse://";
  private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();

  /**
   * Who made an invite, as the link names it.
   *
   * @param accountId the inviter's 16-byte account id
   * @param identityFingerprint SHA-256 of the inviter's serialized Signal identity public key
   */
  public record Inviter(byte[] accountId, byte[] identityFingerprint) {
    public static final int ACCOUNT_ID_BYTES = 16;
    public static final int FINGERPRINT_BYTES = 32;

    public Inviter {
      if (accountId == null || accountId.length != ACCOUNT_ID_BYTES) {
        throw new IllegalArgumentException("the inviter's account id is 16 bytes");
      }
      if (identityFingerprint == null || identityFingerprint.length != FINGERPRINT_BYTES) {
        throw new IllegalArgumentException("the inviter's identity fingerprint is 32 bytes");
      }
      accountId = accountId.clone();
      identityFingerprint = identityFingerprint.clone();
    }

    @Override
    public byte[] accountId() {
      return accountId.clone();
    }

    @Override
    public byte[] identityFingerprint() {
      return identityFingerprint.clone();
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Inviter i
          && Arrays.equals(accountId, i.accountId)
          && Arrays.equals(identityFingerprint, i.identityFingerprint);
    }

    @Override
    public int hashCode() {
      return 31 * Arrays.hashCode(accountId) + Arrays.hashCode(identityFingerprint);
    }

    @Override
    public String toString() {
      return "&from="
          + B64.encodeToString(accountId)
          + "&id="
          + B64.encodeToString(identityFingerprint);
    }
  }

  /** A link without an inviter. */
  public InviteLink(String host, int port, String pin, byte[] code, String secret) {
    this(host, port, pin, code, secret, null);
  }

  public InviteLink {
    Objects.requireNonNull(host, "host");
    Objects.requireNonNull(pin, "pin");
    if (host.isEmpty() || port < 1 || port > 65535) {
      throw new IllegalArgumentException("an invite link needs HOST:PORT with a port 1..65535");
    }
    if (pin.isEmpty()) {
      throw new IllegalArgumentException("an invite link needs the server's pin");
    }
    if (code == null || code.length != CODE_BYTES) {
      throw new IllegalArgumentException("an invite code is " + CODE_BYTES + " bytes");
    }
    if (secret == null) {
      throw new IllegalArgumentException(
          "This invite link has no secret=, so it is from an older Safehouse server; ask the"
              + " person who invited you for a new invite.");
    }
    if (!secret.matches("[A-Za-z0-9_-]{22}")) {
      throw new IllegalArgumentException(
          "The secret in this invite link is damaged; ask for a new invite.");
    }
    code = code.clone();
  }

  @Override
  public byte[] code() {
    return code.clone();
  }

  /** {@code host:port}, with brackets around an IPv6 literal. */
  public String address() {
    return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
  }

  /** The inviter the link names, if any. */
  public Optional<Inviter> inviterIfAny() {
    return Optional.ofNullable(inviter);
  }

  @Override
  public String toString() {
    return format(address(), pin, code, secret, inviter);
  }

  /**
   * Parses a link as {@link #toString()} writes it.
   *
   * @throws IllegalArgumentException saying what is wrong, if it is not such a link
   */
  public static InviteLink parse(String text) {
    String t = text == null ? "" : text.trim();
    if (!t.startsWith(SCHEME)) {
      throw new IllegalArgumentException("an invite link starts with " + SCHEME);
    }
    int hash = t.indexOf("/#", SCHEME.length());
    if (hash < 0) {
      throw new IllegalArgumentException("an invite link has /#pin=...&code=... after the address");
    }
    String address = t.substring(SCHEME.length(), hash);
    int colon = address.lastIndexOf(':');
    if (colon <= 0) {
      throw new IllegalArgumentException("an invite link names the server as HOST:PORT");
    }
    String host = address.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    int port;
    try {
      port = Integer.parseInt(address.substring(colon + 1));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("the port in an invite link is a number");
    }
    String pin = null;
    String secret = null;
    byte[] code = null;
    byte[] from = null;
    byte[] id = null;
    for (String part : t.substring(hash + 2).split("&")) {
      if (part.startsWith("pin=")) {
        pin = part.substring(4);
      } else if (part.startsWith("secret=")) {
        secret = part.substring(7);
      } else if (part.startsWith("code=")) {
        code = base64(part.substring(5), "the invite code");
      } else if (part.startsWith("from=")) {
        from = base64(part.substring(5), "the inviter's account id (from=)");
      } else if (part.startsWith("id=")) {
        id = base64(part.substring(3), "the inviter's identity fingerprint (id=)");
      }
    }
    if (pin == null || code == null) {
      throw new IllegalArgumentException("an invite link needs both pin= and code=");
    }
    if ((from == null) != (id == null)) {
      // A link cut short must not quietly lose the inviter's identity.
      throw new IllegalArgumentException(
          "an invite link carries both from= and id=, or neither; copy the whole link");
    }
    return new InviteLink(
        host, port, pin, code, secret, from == null ? null : new Inviter(from, id));
  }

  private static byte[] base64(String value, String what) {
    try {
      return Base64.getUrlDecoder().decode(value);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(what + " is not valid base64url");
    }
  }

  /** The link for a new invite {@code code} to the same server, with the same pin and secret. */
  public static String format(String address, String pin, byte[] code, String secret) {
    return format(address, pin, code, secret, null);
  }

  /**
   * The link for a new invite {@code code} to the same server, with the same pin and secret, naming
   * {@code inviter} (null for none).
   */
  public static String format(
      String address, String pin, byte[] code, String secret, Inviter inviter) {
    return SCHEME
        + address
        + "/#pin="
        + pin
        + "&code="
        + B64.encodeToString(code)
        + "&secret="
        + secret
        + (inviter == null ? "" : inviter.toString());
  }
}
