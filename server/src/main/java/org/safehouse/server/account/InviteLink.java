package org.safehouse.server.account;

import java.util.Base64;
import org.safehouse.server.config.HostPort;

/**
 * {@code safehouse://HOST:PORT/#pin=PIN&code=CODE&secret=SECRET}: where the server is, the SHA-256
 * of its public key (SPKI, base64url), a 128-bit one-time code (base64url), and the server's
 * upgrade secret (base64url), without which the server answers like an ordinary web server. The
 * part after {@code #} is a URL fragment, which HTTP clients never send to a server. Parameters it
 * does not know are ignored.
 */
public record InviteLink(HostPort server, String pin, String secret, byte[] code) {
  public static final int CODE_BYTES = 16;
  public static final int SECRET_BYTES = 16;
  private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();
  private static final Base64.Decoder B64D = Base64.getUrlDecoder();

  public InviteLink {
    if (code == null || code.length != CODE_BYTES) {
      throw new IllegalArgumentException("an invite code is " + CODE_BYTES + " bytes");
    }
    if (pin == null || pin.isEmpty()) {
      throw new IllegalArgumentException("an invite needs the server's pin");
    }
    if (!validSecret(secret)) {
      throw new IllegalArgumentException(
          "the secret of an invite link is 16 bytes in base64url without padding");
    }
    code = code.clone();
  }

  private static boolean validSecret(String secret) {
    try {
      return secret != null
          && secret.indexOf('=') < 0
          && B64D.decode(secret).length == SECRET_BYTES
          && B64.encodeToString(B64D.decode(secret)).equals(secret);
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  @Override
  public byte[] code() {
    return code.clone();
  }

  @Override
  public String toString() {
    return "safehouse://"
        + server
        + "/#pin="
        + pin
        + "&code="
        + B64.encodeToString(code)
        + "&secret="
        + secret;
  }

  /**
   * Parses a link as {@link #toString()} writes it.
   *
   * @throws IllegalArgumentException with what is wrong, if it is not such a link
   */
  public static InviteLink parse(String text) {
    String t = text == null ? "" : text.trim();
    String prefix = "safehouse://";
    if (!t.startsWith(prefix)) {
      throw new IllegalArgumentException("an invite link starts with safehouse://");
    }
    int hash = t.indexOf("/#", prefix.length());
    if (hash < 0) {
      throw new IllegalArgumentException("an invite link has /#pin=...&code=... after the address");
    }
    HostPort server = HostPort.parse(t.substring(prefix.length(), hash));
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
          code = B64D.decode(part.substring(5));
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException("the invite code is not valid base64url");
        }
      }
    }
    if (pin == null || code == null) {
      throw new IllegalArgumentException("an invite link needs both pin= and code=");
    }
    if (secret == null) {
      throw new IllegalArgumentException(
          "this invite link has no secret=, so it is from an older server; ask for a new invite");
    }
    return new InviteLink(server, pin, secret, code);
  }
}
