package org.safehouse.server.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.embedded.EmbeddedChannel;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.safehouse.server.testing.FakeClock;

/** Per-address caps count an IPv4 address or an IPv6 /64, never a single IPv6 address. */
@Timeout(10)
class AddressGroupTest {
  private static InetAddress ip(String s) throws Exception {
    return InetAddress.getByName(s);
  }

  @Test
  void ipv6AddressesOfOneSlash64AreOneGroupAndIpv4AddressesAreEach() throws Exception {
    assertEquals(
        AddressGroup.of(ip("2001:db8:1:2::1")), AddressGroup.of(ip("2001:db8:1:2:ffff:1:2:3")));
    assertNotEquals(AddressGroup.of(ip("2001:db8:1:2::1")), AddressGroup.of(ip("2001:db8:1:3::1")));
    assertNotEquals(AddressGroup.of(ip("192.0.2.1")), AddressGroup.of(ip("192.0.2.2")));
    // An IPv4-mapped IPv6 address (a dual-stack socket) is its IPv4 address.
    byte[] mapped = new byte[16];
    mapped[10] = (byte) 0xff;
    mapped[11] = (byte) 0xff;
    mapped[12] = (byte) 192;
    mapped[14] = 2;
    mapped[15] = 1;
    assertEquals(
        AddressGroup.of(ip("192.0.2.1")),
        AddressGroup.of(java.net.Inet6Address.getByAddress(null, mapped, -1)));
    assertFalse(AddressGroup.of(ip("2001:db8::1")).toString().contains("2001"));
  }

  @Test
  void signInThrottleHoldsTheWholeSlash64() throws Exception {
    AuthThrottle throttle = new AuthThrottle(new FakeClock());
    for (int i = 0; i < AuthThrottle.MAX_FAILURES; i++) {
      throttle.failed(ip("2001:db8:1:2::" + Integer.toHexString(i + 1)));
    }
    assertFalse(throttle.allowed(ip("2001:db8:1:2:aaaa::9")), "another address of the /64");
    assertTrue(throttle.allowed(ip("2001:db8:1:3::1")), "the neighbouring /64");
    assertTrue(throttle.allowed(ip("192.0.2.1")));
  }

  @Test
  void connectionCapCountsTheSlash64() throws Exception {
    ConnectionLimiter limiter = new ConnectionLimiter(100, 2, 100);
    assertTrue(connect(limiter, "2001:db8:1:2::1").isOpen());
    assertTrue(connect(limiter, "2001:db8:1:2::2").isOpen());
    assertFalse(connect(limiter, "2001:db8:1:2::3").isOpen(), "a third address of the /64");
    assertTrue(connect(limiter, "2001:db8:1:3::1").isOpen());
    assertEquals(2, limiter.addresses());
  }

  @Test
  void unauthenticatedCapIsSeparateAndSignInFreesTheSlot() throws Exception {
    ConnectionLimiter limiter = new ConnectionLimiter(100, 100, 2);
    EmbeddedChannel first = connect(limiter, "192.0.2.1");
    assertTrue(connect(limiter, "192.0.2.2").isOpen());
    assertFalse(connect(limiter, "192.0.2.3").isOpen(), "a third connection not signed in");
    ConnectionLimiter.signedIn(first);
    ConnectionLimiter.signedIn(first); // a second time frees nothing more
    assertEquals(1, limiter.unauthenticated());
    assertTrue(connect(limiter, "192.0.2.4").isOpen());
    assertFalse(connect(limiter, "192.0.2.5").isOpen());
    assertEquals(3, limiter.open());
  }

  /** A connection from {@code address} through {@code limiter}. */
  private static EmbeddedChannel connect(ConnectionLimiter limiter, String address)
      throws Exception {
    InetSocketAddress from = new InetSocketAddress(ip(address), 40000);
    return new EmbeddedChannel(limiter) {
      @Override
      protected SocketAddress remoteAddress0() {
        return from;
      }
    };
  }
}
