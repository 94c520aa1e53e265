package org.safehouse.sdk.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import javax.crypto.AEADBadTagException;

/**
 * One record file. The name is kept (encrypted) in the file so the store can list names; it is
 * bound to the file's own id, and the value is bound to the name.
 *
 * <pre>
 * +---------+---------+---------+-------------------------+---------+---------------------------+
 * | version | nonce N | nameLen | AES-GCM(name)           | nonce V | AES-GCM(value)            |
 * | 1       | 12      | 4       | AAD = "name:" + file id | 12      | AAD = record name (UTF-8) |
 * +---------+---------+---------+-------------------------+---------+---------------------------+
 * </pre>
 */
final class RecordCodec {
  private static final byte VERSION = 1;

  private RecordCodec() {}

  static byte[] encode(byte[] recordKey, String fileId, String name, byte[] value) {
    byte[] nameBytes = name.getBytes(StandardCharsets.UTF_8);
    byte[] nameNonce = Aead.randomBytes(Aead.NONCE_BYTES);
    byte[] nameCipher = Aead.seal(recordKey, nameNonce, nameBytes, nameAad(fileId));
    byte[] valueNonce = Aead.randomBytes(Aead.NONCE_BYTES);
    byte[] valueCipher = Aead.seal(recordKey, valueNonce, value, nameBytes);
    return ByteBuffer.allocate(
            1 + Aead.NONCE_BYTES + 4 + nameCipher.length + Aead.NONCE_BYTES + valueCipher.length)
        .put(VERSION)
        .put(nameNonce)
        .putInt(nameCipher.length)
        .put(nameCipher)
        .put(valueNonce)
        .put(valueCipher)
        .array();
  }

  /**
   * @throws IOException if the file is malformed or fails authentication
   */
  static String decodeName(byte[] recordKey, String fileId, byte[] file) throws IOException {
    ByteBuffer in = ByteBuffer.wrap(file);
    byte[] nameCipher = nameSection(in, fileId);
    byte[] nameNonce = new byte[Aead.NONCE_BYTES];
    ByteBuffer.wrap(file, 1, Aead.NONCE_BYTES).get(nameNonce);
    try {
      return new String(
          Aead.open(recordKey, nameNonce, nameCipher, nameAad(fileId)), StandardCharsets.UTF_8);
    } catch (AEADBadTagException e) {
      throw new IOException("Record file " + fileId + " fails authentication (name)");
    }
  }

  /**
   * @throws IOException if the file is malformed or fails authentication
   */
  static byte[] decodeValue(byte[] recordKey, String fileId, String name, byte[] file)
      throws IOException {
    ByteBuffer in = ByteBuffer.wrap(file);
    nameSection(in, fileId);
    if (in.remaining() < Aead.NONCE_BYTES + Aead.TAG_BYTES) {
      throw new IOException("Record file " + fileId + " is truncated");
    }
    byte[] valueNonce = new byte[Aead.NONCE_BYTES];
    in.get(valueNonce);
    byte[] valueCipher = new byte[in.remaining()];
    in.get(valueCipher);
    try {
      return Aead.open(recordKey, valueNonce, valueCipher, name.getBytes(StandardCharsets.UTF_8));
    } catch (AEADBadTagException e) {
      throw new IOException("Record file " + fileId + " fails authentication (value)");
    }
  }

  private static byte[] nameSection(ByteBuffer in, String fileId) throws IOException {
    if (in.remaining() < 1 + Aead.NONCE_BYTES + 4 || in.get() != VERSION) {
      throw new IOException("Record file " + fileId + " is truncated or of an unknown version");
    }
    // Through Buffer: ByteBuffer.position(int) is Java 9+ (absent on Android 8).
    ((java.nio.Buffer) in).position(in.position() + Aead.NONCE_BYTES);
    int length = in.getInt();
    if (length < Aead.TAG_BYTES || length > in.remaining()) {
      throw new IOException("Record file " + fileId + " has a bad name length");
    }
    byte[] nameCipher = new byte[length];
    in.get(nameCipher);
    return nameCipher;
  }

  private static byte[] nameAad(String fileId) {
    return ("name:" + fileId).getBytes(StandardCharsets.UTF_8);
  }
}
