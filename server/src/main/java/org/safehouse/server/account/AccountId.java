package org.safehouse.server.account;

import java.security.SecureRandom;
import java.util.Arrays;

/**
 * A random 128-bit account id. It means nothing outside this server. {@link #toString()} never
 * reveals it, so an id cannot reach a log by accident.
 */
public final class AccountId {
  public static final int LENGTH = 16;
  private final byte[] bytes;

  private AccountId(byte[] bytes) {
    this.bytes = bytes;
  }

  /**
   * @throws IllegalArgumentException if {@code bytes} is not 16 bytes long
   */
  public static AccountId of(byte[] bytes) {
    if (bytes == null || bytes.length != LENGTH) {
      throw new IllegalArgumentException(
          "account id must be " + LENGTH + " bytes, was " + (bytes == null ? 0 : bytes.length));
    }
    return new AccountId(bytes.clone());
  }

  public static AccountId random(SecureRandom random) {
    byte[] b = new byte[LENGTH];
    random.nextBytes(b);
    return new AccountId(b);
  }

  public byte[] bytes() {
    return bytes.clone();
  }

  /** Copies the id into {@code dst} at {@code offset}. */
  public void copyTo(byte[] dst, int offset) {
    System.arraycopy(bytes, 0, dst, offset, LENGTH);
  }

  /** 32 lowercase hex characters, for the audit log and admin output only: never for logs. */
  public String hex() {
    return java.util.HexFormat.of().formatHex(bytes);
  }

  /**
   * @throws IllegalArgumentException if {@code hex} is not 32 hex characters
   */
  public static AccountId parse(String hex) {
    String h = hex == null ? "" : hex.trim();
    if (h.length() != 2 * LENGTH) {
      throw new IllegalArgumentException("an account id is 32 hex characters");
    }
    try {
      return new AccountId(java.util.HexFormat.of().parseHex(h));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("an account id is 32 hex characters");
    }
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof AccountId other && Arrays.equals(bytes, other.bytes);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(bytes);
  }

  @Override
  public String toString() {
    return "AccountId[redacted]";
  }
}
