package org.safehouse.server.transport;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;

/**
 * The unit that per-address caps count: an IPv4 address, or the /64 prefix of an IPv6 address. A
 * subscriber is usually given a whole /64 (or more), so counting single IPv6 addresses would let
 * one home rotate through 2^64 of them. An IPv4-mapped IPv6 address counts as its IPv4 address.
 *
 * <p>Kept in memory only, like the counts it keys: never logged, stored or exposed.
 *
 * @param bits the IPv4 address (low 32 bits) or the first 64 bits of the IPv6 address
 * @param ipv6 whether {@code bits} is an IPv6 prefix
 */
record AddressGroup(long bits, boolean ipv6) {

  /** The group of {@code address}, or null for none (a non-IP peer, such as an in-VM channel). */
  static AddressGroup of(InetAddress address) {
    if (address instanceof Inet4Address) {
      return ipv4(address.getAddress(), 0);
    }
    if (address instanceof Inet6Address) {
      byte[] a = address.getAddress();
      if (isIpv4Mapped(a)) {
        return ipv4(a, 12);
      }
      long prefix = 0;
      for (int i = 0; i < 8; i++) {
        prefix = prefix << 8 | (a[i] & 0xff);
      }
      return new AddressGroup(prefix, true);
    }
    return null;
  }

  private static AddressGroup ipv4(byte[] a, int from) {
    long v = 0;
    for (int i = from; i < from + 4; i++) {
      v = v << 8 | (a[i] & 0xff);
    }
    return new AddressGroup(v, false);
  }

  private static boolean isIpv4Mapped(byte[] a) {
    for (int i = 0; i < 10; i++) {
      if (a[i] != 0) {
        return false;
      }
    }
    return (a[10] & 0xff) == 0xff && (a[11] & 0xff) == 0xff;
  }

  // No address in the text: a record's default toString would print the bits.
  @Override
  public String toString() {
    return ipv6 ? "AddressGroup[IPv6 /64]" : "AddressGroup[IPv4]";
  }
}
