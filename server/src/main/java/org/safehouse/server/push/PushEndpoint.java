package org.safehouse.server.push;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import org.safehouse.server.Refusal;
import org.safehouse.server.config.PushSettings;

/**
 * A device's push endpoint: the https URL its UnifiedPush distributor gave it, and the keys its
 * wake-ups are encrypted to (RFC 8291).
 *
 * <pre>
 * stored value: version (1) | p256dh (65) | auth (16) | url (UTF-8, the rest)
 * </pre>
 *
 * @param url an absolute https URL without user info or fragment
 * @param p256dh the device's uncompressed P-256 public key (65 bytes)
 * @param auth the device's 16-byte authentication secret
 */
public record PushEndpoint(URI url, byte[] p256dh, byte[] auth) {
  public static final int MAX_URL_BYTES = 1024;
  public static final int AUTH_BYTES = 16;
  private static final byte VERSION = 1;

  /**
   * Checks what a device sent: a well-formed https URL of at most {@value #MAX_URL_BYTES} bytes
   * whose host the settings allow and is not a literal address of a refused kind, and keys of the
   * right form.
   *
   * @throws Refusal {@code PUSH_ENDPOINT_INVALID} or {@code PUSH_KEYS_INVALID}
   */
  public static PushEndpoint parse(String url, byte[] p256dh, byte[] auth, PushSettings settings)
      throws Refusal {
    if (url.getBytes(StandardCharsets.UTF_8).length > MAX_URL_BYTES) {
      throw invalid("the push endpoint must be at most " + MAX_URL_BYTES + " bytes");
    }
    URI u;
    try {
      u = new URI(url);
    } catch (URISyntaxException e) {
      throw invalid("the push endpoint is not a URL");
    }
    if (!"https".equalsIgnoreCase(u.getScheme())
        || u.getHost() == null
        || u.getRawUserInfo() != null
        || u.getRawFragment() != null
        || u.getPort() == 0
        || u.getPort() > 65535) {
      throw invalid("the push endpoint must be an https URL with a host and no user info");
    }
    String host = hostOf(u);
    if (!settings.hostAllowed(host)) {
      throw invalid("this server calls only the push hosts its operator allows");
    }
    if (!settings.vouchedFor(host) && AddressRanges.isLiteral(host)) {
      String kind = AddressRanges.refusedKind(AddressRanges.literal(host));
      if (kind != null) {
        throw invalid("the push endpoint's address is " + kind + "; the server does not call it");
      }
    }
    if (auth.length != AUTH_BYTES || !P256.isPoint(p256dh)) {
      throw new Refusal(
          Refusal.Reason.PUSH_KEYS_INVALID,
          "p256dh must be an uncompressed P-256 point (65 bytes) and auth 16 bytes");
    }
    return new PushEndpoint(u, p256dh.clone(), auth.clone());
  }

  /** The host as written in the URL, lower case, without the brackets of an IPv6 literal. */
  static String hostOf(URI u) {
    String h = u.getHost().toLowerCase(Locale.ROOT);
    return h.startsWith("[") && h.endsWith("]") ? h.substring(1, h.length() - 1) : h;
  }

  static int portOf(URI u) {
    return u.getPort() == -1 ? 443 : u.getPort();
  }

  private static Refusal invalid(String message) {
    return new Refusal(Refusal.Reason.PUSH_ENDPOINT_INVALID, message);
  }

  /** The stored form. */
  public byte[] encode() {
    byte[] u = url.toString().getBytes(StandardCharsets.UTF_8);
    return ByteBuffer.allocate(1 + P256.POINT_BYTES + AUTH_BYTES + u.length)
        .put(VERSION)
        .put(p256dh)
        .put(auth)
        .put(u)
        .array();
  }

  /** Reads the stored form. */
  public static PushEndpoint decode(byte[] v) {
    if (v.length < 1 + P256.POINT_BYTES + AUTH_BYTES || v[0] != VERSION) {
      throw new IllegalArgumentException("not a stored push endpoint");
    }
    ByteBuffer b = ByteBuffer.wrap(v, 1, v.length - 1);
    byte[] key = new byte[P256.POINT_BYTES];
    byte[] secret = new byte[AUTH_BYTES];
    b.get(key).get(secret);
    byte[] u = new byte[b.remaining()];
    b.get(u);
    return new PushEndpoint(URI.create(new String(u, StandardCharsets.UTF_8)), key, secret);
  }

  @Override
  public String toString() {
    // Never the URL: it names the device to its push server.
    return "PushEndpoint[...]";
  }
}
