package org.safehouse.server.transport;

/**
 * The in-memory counters every connection of one server shares: failed sign-ins per source address
 * group and sends per account. Never logged, never stored.
 */
record SessionGuards(AuthThrottle throttle, AccountSendLimiter sends) {
  static SessionGuards of(Services services) {
    return new SessionGuards(
        new AuthThrottle(services.clock()),
        new AccountSendLimiter(services.limits().sendsPerAccountPerSecond()));
  }
}
