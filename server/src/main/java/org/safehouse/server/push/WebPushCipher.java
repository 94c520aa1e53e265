package org.safehouse.server.push;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.security.interfaces.ECPublicKey;
import javax.crypto.Cipher;
import javax.crypto.KeyAgreement;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Message encryption for Web Push (RFC 8291) in the {@code aes128gcm} content coding (RFC 8188),
 * one record, with the JDK's ECDH, HMAC-SHA-256 (HKDF) and AES-128-GCM.
 *
 * <pre>
 * body = salt (16) | rs (4) | idlen (1) = 65 | keyid = server's one-time public key (65)
 *      | AES-128-GCM(CEK, NONCE, plaintext | 0x02 | zero padding) (+16 tag)
 * </pre>
 *
 * A fresh key pair and salt per message, so two wake-ups never look alike.
 */
public final class WebPushCipher {
  /** The record size announced in the header: larger than any record this class writes. */
  static final int RECORD_SIZE = 4096;

  private static final int TAG_BYTES = 16;
  private static final byte[] KEY_INFO = "WebPush: info\0".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] CEK_INFO =
      "Content-Encoding: aes128gcm\0".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] NONCE_INFO =
      "Content-Encoding: nonce\0".getBytes(StandardCharsets.US_ASCII);

  private final SecureRandom random;

  public WebPushCipher(SecureRandom random) {
    this.random = random;
  }

  /** The size of the body {@link #encrypt} makes from a record of {@code recordBytes}. */
  public static int bodyBytes(int recordBytes) {
    return 16 + 4 + 1 + P256.POINT_BYTES + recordBytes + TAG_BYTES;
  }

  /**
   * Encrypts {@code plaintext}, padded with zeros to {@code recordBytes} (which counts the
   * delimiter byte too), to the device's keys.
   *
   * @param uaPublic the device's p256dh key (a valid point)
   * @param authSecret the device's 16-byte auth secret
   */
  public byte[] encrypt(byte[] uaPublic, byte[] authSecret, byte[] plaintext, int recordBytes)
      throws GeneralSecurityException {
    if (plaintext.length + 1 > recordBytes || recordBytes + TAG_BYTES > RECORD_SIZE) {
      throw new IllegalArgumentException("record too small or too large for the plaintext");
    }
    ECPublicKey ua = P256.publicKey(uaPublic);
    KeyPair as = P256.generate(random);
    byte[] asPublic = P256.encode((ECPublicKey) as.getPublic());
    KeyAgreement ka = KeyAgreement.getInstance("ECDH");
    ka.init(as.getPrivate());
    ka.doPhase(ua, true);
    byte[] ecdhSecret = ka.generateSecret();

    byte[] salt = new byte[16];
    random.nextBytes(salt);
    byte[][] keys = deriveKeys(ecdhSecret, authSecret, uaPublic, asPublic, salt);

    byte[] record = new byte[recordBytes];
    System.arraycopy(plaintext, 0, record, 0, plaintext.length);
    record[plaintext.length] = 2; // the last (and only) record
    Cipher gcm = Cipher.getInstance("AES/GCM/NoPadding");
    gcm.init(
        Cipher.ENCRYPT_MODE,
        new SecretKeySpec(keys[0], "AES"),
        new GCMParameterSpec(TAG_BYTES * 8, keys[1]));
    byte[] sealed = gcm.doFinal(record);

    return ByteBuffer.allocate(16 + 4 + 1 + asPublic.length + sealed.length)
        .put(salt)
        .putInt(RECORD_SIZE)
        .put((byte) asPublic.length)
        .put(asPublic)
        .put(sealed)
        .array();
  }

  /**
   * The content encryption key (16 bytes) and nonce (12 bytes) of RFC 8291 section 3.4 and RFC 8188
   * section 2.2; both sides use it.
   */
  public static byte[][] deriveKeys(
      byte[] ecdhSecret, byte[] authSecret, byte[] uaPublic, byte[] asPublic, byte[] salt)
      throws GeneralSecurityException {
    byte[] prkKey = hmac(authSecret, ecdhSecret);
    byte[] keyInfo =
        ByteBuffer.allocate(KEY_INFO.length + uaPublic.length + asPublic.length + 1)
            .put(KEY_INFO)
            .put(uaPublic)
            .put(asPublic)
            .put((byte) 1)
            .array();
    byte[] ikm = hmac(prkKey, keyInfo);
    byte[] prk = hmac(salt, ikm);
    byte[] cek = java.util.Arrays.copyOf(hmac(prk, withOne(CEK_INFO)), 16);
    byte[] nonce = java.util.Arrays.copyOf(hmac(prk, withOne(NONCE_INFO)), 12);
    return new byte[][] {cek, nonce};
  }

  private static byte[] withOne(byte[] info) {
    byte[] out = java.util.Arrays.copyOf(info, info.length + 1);
    out[info.length] = 1;
    return out;
  }

  private static byte[] hmac(byte[] key, byte[] data) throws GeneralSecurityException {
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(key, "HmacSHA256"));
    return mac.doFinal(data);
  }
}
