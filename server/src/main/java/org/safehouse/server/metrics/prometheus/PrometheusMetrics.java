package org.safehouse.server.metrics.prometheus;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import org.safehouse.server.metrics.RelayMetrics;

/**
 * {@link RelayMetrics} as Prometheus counters and histograms in their own registry (not the
 * library's global one, so two servers in one JVM never mix). The only label values are error-code
 * names, a fixed set: nothing a caller passes can name an account, a device or an address.
 */
public final class PrometheusMetrics implements RelayMetrics {
  private static final double[] RUN_SECONDS = {
    0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60
  };

  private final PrometheusRegistry registry = new PrometheusRegistry();
  private final Counter sends =
      Counter.builder()
          .name("safehouse_sends")
          .help("Sends answered, by result (OK: stored durably; otherwise the error code)")
          .labelNames("result")
          .register(registry);
  private final Counter errors =
      Counter.builder()
          .name("safehouse_errors")
          .help("Responses that carried an error, by error code")
          .labelNames("code")
          .register(registry);
  private final Counter deliveries =
      Counter.builder()
          .name("safehouse_deliveries")
          .help("Queued copies pushed to connected devices (a redelivery counts again)")
          .register(registry);
  private final Counter acks =
      Counter.builder()
          .name("safehouse_acks")
          .help("Deliveries acknowledged by devices")
          .register(registry);
  private final Counter expired =
      Counter.builder()
          .name("safehouse_sweeper_removed")
          .help("Expired copies removed by the sweeper since the server started")
          .register(registry);
  private final Histogram sweeps =
      Histogram.builder()
          .name("safehouse_sweeper_run_seconds")
          .help("Expiry sweeps: how long each took (its count is the number of sweeps)")
          .classicOnly()
          .classicUpperBounds(RUN_SECONDS)
          .register(registry);
  private final Histogram purges =
      Histogram.builder()
          .name("safehouse_purge_run_seconds")
          .help(
              "Store purges (deleted data leaves the files): how long each took, by whether it"
                  + " compacted or only flushed")
          .classicOnly()
          .classicUpperBounds(RUN_SECONDS)
          .labelNames("compacted")
          .register(registry);

  /**
   * {@code code} if it looks like an error-code name (capitals and underscores, short), else {@code
   * OTHER}: a label value never carries anything a caller did not mean as a code.
   */
  static String codeName(String code) {
    if (code == null || code.isEmpty() || code.length() > 40) {
      return "OTHER";
    }
    for (int i = 0; i < code.length(); i++) {
      char c = code.charAt(i);
      if (!(c >= 'A' && c <= 'Z') && c != '_') {
        return "OTHER";
      }
    }
    return code;
  }

  PrometheusRegistry registry() {
    return registry;
  }

  @Override
  public void sendAnswered(String code) {
    sends.labelValues(codeName(code)).inc();
  }

  @Override
  public void errorAnswered(String code) {
    errors.labelValues(codeName(code)).inc();
  }

  @Override
  public void delivered(int copies) {
    deliveries.inc(copies);
  }

  @Override
  public void acknowledged(int copies) {
    acks.inc(copies);
  }

  @Override
  public void sweepRan(long nanos, long removed) {
    sweeps.observe(nanos / 1e9);
    expired.inc(removed);
  }

  @Override
  public void purgeRan(long nanos, boolean compacted) {
    purges.labelValues(Boolean.toString(compacted)).observe(nanos / 1e9);
  }
}
