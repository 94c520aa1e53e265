package org.safehouse.server.logging;

import java.util.regex.Pattern;

/**
 * Removes network addresses from log text. Our own code never logs an address, an id or message
 * data; this is the second line, for third-party libraries (Netty prints a channel as {@code [id:
 * 0x.., L:/10.0.0.1:7443 - R:/192.0.2.7:51234]}) whose lines the shipped configuration lets
 * through.
 */
public final class Redaction {
  static final String REPLACEMENT = "[address]";
  private static final Pattern IPV4 =
      Pattern.compile("(?<![\\d.])(?:\\d{1,3}\\.){3}\\d{1,3}(?![\\d.])");
  // Two or more colon-separated hex groups, including :: forms and zone ids (fe80::1%eth0).
  private static final Pattern IPV6 =
      Pattern.compile(
          "(?i)(?<![0-9a-z:])(?:[0-9a-f]{0,4}:){2,7}[0-9a-f]{0,4}(?:%[0-9a-z]+)?(?![0-9a-z:])");

  private Redaction() {}

  /** The text with every IPv4 and IPv6 address replaced by {@code [address]}. */
  public static String redact(String text) {
    if (text == null || text.isEmpty()) {
      return text;
    }
    return IPV6.matcher(IPV4.matcher(text).replaceAll(REPLACEMENT)).replaceAll(REPLACEMENT);
  }
}
