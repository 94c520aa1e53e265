package org.safehouse.server.transport;

import java.net.InetAddress;
import java.time.Clock;
import java.util.HashMap;
import java.util.Map;

/**
 * Failed enroll and authenticate attempts per source address, so invite codes and device keys
 * cannot be guessed from one address over many connections (each connection is closed after 3
 * failures anyway). At most {@link #MAX_FAILURES} failures per address in a fixed one-minute
 * window; further attempts from that address are answered {@code RATE_LIMITED} without being
 * checked until the window ends.
 *
 * <p>Counted in memory only: the map is never logged, stored or exposed, and forgets an address a
 * minute after its last window started. Behind a TLS proxy or onion service every connection comes
 * from the proxy's address, so one guesser slows everyone's sign-in for a minute at most.
 */
final class AuthThrottle {
  static final int MAX_FAILURES = 10;
  static final long WINDOW_MILLIS = 60_000;
  // An attacker with this many addresses is not slowed by a per-address count anyway; dropping
  // the map then bounds memory.
  private static final int MAX_ADDRESSES = 65_536;

  private static final class Window {
    long start;
    int failures;
  }

  private final Clock clock;
  private final Map<InetAddress, Window> windows = new HashMap<>();

  AuthThrottle(Clock clock) {
    this.clock = clock;
  }

  /** Whether an attempt from {@code address} may be checked now. Null addresses are never held. */
  synchronized boolean allowed(InetAddress address) {
    if (address == null) {
      return true;
    }
    Window w = windows.get(address);
    return w == null || expired(w, clock.millis()) || w.failures < MAX_FAILURES;
  }

  /** Counts a failed attempt from {@code address}. */
  synchronized void failed(InetAddress address) {
    if (address == null) {
      return;
    }
    long now = clock.millis();
    if (windows.size() >= MAX_ADDRESSES) {
      windows.values().removeIf(w -> expired(w, now));
      if (windows.size() >= MAX_ADDRESSES) {
        windows.clear();
      }
    }
    Window w = windows.computeIfAbsent(address, a -> new Window());
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
