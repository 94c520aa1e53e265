package org.safehouse.server.account;

import java.util.Base64;
import org.safehouse.server.config.HostPort;

/**
 * {@code safehouse://HOST:PORT/#pin=PIN&code=CODE}: where the server is, the SHA-256 of its public
 * key (SPKI, base64url), and a 128-bit one-time code (base64url). The part after {@code #} is a URL
 * fragment, which HTTP clients never send to a server.
 */
public record InviteLink(HostPort server, String pin, byte[] code) {
  public static final int CODE_BYTES = 16;
  private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();
  private static final Base64.Decoder B64D = Base64.getUrlDecoder();

  public InviteLink {
    if (code == null || code.length != CODE_BYTES) {
      throw new IllegalArgumentException("an invite code is " + CODE_BYTES + " bytes");
    }
    if (pin == null || pin.isEmpty()) {
      throw new IllegalArgumentException("an invite needs the server's pin");
    }
    code = code.clone();
  }

  @Override
  public byte[] code() {
    return code.clone();
  }

  @Override
  public String toString() {
    return "safehouse://" + server + "/#pin=" + pin + "&code=" + B64.encodeToString(code);
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
    byte[] code = null;
    for (String part : t.substring(hash + 2).split("&")) {
      if (part.startsWith("pin=")) {
        pin = part.substring(4);
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
    return new InviteLink(server, pin, code);
  }
}
