package org.safehouse.server.transport;

import java.net.InetAddress;
import java.time.Clock;
import java.util.HashMap;
import java.util.Map;

/**
 * Failed enroll and authenticate attempts per source {@link AddressGroup} (an IPv4 address or an
 * IPv6 /64), so invite codes and device keys cannot be guessed from one address over many
 * connections (each connection is closed after 3 failures anyway). At most {@link #MAX_FAILURES}
 * failures per group in a fixed one-minute window; further attempts from that group are answered
 * {@code RATE_LIMITED} without being checked until the window ends.
 *
 * <p>Sized for carrier-grade NAT, where hundreds of people share one IPv4 address: the codes and
 * keys are 128-bit and unguessable anyway, so the throttle only has to make guessing pointless, not
 * lock out the neighbours of a guesser. 100 failures a minute is far above what honest devices
 * behind one address produce (a revoked device retrying fails about twice a minute).
 *
 * <p>Counted in memory only: the map is never logged, stored or exposed, and forgets a group a
 * minute after its last window started. Behind a TLS proxy or onion service every connection comes
 * from the proxy's address, so one guesser slows everyone's sign-in for a minute at most.
 */
final class AuthThrottle {
  static final int MAX_FAILURES = 100;
  static final long WINDOW_MILLIS = 60_000;
  // An attacker with this many addresses is not slowed by a per-address count anyway; dropping
  // the map then bounds memory.
  private static final int MAX_ADDRESSES = 65_536;

  private static final class Window {
    long start;
    int failures;
  }

  private final Clock clock;
  private final Map<AddressGroup, Window> windows = new HashMap<>();

  AuthThrottle(Clock clock) {
    this.clock = clock;
  }

  /** Whether an attempt from {@code address} may be checked now. Null addresses are never held. */
  synchronized boolean allowed(InetAddress address) {
    AddressGroup group = AddressGroup.of(address);
    if (group == null) {
      return true;
    }
    Window w = windows.get(group);
    return w == null || expired(w, clock.millis()) || w.failures < MAX_FAILURES;
  }

  /** Counts a failed attempt from {@code address}. */
  synchronized void failed(InetAddress address) {
    AddressGroup group = AddressGroup.of(address);
    if (group == null) {
      return;
    }
    long now = clock.millis();
    if (windows.size() >= MAX_ADDRESSES) {
      windows.values().removeIf(w -> expired(w, now));
      if (windows.size() >= MAX_ADDRESSES) {
        windows.clear();
      }
    }
    Window w = windows.computeIfAbsent(group, a -> new Window());
    if (w.failures == 0 || expired(w, now)) {
      w.start = now;
      w.failures = 0;
    }
    w.failures++;
  }

  private static boolean expired(Window w, long now) {
    return now - w.start >= WINDOW_MILLIS;
  }
}
