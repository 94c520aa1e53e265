package org.safehouse.protocol;

import java.util.Arrays;
import java.util.Base64;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * An invite link, {@code
 * safehouse://HOST:PORT/#pin=PIN&code=CODE&secret=SECRET[&from=ACCOUNT&id=KEY]}: where the server
 * is, the SHA-256 of its certificate's public key (SPKI, base64url without padding), the 16-byte
 * one-time code (base64url without padding), the server's 16-byte upgrade secret (base64url without
 * padding; without it the server answers like an ordinary web server) and, for an invite a person
 * made, who made it: the inviter's account id and the SHA-256 of its Signal identity public key, so
 * the new device can refuse a first contact with any other identity. The part after {@code #} is a
 * URL fragment, which HTTP clients never send to a server. Parameters it does not know are ignored.
 * The one parser and formatter of the server and the SDK; it uses no API that Android API level 26
 * lacks.
 *
 * @param host a DNS name or an IP literal (IPv6 without brackets)
 * @param port 1..65535
 * @param inviter null for an invite without one (an admin-socket invite: the server has no identity
 *     key)
 */
public record InviteLink(
    String host, int port, String pin, byte[] code, String secret, Inviter inviter) {
  public static final int CODE_BYTES = 16;
  public static final int SECRET_BYTES = 16;
  private static final String SCHEME = "safehouse://";
  // Only what a DNS name or an IP literal holds: anything else (control characters, '/', '#',
  // '&') would print into a link that no longer parses back to this address (found by fuzzing).
  private static final Pattern HOST = Pattern.compile("[A-Za-z0-9._:%-]+");
  private static final Pattern PIN = Pattern.compile("[A-Za-z0-9_-]+");
  private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();
  private static final Base64.Decoder B64D = Base64.getUrlDecoder();

  /**
   * Who made an invite, as the link names it.
   *
   * @param accountId the inviter's 16-byte account id
   * @param identityFingerprint SHA-256 of the inviter's serialized Signal identity public key
   */
  public record Inviter(byte[] accountId, byte[] identityFingerprint) {
    public static final int ACCOUNT_ID_BYTES = 16;
    public static final int FINGERPRINT_BYTES = 32;

    /**
     * @throws IllegalArgumentException if either has the wrong length
     */
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

    /** The link's {@code &from=...&id=...} part. */
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

  /**
   * @throws IllegalArgumentException saying what is wrong, if any part could not be printed into a
   *     link that parses back to the same values
   * @throws NullPointerException if host or pin is null
   */
  public InviteLink {
    Objects.requireNonNull(host, "host");
    Objects.requireNonNull(pin, "pin");
    if (host.isEmpty() || !HOST.matcher(host).matches()) {
      throw new IllegalArgumentException(
          "the host of an invite link is a DNS name or an IP address (letters, digits, '.', '-',"
              + " '_', ':', '%')");
    }
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("an invite link needs HOST:PORT with a port 1..65535");
    }
    if (pin.isEmpty()) {
      throw new IllegalArgumentException("an invite link needs the server's pin");
    }
    if (!PIN.matcher(pin).matches()) {
      throw new IllegalArgumentException("the pin in an invite link is base64url");
    }
    if (code == null || code.length != CODE_BYTES) {
      throw new IllegalArgumentException("an invite code is " + CODE_BYTES + " bytes");
    }
    if (secret == null) {
      throw new IllegalArgumentException(
          "This invite link has no secret=, so it is from an older Safehouse server; ask the"
              + " person who invited you for a new invite.");
    }
    if (!validSecret(secret)) {
      throw new IllegalArgumentException(
          "The secret in this invite link is damaged; ask for a new invite.");
    }
    code = code.clone();
  }

  private static boolean validSecret(String secret) {
    try {
      byte[] bytes = B64D.decode(secret);
      return secret.indexOf('=') < 0
          && bytes.length == SECRET_BYTES
          && B64.encodeToString(bytes).equals(secret);
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  @Override
  public byte[] code() {
    return code.clone();
  }

  /** {@code host:port}, with brackets around an IPv6 literal. */
  public String address() {
    return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
  }

  /** The inviter the link names, if any. */
  public Optional<Inviter> inviterIfAny() {
    return Optional.ofNullable(inviter);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof InviteLink l && toString().equals(l.toString());
  }

  @Override
  public int hashCode() {
    return toString().hashCode();
  }

  /** The link, as {@link #parse} reads it. */
  @Override
  public String toString() {
    return SCHEME
        + address()
        + "/#pin="
        + pin
        + "&code="
        + B64.encodeToString(code)
        + "&secret="
        + secret
        + (inviter == null ? "" : inviter.toString());
  }

  /**
   * Parses a link as {@link #toString()} writes it. Surrounding white space is ignored.
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
    if (colon <= 0 || colon == address.length() - 1) {
      throw new IllegalArgumentException("an invite link names the server as HOST:PORT");
    }
    String host = address.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    } else if (host.indexOf(':') >= 0) {
      throw new IllegalArgumentException("an IPv6 address in an invite link is in brackets");
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
      return B64D.decode(value);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(what + " is not valid base64url");
    }
  }

  /**
   * The link for a new invite {@code code} to the server at {@code address} ({@code HOST:PORT},
   * IPv6 in brackets), with its pin and secret.
   *
   * @throws IllegalArgumentException if a part is not valid, as {@link #parse} would say
   */
  public static String format(String address, String pin, byte[] code, String secret) {
    return format(address, pin, code, secret, null);
  }

  /**
   * As {@link #format(String, String, byte[], String)}, naming {@code inviter} (null for none).
   *
   * @throws IllegalArgumentException if a part is not valid, as {@link #parse} would say
   */
  public static String format(
      String address, String pin, byte[] code, String secret, Inviter inviter) {
    InviteLink where =
        parse(
            SCHEME
                + address
                + "/#pin="
                + pin
                + "&code="
                + B64.encodeToString(code)
                + "&secret="
                + secret);
    return new InviteLink(where.host, where.port, pin, code, secret, inviter).toString();
  }
}
