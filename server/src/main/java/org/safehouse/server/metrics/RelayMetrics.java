package org.safehouse.server.metrics;

/**
 * What the transport and the services report as it happens, for the operator's metrics. Every
 * figure is a server-wide count: nothing here takes an account, a device or an address, so no
 * implementation can label a figure with one. Calls are cheap and never block; {@link #OFF} (the
 * default, when {@code metrics.listen} is not set) does nothing.
 *
 * <p>Figures read at scrape time (connections, queued messages and bytes, store size, sync latency)
 * are not pushed through here: the exporter reads them from their owners.
 */
public interface RelayMetrics {
  /** Reports nothing. */
  RelayMetrics OFF = new RelayMetrics() {};

  /** A send was answered with {@code code} (an {@code ErrorCode} name, {@code OK} when stored). */
  default void sendAnswered(String code) {}

  /** A response carried the error {@code code} (an {@code ErrorCode} name, never {@code OK}). */
  default void errorAnswered(String code) {}

  /** {@code copies} queued copies were pushed to a connected device. */
  default void delivered(int copies) {}

  /** A device acknowledged {@code copies} deliveries. */
  default void acknowledged(int copies) {}

  /** One expiry sweep ended after {@code nanos}, having removed {@code removed} copies. */
  default void sweepRan(long nanos, long removed) {}

  /** One store purge ended after {@code nanos}; {@code compacted} if it compacted anything. */
  default void purgeRan(long nanos, boolean compacted) {}
}
