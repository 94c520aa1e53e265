package org.safehouse.server.store;

import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import org.safehouse.server.account.DeviceAddress;

/**
 * AES-256-GCM of a stored copy under its bucket key. The expiry stays in clear (the reader filters
 * on it and it names the bucket); everything else, sender included, is encrypted.
 *
 * <pre>
 * value   version(1)=1 expiresAt(8) nonce(12) AES-GCM(body) tag(16)
 * body    sender(16) senderDevice(4) msgIdLength(1) msgId ciphertext
 * AAD     version(1) expiresAt(8) recipient account(16) device(4)
 * </pre>
 *
 * The associated data binds a value to its mailbox and its expiry, so a value moved to another
 * mailbox, or given a later expiry, fails to open. It does not bind the seq: the store assigns that
 * on the writer thread, and sealing happens before, on the sender's thread, to keep the writer
 * free; a swap between two seqs of one mailbox would only reorder that recipient's own copies.
 */
final class MessageCipher {
  static final byte VERSION = 1;
  static final int HEADER = 1 + 8;
  private static final int NONCE = 12;
  private static final int TAG = 16;
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final ThreadLocal<Cipher> CIPHER =
      ThreadLocal.withInitial(
          () -> {
            try {
              return Cipher.getInstance("AES/GCM/NoPadding");
            } catch (GeneralSecurityException e) {
              throw new IllegalStateException("this JDK has no AES-GCM", e);
            }
          });

  private MessageCipher() {}

  /** The stored value for {@code body} (see {@link Codec#encodeMessageBody}). */
  static byte[] seal(BucketKeys.Key key, DeviceAddress recipient, long expiresAt, byte[] body) {
    return seal(key, Keys.device(recipient), expiresAt, body);
  }

  /**
   * As {@link #seal(BucketKeys.Key, DeviceAddress, long, byte[])}, bound to {@code binding} in
   * place of a mailbox (attachment blobs bind their id and chunk offset).
   */
  static byte[] seal(BucketKeys.Key key, byte[] binding, long expiresAt, byte[] body) {
    byte[] v = new byte[HEADER + NONCE + body.length + TAG];
    v[0] = VERSION;
    Keys.putLong(v, 1, expiresAt);
    byte[] nonce = new byte[NONCE];
    RANDOM.nextBytes(nonce);
    System.arraycopy(nonce, 0, v, HEADER, NONCE);
    try {
      Cipher c = CIPHER.get();
      c.init(Cipher.ENCRYPT_MODE, key.spec, new GCMParameterSpec(8 * TAG, nonce));
      c.updateAAD(aad(v, binding));
      c.doFinal(body, 0, body.length, v, HEADER + NONCE);
      return v;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot encrypt a copy for storage", e);
    }
  }

  /**
   * The body sealed in {@code v}.
   *
   * @throws AEADBadTagException if {@code v} was not sealed under {@code key} for this mailbox and
   *     expiry, or was changed since
   */
  static byte[] open(BucketKeys.Key key, DeviceAddress recipient, byte[] v)
      throws AEADBadTagException {
    return open(key, Keys.device(recipient), v);
  }

  /** As {@link #open(BucketKeys.Key, DeviceAddress, byte[])}, for a value sealed to a binding. */
  static byte[] open(BucketKeys.Key key, byte[] binding, byte[] v) throws AEADBadTagException {
    if (v.length < HEADER + NONCE + TAG) {
      throw new AEADBadTagException("a sealed copy is too short");
    }
    try {
      Cipher c = CIPHER.get();
      c.init(Cipher.DECRYPT_MODE, key.spec, new GCMParameterSpec(8 * TAG, v, HEADER, NONCE));
      c.updateAAD(aad(v, binding));
      return c.doFinal(v, HEADER + NONCE, v.length - HEADER - NONCE);
    } catch (AEADBadTagException e) {
      throw e;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot decrypt a stored copy", e);
    }
  }

  private static byte[] aad(byte[] v, byte[] binding) {
    byte[] aad = new byte[HEADER + binding.length];
    System.arraycopy(v, 0, aad, 0, HEADER);
    System.arraycopy(binding, 0, aad, HEADER, binding.length);
    return aad;
  }
}
