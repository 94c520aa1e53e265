package org.safehouse.sdk.internal.net;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.Objects;
import javax.net.ssl.X509TrustManager;

/**
 * Trusts exactly one server key: the one whose SubjectPublicKeyInfo has the SHA-256 {@code pin}
 * (base64url, no padding). Only the leaf certificate ({@code chain[0]}, the one whose key the TLS
 * handshake proves possession of) is checked; certificate authorities, other chain members,
 * validity dates and host names play no part. A chain that carries the pinned key anywhere but in
 * the leaf is refused. Internal to the SDK.
 */
final class PinTrustManager implements X509TrustManager {
  private final String pin;
  private volatile boolean mismatch;

  PinTrustManager(String pin) {
    this.pin = Objects.requireNonNull(pin, "pin");
  }

  /** The pin of a certificate's public key, as invite links carry it. */
  static String pinOf(X509Certificate certificate) {
    try {
      byte[] hash =
          MessageDigest.getInstance("SHA-256").digest(certificate.getPublicKey().getEncoded());
      return Base64.getUrlEncoder().withoutPadding().encodeToString(hash);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JDK", e);
    }
  }

  /** Whether {@code leaf}'s key is the one pinned by {@code pin}, compared in constant time. */
  static boolean matches(X509Certificate leaf, String pin) {
    return MessageDigest.isEqual(
        pinOf(leaf).getBytes(java.nio.charset.StandardCharsets.US_ASCII),
        pin.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
  }

  /** True once a server presented a leaf key other than the pinned one. */
  boolean mismatchSeen() {
    return mismatch;
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType)
      throws CertificateException {
    if (chain == null || chain.length == 0) {
      mismatch = true;
      throw new CertificateException("the server presented no certificate");
    }
    if (!matches(chain[0], pin)) {
      mismatch = true;
      throw new CertificateException("the server's key does not match the pin of the invite");
    }
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType)
      throws CertificateException {
    throw new CertificateException("this trust manager only checks servers");
  }

  @Override
  public X509Certificate[] getAcceptedIssuers() {
    return new X509Certificate[0];
  }
}
