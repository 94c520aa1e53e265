package org.safehouse.server.config;

import java.time.Duration;

/**
 * Transport limits, all enforced before a frame is parsed.
 *
 * @param maxFrameBytes largest WebSocket frame payload accepted; larger closes the connection
 * @param handshakeTimeout time allowed for the TLS handshake
 * @param upgradeTimeout time allowed from TCP accept to a completed WebSocket upgrade
 * @param idleTimeout a connection that sends nothing (not even a pong) for this long is closed; a
 *     ping is sent after half of it
 * @param requestsPerSecond sustained requests per connection; bursts of twice this are allowed
 * @param maxConnections total open connections; more are closed at accept
 * @param deliveryWindow unacknowledged deliveries in flight per device
 * @param connectionsPerAddress open connections from one source address; more are closed at accept.
 *     Counted in memory only. Behind a TLS proxy or onion service every client has the proxy's
 *     address, so raise it there
 * @param sendsPerAccountPerSecond sustained sends per account, over all its connections; bursts of
 *     twice this are allowed, more get {@code RATE_LIMITED}
 * @param signInTimeout a connection that upgraded but has not enrolled or authenticated this long
 *     after its upgrade is closed; nothing (not even answering pings) extends it
 * @param maxUnauthenticatedConnections open connections not signed in yet (from accept to a
 *     successful enroll or authenticate), over all addresses; more are closed at accept
 */
public record Limits(
    int maxFrameBytes,
    Duration handshakeTimeout,
    Duration upgradeTimeout,
    Duration idleTimeout,
    int requestsPerSecond,
    int maxConnections,
    int deliveryWindow,
    int connectionsPerAddress,
    int sendsPerAccountPerSecond,
    Duration signInTimeout,
    int maxUnauthenticatedConnections) {

  /**
   * Many people share one IPv4 address behind carrier-grade NAT, and a whole IPv6 /64 counts as one
   * address: high enough for the users of one relay behind one carrier's NAT, low enough that one
   * address cannot take a meaningful share of {@code max-connections}.
   */
  public static final int DEFAULT_CONNECTIONS_PER_ADDRESS = 256;

  public static final int DEFAULT_SENDS_PER_ACCOUNT_PER_SECOND = 20;
  public static final Duration DEFAULT_SIGN_IN_TIMEOUT = Duration.ofSeconds(10);

  /**
   * A fifth of the default {@code max-connections}: an honest client is unauthenticated for a few
   * round trips only, so this leaves four fifths of the slots to signed-in devices whatever
   * unauthenticated peers do.
   */
  public static final int DEFAULT_MAX_UNAUTHENTICATED_CONNECTIONS = 2_000;

  /** The limits before the sign-in deadline and cap existed; those take their defaults. */
  public Limits(
      int maxFrameBytes,
      Duration handshakeTimeout,
      Duration upgradeTimeout,
      Duration idleTimeout,
      int requestsPerSecond,
      int maxConnections,
      int deliveryWindow,
      int connectionsPerAddress,
      int sendsPerAccountPerSecond) {
    this(
        maxFrameBytes,
        handshakeTimeout,
        upgradeTimeout,
        idleTimeout,
        requestsPerSecond,
        maxConnections,
        deliveryWindow,
        connectionsPerAddress,
        sendsPerAccountPerSecond,
        DEFAULT_SIGN_IN_TIMEOUT,
        DEFAULT_MAX_UNAUTHENTICATED_CONNECTIONS);
  }

  /** The limits before per-address and per-account caps existed; those take their defaults. */
  public Limits(
      int maxFrameBytes,
      Duration handshakeTimeout,
      Duration upgradeTimeout,
      Duration idleTimeout,
      int requestsPerSecond,
      int maxConnections,
      int deliveryWindow) {
    this(
        maxFrameBytes,
        handshakeTimeout,
        upgradeTimeout,
        idleTimeout,
        requestsPerSecond,
        maxConnections,
        deliveryWindow,
        DEFAULT_CONNECTIONS_PER_ADDRESS,
        DEFAULT_SENDS_PER_ACCOUNT_PER_SECOND,
        DEFAULT_SIGN_IN_TIMEOUT,
        DEFAULT_MAX_UNAUTHENTICATED_CONNECTIONS);
  }

  public Limits {
    if (maxFrameBytes < 1024 || maxFrameBytes > 16 * 1024 * 1024) {
      throw new IllegalArgumentException(
          "limits.max-frame-bytes must be between 1024 and 16777216, was " + maxFrameBytes);
    }
    ServerConfig.requirePositive("limits.handshake-timeout", handshakeTimeout);
    ServerConfig.requirePositive("limits.upgrade-timeout", upgradeTimeout);
    ServerConfig.requirePositive("limits.idle-timeout", idleTimeout);
    if (idleTimeout.toMillis() < 2) {
      throw new IllegalArgumentException("limits.idle-timeout must be at least 2ms");
    }
    if (requestsPerSecond < 1) {
      throw new IllegalArgumentException(
          "limits.requests-per-second must be at least 1, was " + requestsPerSecond);
    }
    if (maxConnections < 1) {
      throw new IllegalArgumentException(
          "limits.max-connections must be at least 1, was " + maxConnections);
    }
    if (deliveryWindow < 1 || deliveryWindow > 10_000) {
      throw new IllegalArgumentException(
          "limits.delivery-window must be between 1 and 10000, was " + deliveryWindow);
    }
    if (connectionsPerAddress < 1) {
      throw new IllegalArgumentException(
          "limits.connections-per-address must be at least 1, was " + connectionsPerAddress);
    }
    if (sendsPerAccountPerSecond < 1) {
      throw new IllegalArgumentException(
          "limits.sends-per-account-per-second must be at least 1, was "
              + sendsPerAccountPerSecond);
    }
    ServerConfig.requirePositive("limits.sign-in-timeout", signInTimeout);
    if (maxUnauthenticatedConnections < 1) {
      throw new IllegalArgumentException(
          "limits.max-unauthenticated-connections must be at least 1, was "
              + maxUnauthenticatedConnections);
    }
  }

  /** These limits with other per-address and per-account caps. */
  public Limits withPerSourceCaps(int connectionsPerAddress, int sendsPerAccountPerSecond) {
    return new Limits(
        maxFrameBytes,
        handshakeTimeout,
        upgradeTimeout,
        idleTimeout,
        requestsPerSecond,
        maxConnections,
        deliveryWindow,
        connectionsPerAddress,
        sendsPerAccountPerSecond,
        signInTimeout,
        maxUnauthenticatedConnections);
  }

  /** These limits with another sign-in deadline and cap on unauthenticated connections. */
  public Limits withSignIn(Duration signInTimeout, int maxUnauthenticatedConnections) {
    return new Limits(
        maxFrameBytes,
        handshakeTimeout,
        upgradeTimeout,
        idleTimeout,
        requestsPerSecond,
        maxConnections,
        deliveryWindow,
        connectionsPerAddress,
        sendsPerAccountPerSecond,
        signInTimeout,
        maxUnauthenticatedConnections);
  }

  public static Limits defaults() {
    return new Limits(
        64 * 1024,
        Duration.ofSeconds(10),
        Duration.ofSeconds(15),
        Duration.ofSeconds(120),
        100,
        10_000,
        64,
        DEFAULT_CONNECTIONS_PER_ADDRESS,
        DEFAULT_SENDS_PER_ACCOUNT_PER_SECOND,
        DEFAULT_SIGN_IN_TIMEOUT,
        DEFAULT_MAX_UNAUTHENTICATED_CONNECTIONS);
  }
}
