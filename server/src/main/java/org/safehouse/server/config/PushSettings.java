package org.safehouse.server.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * How the relay sends push wake-ups (UnifiedPush / Web Push). Set in the config file with the
 * {@code push.*} keys (see README.md and docs/push.md).
 *
 * @param enabled whether devices may register endpoints and are woken ({@code push.enabled})
 * @param allowedHosts if not empty, the only push hosts the relay calls, and the only ones whose
 *     addresses are not checked against private and local ranges ({@code push.allowed-hosts}, a
 *     comma-separated list of host names)
 * @param trustCert a PEM certificate that the relay trusts, instead of the system's authorities,
 *     for push endpoints ({@code push.trust-cert}); for a private push server or for tests, never
 *     needed for a push server with an ordinary certificate
 * @param minDelay the least delay before a wake-up is sent ({@code push.delay-min})
 * @param maxDelay the most ({@code push.delay-max}); copies queued in between share one wake-up
 * @param ttl how long the push server may hold a wake-up ({@code push.ttl})
 * @param attempts how often a wake-up is tried before it is dropped ({@code push.attempts})
 * @param firstBackoff the wait after the first failed attempt, doubled after each one ({@code
 *     push.backoff})
 * @param timeout connect and read timeout of one attempt ({@code push.timeout})
 */
public record PushSettings(
    boolean enabled,
    Set<String> allowedHosts,
    Optional<Path> trustCert,
    Duration minDelay,
    Duration maxDelay,
    Duration ttl,
    int attempts,
    Duration firstBackoff,
    Duration timeout) {

  public PushSettings {
    Objects.requireNonNull(trustCert, "push.trust-cert");
    allowedHosts =
        Objects.requireNonNull(allowedHosts, "push.allowed-hosts").stream()
            .map(h -> h.trim().toLowerCase(Locale.ROOT))
            .filter(h -> !h.isEmpty())
            .collect(Collectors.toUnmodifiableSet());
    Objects.requireNonNull(minDelay, "push.delay-min");
    Objects.requireNonNull(maxDelay, "push.delay-max");
    if (minDelay.isNegative() || maxDelay.compareTo(minDelay) < 0) {
      throw new IllegalArgumentException(
          "push.delay-min must be zero or more and push.delay-max at least push.delay-min");
    }
    ServerConfig.requirePositive("push.ttl", ttl);
    ServerConfig.requirePositive("push.backoff", firstBackoff);
    ServerConfig.requirePositive("push.timeout", timeout);
    if (attempts < 1 || attempts > 20) {
      throw new IllegalArgumentException("push.attempts must be between 1 and 20");
    }
  }

  /** The defaults: on, any public host, system trust, a 1-4 s delay, 5 attempts. */
  public static PushSettings defaults() {
    return new PushSettings(
        true,
        Set.of(),
        Optional.empty(),
        Duration.ofSeconds(1),
        Duration.ofSeconds(4),
        Duration.ofHours(4),
        5,
        Duration.ofSeconds(5),
        Duration.ofSeconds(5));
  }

  /** Whether {@code host} (lower case) may be called; every host if there is no allow-list. */
  public boolean hostAllowed(String host) {
    return allowedHosts.isEmpty() || allowedHosts.contains(host.toLowerCase(Locale.ROOT));
  }

  /** Whether {@code host} is on the allow-list, so its addresses are not range-checked. */
  public boolean vouchedFor(String host) {
    return allowedHosts.contains(host.toLowerCase(Locale.ROOT));
  }

  /** These settings with other delays (tests make them short). */
  public PushSettings withDelays(Duration min, Duration max) {
    return new PushSettings(
        enabled, allowedHosts, trustCert, min, max, ttl, attempts, firstBackoff, timeout);
  }

  /** These settings with an allow-list and a trusted certificate (tests use a loopback server). */
  public PushSettings withTrust(Set<String> hosts, Path cert) {
    return new PushSettings(
        enabled,
        hosts,
        Optional.ofNullable(cert),
        minDelay,
        maxDelay,
        ttl,
        attempts,
        firstBackoff,
        timeout);
  }

  /** These settings with other retry rules. */
  public PushSettings withRetries(int n, Duration backoff) {
    return new PushSettings(
        enabled, allowedHosts, trustCert, minDelay, maxDelay, ttl, n, backoff, timeout);
  }

  /** These settings switched on or off. */
  public PushSettings withEnabled(boolean on) {
    return new PushSettings(
        on, allowedHosts, trustCert, minDelay, maxDelay, ttl, attempts, firstBackoff, timeout);
  }
}
