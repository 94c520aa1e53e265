package org.safehouse.sdk.internal.store;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import javax.crypto.AEADBadTagException;
import org.bouncycastle.crypto.generators.Argon2BytesGenerator;
import org.bouncycastle.crypto.params.Argon2Parameters;
import org.safehouse.sdk.WrongPassphraseException;

/**
 * The key file: the store's random data key, wrapped under an Argon2id key of the passphrase.
 *
 * <pre>
 * +-------+-----+------+------+------+--------+------+-------+--------+---------------------+
 * | "SHK1"| kdf | t    | m KiB| p    | saltLen| salt | nonce | wrapLen| AES-GCM(dataKey)     |
 * | 4     | 1   | 4    | 4    | 4    | 1      | 16   | 12    | 2      | 32 + 16 tag          |
 * +-------+-----+------+------+------+--------+------+-------+--------+---------------------+
 * |&lt;------------------- header: AAD of the wrap ----------------&gt;|
 * followed by the second slot:
 * +-------+--------+---------------------+
 * | nonce | wrapLen| AES-GCM(dataKey)     |   AAD: header + "duress-keep" or "duress-wipe"
 * | 12    | 2      | 32 + 16 tag          |
 * +-------+--------+---------------------+
 * </pre>
 *
 * The header is authenticated, so a file whose parameters were altered does not unlock. The second
 * slot wraps the same data key under the duress passphrase (same salt), or holds random bytes of
 * the same length when no duress passphrase is set: nobody without the duress passphrase can tell
 * which. Files written before the slot existed are read too (then {@code nonce2} is null).
 */
