package org.safehouse.server.push;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.interfaces.ECPublicKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.concurrent.ConcurrentHashMap;
import org.safehouse.server.transport.PrivateFiles;

/**
 * The server's VAPID key (RFC 8292): a P-256 key pair that signs the JWT each wake-up carries, so a
 * push server can tell this relay's wake-ups from anyone else's. Kept in the data folder ({@value
 * #FILE}, owner-only), created on first start.
 */
public final class VapidKey {
  public static final String FILE = "push-vapid.key";
  private static final Duration TOKEN_LIFE = Duration.ofHours(12);
  private static final Duration TOKEN_REUSE = Duration.ofHours(1);
  private static final int MAX_CACHED = 1024;
  private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();

  private record Token(String header, long reuseUntilMillis) {}

  private final PrivateKey privateKey;
  private final byte[] publicPoint;
  private final Clock clock;
  private final ConcurrentHashMap<String, Token> tokens = new ConcurrentHashMap<>();

  private VapidKey(PrivateKey privateKey, byte[] publicPoint, Clock clock) {
    this.privateKey = privateKey;
    this.publicPoint = publicPoint;
    this.clock = clock;
  }

  /**
   * Reads the key from {@code file}, or creates it (owner-only, synced) if there is none.
   *
   * @throws IOException if the file cannot be read or written, or holds no valid key
   */
  public static VapidKey loadOrCreate(Path file, SecureRandom random, Clock clock)
      throws IOException {
    try {
      KeyFactory kf = KeyFactory.getInstance("EC");
      if (!Files.exists(file)) {
        KeyPair kp = P256.generate(random);
        Base64.Encoder b = Base64.getEncoder();
        PrivateFiles.write(
            file,
            b.encodeToString(kp.getPrivate().getEncoded())
                + "\n"
                + b.encodeToString(kp.getPublic().getEncoded())
                + "\n");
      }
      String[] lines = Files.readString(file, StandardCharsets.US_ASCII).trim().split("\n");
      if (lines.length != 2) {
        throw new IOException("the push key file " + file + " is damaged; delete it to make anew");
      }
      Base64.Decoder d = Base64.getDecoder();
      PrivateKey priv = kf.generatePrivate(new PKCS8EncodedKeySpec(d.decode(lines[0].trim())));
      ECPublicKey pub =
          (ECPublicKey) kf.generatePublic(new X509EncodedKeySpec(d.decode(lines[1].trim())));
      return new VapidKey(priv, P256.encode(pub), clock);
    } catch (GeneralSecurityException | IllegalArgumentException | ClassCastException e) {
      throw new IOException(
          "the push key file " + file + " holds no valid key; delete it to make a new one", e);
    }
  }

  /** The public key as an uncompressed point (65 bytes). */
  public byte[] publicPoint() {
    return publicPoint.clone();
  }

  /**
   * The {@code Authorization} header value for a push service at {@code audience} (its origin,
   * {@code https://host[:port]}): {@code vapid t=JWT, k=KEY}. A token is reused for an hour.
   */
  public String authorization(String audience) throws GeneralSecurityException {
    long now = clock.millis();
    Token t = tokens.get(audience);
    if (t != null && t.reuseUntilMillis() > now) {
      return t.header();
    }
    String header =
        "vapid t="
            + jwt(audience, now / 1000 + TOKEN_LIFE.toSeconds())
            + ", k="
            + B64.encodeToString(publicPoint);
    if (tokens.size() >= MAX_CACHED) {
      tokens.clear();
    }
    tokens.put(audience, new Token(header, now + TOKEN_REUSE.toMillis()));
    return header;
  }

  private String jwt(String audience, long expiresAtSeconds) throws GeneralSecurityException {
    String head =
        B64.encodeToString("{\"typ\":\"JWT\",\"alg\":\"ES256\"}".getBytes(StandardCharsets.UTF_8));
    // No "sub": it would name the operator to every push server. RFC 8292 makes it optional.
    String claims =
        B64.encodeToString(
            ("{\"aud\":\"" + audience + "\",\"exp\":" + expiresAtSeconds + "}")
                .getBytes(StandardCharsets.UTF_8));
    String signingInput = head + "." + claims;
    Signature s = Signature.getInstance("SHA256withECDSAinP1363Format");
    s.initSign(privateKey);
    s.update(signingInput.getBytes(StandardCharsets.US_ASCII));
    return signingInput + "." + B64.encodeToString(s.sign());
  }
}
