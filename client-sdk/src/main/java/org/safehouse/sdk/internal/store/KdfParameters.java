package org.safehouse.sdk.internal.store;

/**
 * Argon2id cost parameters for deriving the key-wrapping key from the passphrase. They are stored
 * in the key file with the salt, so they can be raised for new stores without breaking old ones.
 *
 * @param iterations Argon2 time cost t
 * @param memoryKiB Argon2 memory cost m, in KiB
 * @param parallelism Argon2 lanes p
 */
record KdfParameters(int iterations, int memoryKiB, int parallelism) {

  /** What {@link LocalStore#create} uses: t=3, m=64 MiB, p=4. */
  static final KdfParameters DEFAULT = new KdfParameters(3, 65536, 4);

  KdfParameters {
    if (iterations < 1 || iterations > 1_000) {
      throw new IllegalArgumentException("Argon2 iterations must be 1..1000, got " + iterations);
    }
    if (parallelism < 1 || parallelism > 64) {
      throw new IllegalArgumentException("Argon2 parallelism must be 1..64, got " + parallelism);
    }
    if (memoryKiB < 8 * parallelism || memoryKiB > 4 * 1024 * 1024) {
      throw new IllegalArgumentException(
          "Argon2 memory must be 8*parallelism..4 GiB in KiB, got " + memoryKiB + " KiB");
    }
  }
}