record KeyFile(
    KdfParameters kdf,
    byte[] salt,
    byte[] nonce,
    byte[] wrappedKey,
    byte[] nonce2,
    byte[] wrapped2) {
  /** How a passphrase unlocked the store. */
  enum Unlock {
    NORMAL,
    DURESS_KEEP,
    DURESS_WIPE
  }

  /** The data key and how it was unlocked. */
  record Unlocked(byte[] dataKey, Unlock mode) {}

  private static final byte[] DURESS_KEEP =
      "duress-keep".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
  private static final byte[] DURESS_WIPE =
      "duress-wipe".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
  static final int SALT_BYTES = 16;

  private static final int MAGIC = 0x53484B31; // "SHK1"
  private static final int KDF_ARGON2ID_V13 = 1;

  /** Generates a fresh data key and returns the key file wrapping it; fills {@code dataKeyOut}. */
  static KeyFile wrapNewKey(char[] passphrase, KdfParameters kdf, byte[] dataKeyOut) {
    byte[] dataKey = Aead.randomBytes(Aead.KEY_BYTES);
    byte[] salt = Aead.randomBytes(SALT_BYTES);
    byte[] nonce = Aead.randomBytes(Aead.NONCE_BYTES);
    byte[] header = header(kdf, salt);
    byte[] wrappingKey = deriveWrappingKey(passphrase, kdf, salt);
    try {
      byte[] wrapped = Aead.seal(wrappingKey, nonce, dataKey, header);
      System.arraycopy(dataKey, 0, dataKeyOut, 0, Aead.KEY_BYTES);
      return new KeyFile(kdf, salt, nonce, wrapped, null, null).withEmptyDuressSlot();
    } finally {
      Arrays.fill(wrappingKey, (byte) 0);
      Arrays.fill(dataKey, (byte) 0);
    }
  }

  /**
   * Returns the data key.
   *
   * @throws WrongPassphraseException if the passphrase does not unwrap the key
   */
  byte[] unwrap(char[] passphrase) throws WrongPassphraseException {
    return unlock(passphrase).dataKey();
  }

  /**
   * Returns the data key and which slot the passphrase opened: one key derivation, then each slot.
   *
   * @throws WrongPassphraseException if the passphrase opens neither slot
   */
  Unlocked unlock(char[] passphrase) throws WrongPassphraseException {
    byte[] wrappingKey = deriveWrappingKey(passphrase, kdf, salt);
    byte[] header = header(kdf, salt);
    try {
      try {
        return new Unlocked(Aead.open(wrappingKey, nonce, wrappedKey, header), Unlock.NORMAL);
      } catch (AEADBadTagException e) {
        // not the passphrase: perhaps the duress one
      }
      if (nonce2 != null) {
        for (Unlock mode : new Unlock[] {Unlock.DURESS_KEEP, Unlock.DURESS_WIPE}) {
          try {
            byte[] aad = concat(header, mode == Unlock.DURESS_KEEP ? DURESS_KEEP : DURESS_WIPE);
            return new Unlocked(Aead.open(wrappingKey, nonce2, wrapped2, aad), mode);
          } catch (AEADBadTagException e) {
            // try the other
          }
        }
      }
      throw new WrongPassphraseException(
          "Wrong passphrase: it does not unlock this store (or its key file is damaged)");
    } finally {
      Arrays.fill(wrappingKey, (byte) 0);
    }
  }

  /** This file with the second slot filled with random bytes (no duress passphrase). */
  KeyFile withEmptyDuressSlot() {
    return new KeyFile(
        kdf,
        salt,
        nonce,
        wrappedKey,
        Aead.randomBytes(Aead.NONCE_BYTES),
        Aead.randomBytes(Aead.KEY_BYTES + Aead.TAG_BYTES));
  }

  /** This file with the second slot wrapping {@code dataKey} under {@code duress}. */
  KeyFile withDuressSlot(char[] duress, byte[] dataKey, boolean wipe) {
    byte[] wrappingKey = deriveWrappingKey(duress, kdf, salt);
    try {
      byte[] n = Aead.randomBytes(Aead.NONCE_BYTES);
      byte[] aad = concat(header(kdf, salt), wipe ? DURESS_WIPE : DURESS_KEEP);
      return new KeyFile(kdf, salt, nonce, wrappedKey, n, Aead.seal(wrappingKey, n, dataKey, aad));
    } finally {
      Arrays.fill(wrappingKey, (byte) 0);
    }
  }

  boolean hasSecondSlot() {
    return nonce2 != null;
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] out = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  static KeyFile read(Path file) throws IOException {
    byte[] bytes = Files.readAllBytes(file);
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
      if (in.readInt() != MAGIC) {
        throw new IOException("Not a Safehouse key file (bad magic): " + file);
      }
      int kdfId = in.readUnsignedByte();
      if (kdfId != KDF_ARGON2ID_V13) {
        throw new IOException("Unknown key derivation " + kdfId + " in " + file);
      }
      KdfParameters kdf = new KdfParameters(in.readInt(), in.readInt(), in.readInt());
      byte[] salt = readUpTo(in, in.readUnsignedByte());
      byte[] nonce = readUpTo(in, Aead.NONCE_BYTES);
      byte[] wrapped = readUpTo(in, in.readUnsignedShort());
      byte[] nonce2 = null;
      byte[] wrapped2 = null;
      if (in.available() != 0) {
        nonce2 = readUpTo(in, Aead.NONCE_BYTES);
        wrapped2 = readUpTo(in, in.readUnsignedShort());
      }
      if (salt.length < SALT_BYTES
          || nonce.length != Aead.NONCE_BYTES
          || wrapped.length != Aead.KEY_BYTES + Aead.TAG_BYTES
          || nonce2 != null
              && (nonce2.length != Aead.NONCE_BYTES
                  || wrapped2.length != Aead.KEY_BYTES + Aead.TAG_BYTES)
          || in.available() != 0) {
        throw new IOException("Truncated or malformed key file: " + file);
      }
      return new KeyFile(kdf, salt, nonce, wrapped, nonce2, wrapped2);
    } catch (IllegalArgumentException e) {
      throw new IOException("Malformed key file " + file + ": " + e.getMessage(), e);
    }
  }

  /** As {@code readNBytes} (Java 11, absent on Android 8): up to {@code n} bytes, fewer at EOF. */
  private static byte[] readUpTo(DataInputStream in, int n) throws IOException {
    byte[] bytes = new byte[n];
    int got = 0;
    while (got < n) {
      int r = in.read(bytes, got, n - got);
      if (r < 0) {
        return Arrays.copyOf(bytes, got);
      }
      got += r;
    }
    return bytes;
  }

  byte[] encode() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.write(header(kdf, salt));
      out.write(nonce);
      out.writeShort(wrappedKey.length);
      out.write(wrappedKey);
      if (nonce2 != null) {
        out.write(nonce2);
        out.writeShort(wrapped2.length);
        out.write(wrapped2);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  private static byte[] header(KdfParameters kdf, byte[] salt) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeInt(MAGIC);
      out.writeByte(KDF_ARGON2ID_V13);
      out.writeInt(kdf.iterations());
      out.writeInt(kdf.memoryKiB());
      out.writeInt(kdf.parallelism());
      out.writeByte(salt.length);
      out.write(salt);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  private static byte[] deriveWrappingKey(char[] passphrase, KdfParameters kdf, byte[] salt) {
    Argon2Parameters parameters =
        new Argon2Parameters.Builder(Argon2Parameters.ARGON2_id)
            .withVersion(Argon2Parameters.ARGON2_VERSION_13)
            .withIterations(kdf.iterations())
            .withMemoryAsKB(kdf.memoryKiB())
            .withParallelism(kdf.parallelism())
            .withSalt(salt)
            .build();
    Argon2BytesGenerator generator = new Argon2BytesGenerator();
    generator.init(parameters);
    byte[] key = new byte[Aead.KEY_BYTES];
    generator.generateBytes(passphrase, key);
    return key;
  }
}
