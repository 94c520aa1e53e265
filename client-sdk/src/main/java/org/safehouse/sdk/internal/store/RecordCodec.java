package org.safehouse.sdk.internal.store;

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
 * | version | nonce N | nameLen | AES-GCM(padded name)    | nonce V | AES-GCM(padded value)     |
 * | 2       | 12      | 4       | AAD = "name:" + file id | 12      | AAD = record name (UTF-8) |
 * +---------+---------+---------+-------------------------+---------+---------------------------+
 * padded x = length(x) (4 bytes) || x || zeros, to a bucket
 * </pre>
 *
 * <p>Version 2 pads the name to a multiple of {@value #NAME_BLOCK} bytes and the value to a bucket
 * (512, 1024, 2048, 4096 bytes, then multiples of 4096), so a file's size does not tell a short
 * message from a longer one, or one kind of record from another. Version 1 files (unpadded) are
 * still read; they are rewritten padded when next written.
 */
final class RecordCodec {
  private static final byte VERSION_1 = 1;
  private static final byte VERSION = 2;
  static final int NAME_BLOCK = 128;
  private static final int[] VALUE_BUCKETS = {512, 1024, 2048, 4096};
  private static final int LARGE_BUCKET = 4096;

  private RecordCodec() {}

  static byte[] encode(byte[] recordKey, String fileId, String name, byte[] value) {
    byte[] nameBytes = name.getBytes(StandardCharsets.UTF_8);
    byte[] nameNonce = Aead.randomBytes(Aead.NONCE_BYTES);
    byte[] nameCipher =
        Aead.seal(
            recordKey, nameNonce, pad(nameBytes, blockFor(nameBytes.length)), nameAad(fileId));
    byte[] valueNonce = Aead.randomBytes(Aead.NONCE_BYTES);
    byte[] valueCipher =
        Aead.seal(recordKey, valueNonce, pad(value, bucketFor(value.length)), nameBytes);
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
      byte[] name = Aead.open(recordKey, nameNonce, nameCipher, nameAad(fileId));
      return new String(file[0] == VERSION_1 ? name : unpad(name, fileId), StandardCharsets.UTF_8);
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
      byte[] value =
          Aead.open(recordKey, valueNonce, valueCipher, name.getBytes(StandardCharsets.UTF_8));
      return file[0] == VERSION_1 ? value : unpad(value, fileId);
    } catch (AEADBadTagException e) {
      throw new IOException("Record file " + fileId + " fails authentication (value)");
    }
  }

  private static byte[] nameSection(ByteBuffer in, String fileId) throws IOException {
    if (in.remaining() < 1 + Aead.NONCE_BYTES + 4) {
      throw new IOException("Record file " + fileId + " is truncated");
    }
    byte version = in.get();
    if (version != VERSION && version != VERSION_1) {
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

  /** The padded size of a name of {@code length} bytes: a multiple of {@value #NAME_BLOCK}. */
  static int blockFor(int length) {
    int padded = 4 + length;
    return (padded + NAME_BLOCK - 1) / NAME_BLOCK * NAME_BLOCK;
  }

  /** The padded size of a value of {@code length} bytes: the smallest bucket that holds it. */
  static int bucketFor(int length) {
    int padded = 4 + length;
    for (int bucket : VALUE_BUCKETS) {
      if (padded <= bucket) {
        return bucket;
      }
    }
    return (padded + LARGE_BUCKET - 1) / LARGE_BUCKET * LARGE_BUCKET;
  }

  private static byte[] pad(byte[] bytes, int size) {
    return ByteBuffer.allocate(size).putInt(bytes.length).put(bytes).array();
  }

  private static byte[] unpad(byte[] padded, String fileId) throws IOException {
    ByteBuffer in = ByteBuffer.wrap(padded);
    int length = padded.length < 4 ? -1 : in.getInt();
    if (length < 0 || length > in.remaining()) {
      throw new IOException("Record file " + fileId + " has a bad padded length");
    }
    byte[] out = new byte[length];
    in.get(out);
    return out;
  }

  private static byte[] nameAad(String fileId) {
    return ("name:" + fileId).getBytes(StandardCharsets.UTF_8);
  }
}
