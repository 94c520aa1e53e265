package org.safehouse.sdk;

import java.net.Proxy;
import java.time.Clock;
import java.util.Objects;

/**
 * How a {@link SafehouseClient} reaches its server and tells the time, given to {@link
 * SafehouseClient#enroll(java.nio.file.Path, char[], String, ClientOptions)} and {@link
 * SafehouseClient#open(java.nio.file.Path, char[], ClientOptions)}. Immutable: each {@code with}
 * method returns a copy.
 *
 * <pre>{@code
 * ClientOptions options =
 *     ClientOptions.defaults()
 *         .withProxy(new Proxy(Proxy.Type.SOCKS, new InetSocketAddress("127.0.0.1", 9050)));
 * }</pre>
 *
 * @param proxy a {@link Proxy.Type#SOCKS} proxy (Tor, Orbot) that carries every connection of the
 *     client and resolves the server's name, so this device never looks it up; {@link
 *     Proxy#NO_PROXY} connects directly
 * @param clock the time for everything the SDK decides by the calendar: when the signed prekey is
 *     rotated, when a seen-mark may be forgotten, the sent time in a text; tests inject a fake one.
 *     Timeouts and reconnect backoff are measured on the monotonic clock, not on this one
 * @param keepHistory whether the client keeps a local history of texts ({@link
 *     SafehouseClient#history}), encrypted in the home folder, each conversation for its retention
 *     (30 days unless set). Off by default: a person in hiding's phone should hold no old messages
 *     if it is seized and unlocked; a caseworker's console turns it on
 */
public record ClientOptions(Proxy proxy, Clock clock, boolean keepHistory) {
  /**
   * Validates the options.
   *
   * @param proxy a SOCKS proxy, or {@link Proxy#NO_PROXY}
   * @param clock the clock the SDK tells the time by
   * @param keepHistory whether texts are kept in the local history
   * @throws NullPointerException if {@code proxy} or {@code clock} is null
   * @throws IllegalArgumentException if {@code proxy} is an HTTP proxy: only SOCKS resolves the
   *     server's name remotely
   */
  public ClientOptions {
    Objects.requireNonNull(proxy, "proxy (use Proxy.NO_PROXY to connect directly)");
    Objects.requireNonNull(clock, "clock");
    if (proxy.type() == Proxy.Type.HTTP) {
      throw new IllegalArgumentException("only a SOCKS proxy is supported, not " + proxy);
    }
  }

  /**
   * Direct connections, the system clock in UTC, and no history.
   *
   * @return the default options
   */
  public static ClientOptions defaults() {
    return new ClientOptions(Proxy.NO_PROXY, Clock.systemUTC(), false);
  }

  /**
   * A copy that connects through {@code proxy}.
   *
   * @param proxy a SOCKS proxy; {@code null} or {@link Proxy#NO_PROXY} connects directly
   * @return the new options
   * @throws IllegalArgumentException if {@code proxy} is an HTTP proxy
   */
  public ClientOptions withProxy(Proxy proxy) {
    return new ClientOptions(proxy == null ? Proxy.NO_PROXY : proxy, clock, keepHistory);
  }

  /**
   * A copy that tells the time by {@code clock}.
   *
   * @param clock the clock to use
   * @return the new options
   * @throws NullPointerException if {@code clock} is null
   */
  public ClientOptions withClock(Clock clock) {
    return new ClientOptions(proxy, clock, keepHistory);
  }

  /**
   * A copy that keeps, or does not keep, a local history of texts.
   *
   * @param keep true to keep texts in {@link SafehouseClient#history} for their conversation's
   *     retention; false (the default) to keep none
   * @return the new options
   */
  public ClientOptions withHistory(boolean keep) {
    return new ClientOptions(proxy, clock, keep);
  }
}
