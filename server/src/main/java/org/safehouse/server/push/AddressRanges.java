package org.safehouse.server.push;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;

/**
 * The addresses a push endpoint may not lead the relay to: anything that is not the public
 * internet. A device chooses its endpoint URL, so without this check it could make the relay call
 * into the relay's own network (SSRF): its loopback, its LAN, the cloud metadata service.
 */
public final class AddressRanges {
  private AddressRanges() {}

  /**
   * Why the relay refuses to call {@code a}, or null if it is a public address. IPv6 forms that
   * embed an IPv4 address (mapped, compatible, NAT64, 6to4) are judged by the embedded address.
   */
  public static String refusedKind(InetAddress a) {
    if (a.isAnyLocalAddress()) {
      return "unspecified";
    }
    if (a.isLoopbackAddress()) {
      return "loopback";
    }
    if (a.isMulticastAddress()) {
      return "multicast";
    }
    if (a.isLinkLocalAddress()) {
      return Arrays.equals(
              a.getAddress(), new byte[] {(byte) 169, (byte) 254, (byte) 169, (byte) 254})
          ? "link-local (cloud metadata)"
          : "link-local";
    }
    if (a.isSiteLocalAddress()) {
      return "private";
    }
    byte[] b = a.getAddress();
    if (a instanceof Inet4Address) {
      return refusedV4(b);
    }
    if (a instanceof Inet6Address) {
      return refusedV6(b);
    }
    return "unknown";
  }

  private static String refusedV4(byte[] b) {
    int o0 = b[0] & 0xff;
    int o1 = b[1] & 0xff;
    if (o0 == 0) {
      return "unspecified";
    }
    if (o0 == 100 && (o1 & 0xc0) == 64) {
      return "shared (CGNAT)";
    }
    if (o0 == 192 && o1 == 0 && (b[2] & 0xff) == 0) {
      return "reserved";
    }
    if (o0 == 198 && (o1 == 18 || o1 == 19)) {
      return "reserved";
    }
    if (o0 >= 240) {
      return "reserved";
    }
    return null;
  }

  private static String refusedV6(byte[] b) {
    if ((b[0] & 0xfe) == 0xfc) {
      return "private (unique local)";
    }
    byte[] embedded = null;
    if (allZero(b, 0, 10) && (b[10] & 0xff) == 0xff && (b[11] & 0xff) == 0xff) {
      embedded = Arrays.copyOfRange(b, 12, 16); // ::ffff:a.b.c.d, IPv4-mapped
    } else if (allZero(b, 0, 12)) {
      embedded = Arrays.copyOfRange(b, 12, 16); // ::a.b.c.d, IPv4-compatible
    } else if (b[0] == 0
        && b[1] == 0x64
        && (b[2] & 0xff) == 0xff
        && (b[3] & 0xff) == 0x9b
        && allZero(b, 4, 12)) {
      embedded = Arrays.copyOfRange(b, 12, 16); // 64:ff9b::/96, NAT64
    } else if (b[0] == 0x20 && b[1] == 0x02) {
      embedded = Arrays.copyOfRange(b, 2, 6); // 2002::/16, 6to4
    }
    if (embedded == null) {
      return null;
    }
    try {
      String kind = refusedKind(InetAddress.getByAddress(embedded));
      return kind == null ? null : kind + " (in an IPv6 form)";
    } catch (UnknownHostException e) {
      return "unknown";
    }
  }

  private static boolean allZero(byte[] b, int from, int to) {
    for (int i = from; i < to; i++) {
      if (b[i] != 0) {
        return false;
      }
    }
    return true;
  }

  /** Whether {@code host} is an IP address written out rather than a name. */
  public static boolean isLiteral(String host) {
    return host.indexOf(':') >= 0 || host.matches("[0-9.]+");
  }

  /** The address a literal host names; no DNS lookup. */
  public static InetAddress literal(String host) throws org.safehouse.server.Refusal {
    try {
      return InetAddress.getByName(host);
    } catch (UnknownHostException e) {
      throw new org.safehouse.server.Refusal(
          org.safehouse.server.Refusal.Reason.PUSH_ENDPOINT_INVALID,
          "the push endpoint's host is not a valid address");
    }
  }
}
