package org.safehouse.server.transport;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;

/**
 * The per-server secret that invite links carry and clients present as the upgrade path, {@code "/"
 * + base64url(secret)}: without it a prober gets only what an ordinary web server answers for an
 * unknown path (see {@link HttpRoutes}). 16 random bytes, created on first start and kept
 * owner-only in the data folder next to the TLS key, as one line of base64url without padding.
 */
public final class UpgradeSecret {
  /** The file name in the data folder. */
  public static final String FILE = "upgrade-secret";

  static final int BYTES = 16;
  private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();

  private final String encoded;
  private final byte[] path;

  private UpgradeSecret(String encoded) {
    this.encoded = encoded;
    this.path = ("/" + encoded).getBytes(StandardCharsets.US_ASCII);
  }

  /**
   * The secret as base64url without padding, as invite links carry it.
   *
   * @throws IllegalArgumentException if it is not 16 bytes in base64url
   */
  public static UpgradeSecret of(String encoded) {
    if (!valid(encoded)) {
      throw new IllegalArgumentException(
          "an upgrade secret is " + BYTES + " bytes in base64url without padding");
    }
    return new UpgradeSecret(encoded);
  }

  /** Whether {@code encoded} is a secret as {@link #encoded()} writes it. */
  public static boolean valid(String encoded) {
    if (encoded == null || encoded.length() != 22) {
      return false;
    }
    try {
      return Base64.getUrlDecoder().decode(encoded).length == BYTES
          && B64.encodeToString(Base64.getUrlDecoder().decode(encoded)).equals(encoded);
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  /**
   * Reads the secret from {@code file}, first creating it (owner-only) if it does not exist.
   *
   * @throws IOException with what to do, if it cannot be read, is damaged, or cannot be created
   */
  public static UpgradeSecret loadOrCreate(Path file, SecureRandom random) throws IOException {
    if (!Files.exists(file)) {
      byte[] secret = new byte[BYTES];
      random.nextBytes(secret);
      PrivateFiles.write(file, B64.encodeToString(secret) + "\n");
    }
    String text;
    try {
      text = Files.readString(file, StandardCharsets.US_ASCII).trim();
    } catch (IOException e) {
      throw new IOException("cannot read the upgrade secret " + file + "; check permissions", e);
    }
    if (!valid(text)) {
      throw new IOException(
          "the upgrade secret "
              + file
              + " is damaged; restore it from a backup, or delete it to make a new one (every"
              + " invite link and enrolled device then needs a new invite)");
    }
    return new UpgradeSecret(text);
  }

  /** base64url without padding, as invite links carry it. */
  public String encoded() {
    return encoded;
  }

  /** The only path at which the WebSocket upgrade is accepted. */
  public String path() {
    return "/" + encoded;
  }

  /**
   * Whether {@code uri} is exactly the upgrade path. Its time depends only on the secret's length,
   * never on how much of {@code uri} matches.
   */
  boolean matches(String uri) {
    return MessageDigest.isEqual(path, uri.getBytes(StandardCharsets.ISO_8859_1));
  }

  // Never the secret itself: it would end up in logs.
  @Override
  public String toString() {
    return "UpgradeSecret[hidden]";
  }
}
