package org.safehouse.sdk.store;

/**
 * Lower-case hexadecimal, as account and message ids are shown. {@code java.util.HexFormat} would
 * do, but it needs Android API 34 and the SDK runs from API 26.
 */
final class Hex {
  private static final char[] DIGITS = "0123456789abcdef".toCharArray();

  private Hex() {}

  static String format(byte[] bytes) {
    char[] out = new char[bytes.length * 2];
    for (int i = 0; i < bytes.length; i++) {
      out[2 * i] = DIGITS[(bytes[i] >> 4) & 0xf];
      out[2 * i + 1] = DIGITS[bytes[i] & 0xf];
    }
    return new String(out);
  }
}
