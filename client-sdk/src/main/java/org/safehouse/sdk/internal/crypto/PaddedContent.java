package org.safehouse.sdk.internal.crypto;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import java.security.SecureRandom;
import org.safehouse.protocol.content.Content;

/**
 * Encodes end-to-end {@link Content} padded to a size bucket (256, 512, 1024, 2048, 4096 bytes,
 * then multiples of 4096) with its {@code padding} field, so the ciphertext length tells the server
 * little about the message. Internal to the SDK.
 */
public final class PaddedContent {
  private static final int PADDING_TAG_BYTES = 1; // field 15, length-delimited: one tag byte
  private static final int[] SMALL_BUCKETS = {256, 512, 1024, 2048, 4096};
  private static final int LARGE_BUCKET = 4096;
  private static final SecureRandom RANDOM = new SecureRandom();

  private PaddedContent() {}

  /** The encoded content, with random padding bringing it to exactly a bucket size. */
  public static byte[] encode(Content content) {
    Content bare = content.toBuilder().clearPadding().build();
    int size = bare.getSerializedSize();
    for (int bucket = bucketFor(size); ; bucket = bucketFor(bucket + 1)) {
      if (bucket == size) {
        return bare.toByteArray();
      }
      for (int lengthBytes = 1; lengthBytes <= 5; lengthBytes++) {
        int padding = bucket - size - PADDING_TAG_BYTES - lengthBytes;
        if (padding >= 1 && CodedOutputStream.computeUInt32SizeNoTag(padding) == lengthBytes) {
          byte[] random = new byte[padding];
          RANDOM.nextBytes(random);
          byte[] encoded =
              bare.toBuilder().setPadding(ByteString.copyFrom(random)).build().toByteArray();
          if (encoded.length != bucket) {
            throw new IllegalStateException("padding arithmetic is off: " + encoded.length);
          }
          return encoded;
        }
      }
    }
  }

  /**
   * Parses padded content; the padding is dropped.
   *
   * @throws InvalidProtocolBufferException if the bytes are not a {@code Content}
   */
  public static Content decode(byte[] bytes) throws InvalidProtocolBufferException {
    return Content.parseFrom(bytes).toBuilder().clearPadding().build();
  }

  /** The smallest bucket that holds {@code size} bytes. */
  static int bucketFor(int size) {
    for (int bucket : SMALL_BUCKETS) {
      if (size <= bucket) {
        return bucket;
      }
    }
    return (size + LARGE_BUCKET - 1) / LARGE_BUCKET * LARGE_BUCKET;
  }
}
