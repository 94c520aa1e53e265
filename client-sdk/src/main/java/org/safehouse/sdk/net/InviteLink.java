package org.safehouse.sdk.net;

import java.util.Base64;
import java.util.Objects;

/**
 * A parsed invite link, {@code safehouse://HOST:PORT/#pin=PIN&code=CODE&secret=SECRET}: where the
 * server is, the SHA-256 of its certificate's public key (base64url, no padding), the 16-byte
 * one-time code, and the server's upgrade secret (base64url), the path at which it accepts clients.
 * Parameters it does not know are ignored. Internal to the SDK.
 */
public record InviteLink(String host, int port, String pin, byte[] code, String secret) {
  public static final int CODE_BYTES = 16;
  private static final String SCHEME = "safehouse://";
  private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();

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

  @Override
  public String toString() {
    return format(address(), pin, code, secret);
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
    for (String part : t.substring(hash + 2).split("&")) {
      if (part.startsWith("pin=")) {
        pin = part.substring(4);
      } else if (part.startsWith("secret=")) {
        secret = part.substring(7);
      } else if (part.startsWith("code=")) {
        try {
          code = Base64.getUrlDecoder().decode(part.substring(5));
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException("the invite code is not valid base64url");
        }
      }
    }
    if (pin == null || code == null) {
      throw new IllegalArgumentException("an invite link needs both pin= and code=");
    }
    return new InviteLink(host, port, pin, code, secret);
  }

  /** The link for a new invite {@code code} to the same server, with the same pin and secret. */
  public static String format(String address, String pin, byte[] code, String secret) {
    return SCHEME
        + address
        + "/#pin="
        + pin
        + "&code="
        + B64.encodeToString(code)
        + "&secret="
        + secret;
  }
}
