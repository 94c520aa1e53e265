package org.safehouse.server.push;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.safehouse.server.Refusal;
import org.safehouse.server.config.PushSettings;

/**
 * A push endpoint must not become a way into the relay's network (SSRF): every refused kind of
 * address is refused before any connection is made, whether it comes as a name or as a literal.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class PushAddressTest {
  private static final String[][] REFUSED = {
    {"127.0.0.1", "loopback"},
    {"127.9.9.9", "loopback"},
    {"::1", "loopback"},
    {"10.1.2.3", "private"},
    {"172.16.0.1", "private"},
    {"192.168.1.1", "private"},
    {"fd00::1", "private (unique local)"},
    {"169.254.169.254", "link-local (cloud metadata)"},
    {"169.254.1.1", "link-local"},
    {"fe80::1", "link-local"},
    {"0.0.0.0", "unspecified"},
    {"::", "unspecified"},
    {"224.0.0.1", "multicast"},
    {"ff02::1", "multicast"},
    {"100.64.0.1", "shared (CGNAT)"},
    {"100.127.255.254", "shared (CGNAT)"},
    {"240.0.0.1", "reserved"},
    {"255.255.255.255", "reserved"},
    {"::ffff:169.254.169.254", "link-local (cloud metadata)"},
    {"::ffff:10.0.0.1", "private"},
    {"::127.0.0.1", "loopback (in an IPv6 form)"},
    {"64:ff9b::a00:1", "private (in an IPv6 form)"},
    {"2002:c0a8:0101::1", "private (in an IPv6 form)"},
  };

  private static InetAddress address(String literal) {
    try {
      return InetAddress.getByName(literal);
    } catch (UnknownHostException e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void everyRefusedKindIsNamed() {
    for (String[] r : REFUSED) {
      assertEquals(r[1], AddressRanges.refusedKind(address(r[0])), r[0]);
    }
  }

  @Test
  void publicAddressesAreCalled() {
    for (String a : new String[] {"93.184.216.34", "1.1.1.1", "100.128.0.1", "2606:4700::1111"}) {
      assertNull(AddressRanges.refusedKind(address(a)), a);
    }
  }

  @Test
  void aNameThatResolvesToARefusedAddressIsNotCalled() throws Exception {
    PushSettings settings = PushSettings.defaults().withTrust(Set.of(), null);
    AtomicInteger lookups = new AtomicInteger();
    for (String[] r : REFUSED) {
      PushSender sender =
          new PushSender(
              settings,
              host -> {
                lookups.incrementAndGet();
                return new InetAddress[] {address(r[0])};
              });
      // A connection attempt to most of these would time out (RETRY) or fail (RETRY): REFUSED
      // means the check came first.
      assertEquals(
          PushSender.Outcome.REFUSED_ADDRESS,
          sender.send(
              URI.create("https://push.example.org/x"), new byte[1], "vapid", Duration.ofHours(1)),
          r[0]);
      PushSender.RefusedAddressException e =
          assertThrows(
              PushSender.RefusedAddressException.class,
              () -> sender.checkedAddress("push.example.org"));
      assertEquals("address is " + r[1], e.getMessage());
    }
    assertEquals(2 * REFUSED.length, lookups.get());
  }

  @Test
  void aNameWithOnePublicAndOnePrivateAddressIsRefused() throws Exception {
    PushSender sender =
        new PushSender(
            PushSettings.defaults(),
            host -> new InetAddress[] {address("93.184.216.34"), address("10.0.0.7")});
    assertThrows(
        PushSender.RefusedAddressException.class, () -> sender.checkedAddress("rebind.example"));
  }

  @Test
  void loopbackIsNeverConnectedToUnlessAllowListed() throws Exception {
    try (ServerSocket listener = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      listener.setSoTimeout(200);
      int port = listener.getLocalPort();
      PushSender sender = new PushSender(PushSettings.defaults());
      for (String host : new String[] {"127.0.0.1", "localhost", "[::ffff:127.0.0.1]"}) {
        assertEquals(
            PushSender.Outcome.REFUSED_ADDRESS,
            sender.send(
                URI.create("https://" + host + ":" + port + "/x"),
                new byte[1],
                "vapid",
                Duration.ofHours(1)),
            host);
      }
      assertThrows(java.net.SocketTimeoutException.class, listener::accept, "no connection came");
    }
  }

  @Test
  void allowListLimitsHostsAndVouchesForTheirAddresses() throws Exception {
    PushSettings settings = PushSettings.defaults().withTrust(Set.of("push.ngo.lan"), null);
    PushSender sender =
        new PushSender(settings, host -> new InetAddress[] {address("192.168.10.5")});
    assertEquals(address("192.168.10.5"), sender.checkedAddress("push.ngo.lan"));
    assertThrows(PushSender.RefusedAddressException.class, () -> sender.checkedAddress("ntfy.sh"));
  }

  @Test
  void literalRefusedAddressesAreRefusedAtRegistration() {
    byte[] p256dh = new byte[65];
    for (String[] r : REFUSED) {
      String host = r[0].contains(":") ? "[" + r[0] + "]" : r[0];
      Refusal e =
          assertThrows(
              Refusal.class,
              () ->
                  PushEndpoint.parse(
                      "https://" + host + "/x", p256dh, new byte[16], PushSettings.defaults()),
              r[0]);
      assertEquals(Refusal.Reason.PUSH_ENDPOINT_INVALID, e.reason(), r[0]);
    }
  }
}
