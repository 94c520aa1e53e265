package org.safehouse.sdk.internal.net;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.Date;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.Test;

class PinTrustManagerTest {
  private final KeyPair rootKey = ecKey();
  private final KeyPair leafKey = ecKey();
  private final X509Certificate root = certificate("CN=root", rootKey, "CN=root", rootKey);
  private final X509Certificate leaf = certificate("CN=leaf", leafKey, "CN=root", rootKey);

  @Test
  void leafWithThePinnedKeyIsTrusted() throws Exception {
    PinTrustManager trust = new PinTrustManager(PinTrustManager.pinOf(leaf));
    trust.checkServerTrusted(new X509Certificate[] {leaf, root}, "ECDHE_ECDSA");
  }

  @Test
  void pinnedKeyAnywhereButTheLeafIsRefused() {
    PinTrustManager trust = new PinTrustManager(PinTrustManager.pinOf(root));
    assertThrows(
        CertificateException.class,
        () -> trust.checkServerTrusted(new X509Certificate[] {leaf, root}, "ECDHE_ECDSA"));
    assertTrue(trust.mismatchSeen());
  }

  @Test
  void emptyChainIsRefused() {
    PinTrustManager trust = new PinTrustManager(PinTrustManager.pinOf(leaf));
    assertThrows(
        CertificateException.class,
        () -> trust.checkServerTrusted(new X509Certificate[0], "ECDHE_ECDSA"));
  }

  private static KeyPair ecKey() {
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
      generator.initialize(256);
      return generator.generateKeyPair();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static X509Certificate certificate(
      String subject, KeyPair subjectKey, String issuer, KeyPair issuerKey) {
    try {
      long now = System.currentTimeMillis();
      var builder =
          new JcaX509v3CertificateBuilder(
              new X500Name(issuer),
              BigInteger.valueOf(now),
              new Date(now - 60_000),
              new Date(now + 86_400_000),
              new X500Name(subject),
              subjectKey.getPublic());
      var signer = new JcaContentSignerBuilder("SHA256withECDSA").build(issuerKey.getPrivate());
      return new JcaX509CertificateConverter().getCertificate(builder.build(signer));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
