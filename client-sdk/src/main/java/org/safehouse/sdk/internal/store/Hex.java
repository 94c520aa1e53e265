package org.safehouse.sdk.internal.store;

/**
 * Lower-case hexadecimal, as account and message ids are shown. {@code java.util.HexFormat} would
 * do, but it needs Android API 34 and the SDK runs from API 26.
 */
public final class Hex {
  private static final char[] DIGITS = "0123456789abcdef".toCharArray();

  private Hex() {}

  public static String format(byte[] bytes) {
    char[] out = new char[bytes.length * 2];
    for (int i = 0; i < bytes.length; i++) {
      out[2 * i] = DIGITS[(bytes[i] >> 4) & 0xf];
      out[2 * i + 1] = DIGITS[bytes[i] & 0xf];
    }
    return new String(out);
  }

  /**
   * Parses hex digits of either case, as {@code HexFormat.parseHex} does.
   *
   * @throws IllegalArgumentException for an odd length or a character that is not a hex digit
   */
  public static byte[] parse(CharSequence hex) {
    if (hex.length() % 2 != 0) {
      throw new IllegalArgumentException("hex string of odd length " + hex.length());
    }
    byte[] out = new byte[hex.length() / 2];
    for (int i = 0; i < out.length; i++) {
      out[i] = (byte) ((digit(hex.charAt(2 * i)) << 4) | digit(hex.charAt(2 * i + 1)));
    }
    return out;
  }

  private static int digit(char c) {
    int d = Character.digit(c, 16);
    if (d < 0 || c > 'f') {
      throw new IllegalArgumentException("not a hex digit: '" + c + "'");
    }
    return d;
  }
}
