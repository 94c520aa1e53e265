package org.safehouse.server.account;

import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;

/** Ed25519 signature checks with the JDK's own implementation, on raw 32-byte public keys. */
public final class Ed25519 {
  // DER SubjectPublicKeyInfo prefix for an Ed25519 key (RFC 8410); the raw key follows.
  private static final byte[] SPKI_PREFIX = {
    0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00
  };

  private Ed25519() {}

  public static boolean isValidPublicKey(byte[] raw) {
    if (raw == null || raw.length != 32) {
      return false;
    }
    try {
      decode(raw);
      return true;
    } catch (GeneralSecurityException | RuntimeException e) {
      return false;
    }
  }

  public static boolean verify(byte[] rawPublicKey, byte[] message, byte[] signature) {
    if (signature == null || signature.length != 64) {
      return false;
    }
    try {
      Signature s = Signature.getInstance("Ed25519");
      s.initVerify(decode(rawPublicKey));
      s.update(message);
      return s.verify(signature);
    } catch (GeneralSecurityException | RuntimeException e) {
      return false;
    }
  }

  /** A fresh valid public key whose private key is thrown away. */
  static byte[] randomPublicKey() {
    try {
      byte[] spki =
          java.security.KeyPairGenerator.getInstance("Ed25519")
              .generateKeyPair()
              .getPublic()
              .getEncoded();
      return java.util.Arrays.copyOfRange(spki, SPKI_PREFIX.length, spki.length);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("Ed25519 is part of every JDK since 15", e);
    }
  }

  private static PublicKey decode(byte[] raw) throws GeneralSecurityException {
    byte[] spki = new byte[SPKI_PREFIX.length + raw.length];
    System.arraycopy(SPKI_PREFIX, 0, spki, 0, SPKI_PREFIX.length);
    System.arraycopy(raw, 0, spki, SPKI_PREFIX.length, raw.length);
    return KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(spki));
  }
}
