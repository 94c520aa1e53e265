package org.safehouse.server.testing;

import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.AlgorithmParameters;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECParameterSpec;
import java.security.spec.ECPoint;
import java.security.spec.ECPublicKeySpec;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Arrays;
import java.util.Base64;
import javax.crypto.Cipher;
import javax.crypto.KeyAgreement;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * The receiving side of Web Push, written for tests from RFC 8291 and RFC 8188 (not sharing the
 * relay's code): a device's push keys, the decryption of an {@code aes128gcm} body, and the check
 * of a VAPID {@code Authorization} header (RFC 8292).
 */
public final class WebPushReceiver {
  private final PrivateKey privateKey;
  private final byte[] publicPoint;
  private final byte[] auth;

  public WebPushReceiver(PrivateKey privateKey, byte[] publicPoint, byte[] auth) {
    this.privateKey = privateKey;
    this.publicPoint = publicPoint.clone();
    this.auth = auth.clone();
  }

  /** From a PKCS#8 private key, as an app's distributor holds it. */
  public static WebPushReceiver of(byte[] pkcs8, byte[] publicPoint, byte[] auth) throws Exception {
    return new WebPushReceiver(
        KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(pkcs8)),
        publicPoint,
        auth);
  }

  /** New keys, as a device makes them. */
  public static WebPushReceiver generate() throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(new ECGenParameterSpec("secp256r1"));
    KeyPair kp = g.generateKeyPair();
    byte[] secret = new byte[16];
    new SecureRandom().nextBytes(secret);
    return new WebPushReceiver(kp.getPrivate(), point((ECPublicKey) kp.getPublic()), secret);
  }

  public byte[] p256dh() {
    return publicPoint.clone();
  }

  public byte[] auth() {
    return auth.clone();
  }

  /**
   * Decrypts a one-record {@code aes128gcm} body.
   *
   * @return the plaintext, padding and delimiter removed
   * @throws Exception if it does not decrypt (wrong key, tampered) or is malformed
   */
  public byte[] decrypt(byte[] body) throws Exception {
    ByteBuffer b = ByteBuffer.wrap(body);
    byte[] salt = new byte[16];
    b.get(salt);
    int rs = b.getInt();
    int idlen = b.get() & 0xff;
    byte[] asPublic = new byte[idlen];
    b.get(asPublic);
    byte[] ciphertext = new byte[b.remaining()];
    b.get(ciphertext);
    if (ciphertext.length > rs) {
      throw new IllegalArgumentException("more than one record");
    }
    KeyAgreement ka = KeyAgreement.getInstance("ECDH");
    ka.init(privateKey);
    ka.doPhase(publicKey(asPublic), true);
    byte[] ecdh = ka.generateSecret();
    byte[] prkKey = hkdfExtract(auth, ecdh);
    byte[] info =
        concat("WebPush: info\0".getBytes(StandardCharsets.US_ASCII), publicPoint, asPublic);
    byte[] ikm = hkdfExpand(prkKey, info, 32);
    byte[] prk = hkdfExtract(salt, ikm);
    byte[] cek =
        hkdfExpand(prk, "Content-Encoding: aes128gcm\0".getBytes(StandardCharsets.US_ASCII), 16);
    byte[] nonce =
        hkdfExpand(prk, "Content-Encoding: nonce\0".getBytes(StandardCharsets.US_ASCII), 12);
    Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
    c.init(Cipher.DECRYPT_MODE, new SecretKeySpec(cek, "AES"), new GCMParameterSpec(128, nonce));
    byte[] record = c.doFinal(ciphertext);
    int end = record.length - 1;
    while (end >= 0 && record[end] == 0) {
      end--;
    }
    if (end < 0 || record[end] != 2) {
      throw new IllegalArgumentException("no last-record delimiter");
    }
    return Arrays.copyOf(record, end);
  }

  /**
   * Checks a VAPID header: {@code vapid t=JWT, k=KEY}, the JWT signed (ES256) by KEY, for {@code
   * audience}, not expired at {@code nowSeconds}.
   *
   * @return the key (k), base64url
   */
  public static String verifyVapid(String header, String audience, long nowSeconds)
      throws Exception {
    if (header == null || !header.startsWith("vapid ")) {
      throw new AssertionError("not a vapid header: " + header);
    }
    String t = null;
    String k = null;
    for (String part : header.substring(6).split(",")) {
      String p = part.trim();
      if (p.startsWith("t=")) {
        t = p.substring(2);
      } else if (p.startsWith("k=")) {
        k = p.substring(2);
      }
    }
    String[] jwt = t.split("\\.");
    Base64.Decoder d = Base64.getUrlDecoder();
    Signature s = Signature.getInstance("SHA256withECDSAinP1363Format");
    s.initVerify(publicKey(d.decode(k)));
    s.update((jwt[0] + "." + jwt[1]).getBytes(StandardCharsets.US_ASCII));
    if (!s.verify(d.decode(jwt[2]))) {
      throw new AssertionError("the VAPID signature does not verify");
    }
    String head = new String(d.decode(jwt[0]), StandardCharsets.UTF_8);
    String claims = new String(d.decode(jwt[1]), StandardCharsets.UTF_8);
    if (!head.contains("\"ES256\"")) {
      throw new AssertionError("not ES256: " + head);
    }
    if (!claims.contains("\"aud\":\"" + audience + "\"")) {
      throw new AssertionError("audience is not " + audience + ": " + claims);
    }
    long exp = Long.parseLong(claims.replaceAll(".*\"exp\":(\\d+).*", "$1"));
    if (exp <= nowSeconds || exp > nowSeconds + 24 * 3600) {
      throw new AssertionError("exp out of range: " + claims);
    }
    return k;
  }

  private static byte[] hkdfExtract(byte[] salt, byte[] ikm) throws Exception {
    Mac m = Mac.getInstance("HmacSHA256");
    m.init(new SecretKeySpec(salt, "HmacSHA256"));
    return m.doFinal(ikm);
  }

  private static byte[] hkdfExpand(byte[] prk, byte[] info, int length) throws Exception {
    Mac m = Mac.getInstance("HmacSHA256");
    m.init(new SecretKeySpec(prk, "HmacSHA256"));
    m.update(info);
    m.update((byte) 1);
    return Arrays.copyOf(m.doFinal(), length);
  }

  private static byte[] concat(byte[]... parts) {
    int n = 0;
    for (byte[] p : parts) {
      n += p.length;
    }
    ByteBuffer b = ByteBuffer.allocate(n);
    for (byte[] p : parts) {
      b.put(p);
    }
    return b.array();
  }

  static byte[] point(ECPublicKey k) {
    byte[] out = new byte[65];
    out[0] = 4;
    put(k.getW().getAffineX(), out, 1);
    put(k.getW().getAffineY(), out, 33);
    return out;
  }

  private static void put(BigInteger v, byte[] out, int at) {
    byte[] b = v.toByteArray();
    int n = Math.min(32, b.length);
    System.arraycopy(b, b.length - n, out, at + 32 - n, n);
  }

  private static PublicKey publicKey(byte[] point) throws Exception {
    AlgorithmParameters a = AlgorithmParameters.getInstance("EC");
    a.init(new ECGenParameterSpec("secp256r1"));
    ECParameterSpec spec = a.getParameterSpec(ECParameterSpec.class);
    ECPoint w =
        new ECPoint(
            new BigInteger(1, Arrays.copyOfRange(point, 1, 33)),
            new BigInteger(1, Arrays.copyOfRange(point, 33, 65)));
    return KeyFactory.getInstance("EC").generatePublic(new ECPublicKeySpec(w, spec));
  }
}
