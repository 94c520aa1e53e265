package org.safehouse.server.config;

import java.util.Optional;

/**
 * Where the Prometheus metrics are served, if anywhere. Off by default; an address that is not
 * loopback is refused at start unless {@code allowNonLoopback} says the operator means it (the
 * endpoint has no authentication and no TLS).
 *
 * @param listen {@code metrics.listen}: HOST:PORT of the metrics HTTP endpoint, or empty for none
 * @param allowNonLoopback {@code metrics.allow-non-loopback}: serve on an address other machines
 *     can reach
 */
public record MetricsSettings(Optional<HostPort> listen, boolean allowNonLoopback) {
  public static final MetricsSettings OFF = new MetricsSettings(Optional.empty(), false);

  public MetricsSettings {
    java.util.Objects.requireNonNull(listen, "metrics.listen");
  }

  public boolean enabled() {
    return listen.isPresent();
  }
}
