package org.safehouse.protocol;

/**
 * The sizes an attachment blob may have, so the relay learns a file's size only roughly. A blob is
 * a whole number of chunks of {@link #CHUNK_BYTES}; the number of chunks is 1, 2 or 3, or {@code m
 * * 2^e} with {@code m} in 4..7: four sizes per doubling, each at most 25% above the one before.
 * The sender pads its file (inside the encryption) up to the next such size.
 */
public final class BlobPadding {
  /** Bytes of one chunk of ciphertext, as uploaded and downloaded (one frame each). */
  public static final int CHUNK_BYTES = 48 * 1024;

  /** Bytes of AES-GCM tag per chunk: the plaintext of one chunk is this much smaller. */
  public static final int TAG_BYTES = 16;

  /** Plaintext bytes per chunk. */
  public static final int PLAIN_CHUNK_BYTES = CHUNK_BYTES - TAG_BYTES;

  private BlobPadding() {}

  /** Whether {@code chunks} is an allowed number of chunks. */
  public static boolean allowedChunks(long chunks) {
    if (chunks < 1) {
      return false;
    }
    if (chunks < 4) {
      return true;
    }
    long m = chunks;
    while (m >= 8) {
      if ((m & 1) != 0) {
        return false;
      }
      m >>= 1;
    }
    return m >= 4;
  }

  /** Whether {@code size} bytes is an allowed blob size. */
  public static boolean allowedSize(long size) {
    return size > 0 && size % CHUNK_BYTES == 0 && allowedChunks(size / CHUNK_BYTES);
  }

  /** The fewest allowed chunks that hold {@code plainBytes} bytes of file. */
  public static long chunksFor(long plainBytes) {
    long needed = Math.max(1, (plainBytes + PLAIN_CHUNK_BYTES - 1) / PLAIN_CHUNK_BYTES);
    long n = needed;
    while (!allowedChunks(n)) {
      n++;
    }
    return n;
  }

  /** The smallest allowed blob size of at least {@code bytes} bytes. */
  public static long sizeAtLeast(long bytes) {
    long n = Math.max(1, (bytes + CHUNK_BYTES - 1) / CHUNK_BYTES);
    while (!allowedChunks(n)) {
      n++;
    }
    return n * CHUNK_BYTES;
  }
}
