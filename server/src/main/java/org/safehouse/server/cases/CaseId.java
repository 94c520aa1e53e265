package org.safehouse.server.cases;

import java.security.SecureRandom;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * A random 128-bit case id, unrelated to the client's account id. Printed as 32 hex characters by
 * {@link #hex()} for admins and caseworkers; {@link #toString()} never reveals it, so an id cannot
 * reach a log by accident.
 */
public final class CaseId {
  public static final int LENGTH = 16;
  private final byte[] bytes;

  private CaseId(byte[] bytes) {
    this.bytes = bytes;
  }

  /**
   * @throws IllegalArgumentException if {@code bytes} is not 16 bytes long
   */
  public static CaseId of(byte[] bytes) {
    if (bytes == null || bytes.length != LENGTH) {
      throw new IllegalArgumentException(
          "case id must be " + LENGTH + " bytes, was " + (bytes == null ? 0 : bytes.length));
    }
    return new CaseId(bytes.clone());
  }

  /**
   * @throws IllegalArgumentException if {@code hex} is not 32 hex characters
   */
  public static CaseId parse(String hex) {
    String h = hex == null ? "" : hex.trim();
    if (h.length() != 2 * LENGTH) {
      throw new IllegalArgumentException("a case id is 32 hex characters, as 'cases' prints it");
    }
    try {
      return new CaseId(HexFormat.of().parseHex(h));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("a case id is 32 hex characters, as 'cases' prints it");
    }
  }

  public static CaseId random(SecureRandom random) {
    byte[] b = new byte[LENGTH];
    random.nextBytes(b);
    return new CaseId(b);
  }

  public byte[] bytes() {
    return bytes.clone();
  }

  /** 32 lowercase hex characters. */
  public String hex() {
    return HexFormat.of().formatHex(bytes);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof CaseId other && Arrays.equals(bytes, other.bytes);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(bytes);
  }

  @Override
  public String toString() {
    return "CaseId[redacted]";
  }
}
