package org.safehouse.sdk.internal.crypto;

import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.safehouse.protocol.BlobPadding;

/**
 * AES-256-GCM of one attachment chunk under the file's own fresh key. The nonce is the chunk's
 * index, so chunks cannot be reordered; a key encrypts one file only, so no nonce repeats with
 * different plaintext (re-encrypting a chunk to resume an upload gives the same bytes).
 */
public final class AttachmentCipher {
  public static final int KEY_BYTES = 32;
  private static final SecureRandom RANDOM = new SecureRandom();

  private AttachmentCipher() {}

  public static byte[] newKey() {
    byte[] k = new byte[KEY_BYTES];
    RANDOM.nextBytes(k);
    return k;
  }

  /** Encrypts {@link BlobPadding#PLAIN_CHUNK_BYTES} bytes to {@link BlobPadding#CHUNK_BYTES}. */
  public static byte[] encrypt(byte[] key, long index, byte[] plain) {
    try {
      Cipher c = cipher(Cipher.ENCRYPT_MODE, key, index);
      return c.doFinal(plain, 0, BlobPadding.PLAIN_CHUNK_BYTES);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot encrypt an attachment chunk", e);
    }
  }

  /**
   * Decrypts a chunk.
   *
   * @throws AEADBadTagException if it is not chunk {@code index} under {@code key}
   */
  public static byte[] decrypt(byte[] key, long index, byte[] chunk) throws AEADBadTagException {
    try {
      return cipher(Cipher.DECRYPT_MODE, key, index).doFinal(chunk);
    } catch (AEADBadTagException e) {
      throw e;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot decrypt an attachment chunk", e);
    }
  }

  private static Cipher cipher(int mode, byte[] key, long index) throws GeneralSecurityException {
    byte[] nonce = new byte[12];
    for (int i = 0; i < 8; i++) {
      nonce[4 + i] = (byte) (index >>> (56 - 8 * i));
    }
    Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
    c.init(mode, new SecretKeySpec(key, "AES"), new GCMParameterSpec(128, nonce));
    return c;
  }
}
