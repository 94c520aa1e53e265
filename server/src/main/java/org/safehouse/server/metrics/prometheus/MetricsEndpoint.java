package org.safehouse.server.metrics.prometheus;

import com.sun.net.httpserver.HttpExchange;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.ClassicHistogramBuckets;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.safehouse.server.config.HostPort;
import org.safehouse.server.config.MetricsSettings;
import org.safehouse.server.store.RelayStore;
import org.safehouse.server.store.StoreFigures;
import org.safehouse.server.store.WriterStats;
import org.safehouse.server.transport.RelayServer;

/**
 * The metrics HTTP endpoint ({@code metrics.listen}): {@code GET /metrics} in the Prometheus text
 * format, {@code GET /healthz} 200 when the store takes writes and the relay listens, else 503.
 * Every other path is 404. Served by the Prometheus client's own server (the JDK's HttpServer), not
 * by the relay's Netty: it never shares a port, a thread or a limit with clients.
 *
 * <p>Refuses to start on an address that is not loopback unless {@code metrics.allow-non-loopback}
 * is set: the endpoint has no authentication and no TLS.
 */
public final class MetricsEndpoint implements AutoCloseable {
  /**
   * What the endpoint reads at scrape time, each a server-wide figure.
   *
   * @param connectionsOpen every open relay connection
   * @param connectionsUnauthenticated open connections not signed in yet
   * @param queuedMessages copies waiting in every mailbox
   * @param queuedBytes bytes (encrypted) waiting in every mailbox
   * @param storeBytes bytes of every file of the store
   * @param writer the store writer's timings
   * @param healthy whether the store takes writes and the relay listens
   */
  public record Readings(
      LongSupplier connectionsOpen,
      LongSupplier connectionsUnauthenticated,
      LongSupplier queuedMessages,
      Reading queuedBytes,
      Reading storeBytes,
      Supplier<WriterStats.Snapshot> writer,
      BooleanSupplier healthy) {}

  /** A figure whose reading can fail (the store is closing): then it is left out of the scrape. */
  @FunctionalInterface
  public interface Reading {
    long read() throws IOException;
  }

  // Bucket i of WriterStats counts [2^(i-1), 2^i) microseconds; these are the ones kept as
  // upper bounds (64 us to about 1 s); everything above falls into +Inf.
  private static final int FIRST_BOUND = 6;
  private static final int LAST_BOUND = 20;

  private final HTTPServer server;

  private MetricsEndpoint(HTTPServer server) {
    this.server = server;
  }

  /**
   * Starts serving {@code metrics} and {@code readings} on {@code settings.listen()}.
   *
   * @throws IOException with a one-line explanation: the address is not loopback (and not allowed
   *     to be), cannot be resolved, or cannot be bound
   */
  public static MetricsEndpoint start(
      MetricsSettings settings, PrometheusMetrics metrics, Readings readings) throws IOException {
    HostPort at = settings.listen().orElseThrow();
    InetAddress address = address(at, settings.allowNonLoopback());
    PrometheusRegistry registry = metrics.registry();
    register(registry, readings);
    try {
      HTTPServer server =
          HTTPServer.builder()
              .inetAddress(address)
              .port(at.port())
              .registry(registry)
              .metricsHandlerPath("/metrics")
              .registerHealthHandler(false)
              .defaultHandler(exchange -> other(exchange, readings.healthy()))
              .buildAndStart();
      return new MetricsEndpoint(server);
    } catch (IOException e) {
      throw new IOException(
          "cannot serve metrics on "
              + at
              + " ("
              + e.getMessage()
              + "); choose another metrics.listen",
          e);
    }
  }

  /** Starts serving the figures of a running relay: its connections and its store. */
  public static MetricsEndpoint startFor(
      MetricsSettings settings, PrometheusMetrics metrics, RelayStore store, RelayServer relay)
      throws IOException {
    StoreFigures figures = new StoreFigures(store);
    return start(
        settings,
        metrics,
        new Readings(
            relay::openConnections,
            relay::unauthenticatedConnections,
            figures::queuedMessages,
            figures::queuedBytes,
            figures::bytesOnDisk,
            () -> store.writerStats().snapshot(),
            () -> relay.listening() && figures.writable(2_000)));
  }

  private static InetAddress address(HostPort at, boolean allowNonLoopback) throws IOException {
    InetAddress address;
    try {
      address = InetAddress.getByName(at.host());
    } catch (UnknownHostException e) {
      throw new IOException("metrics.listen " + at + ": unknown host", e);
    }
    if (!address.isLoopbackAddress() && !allowNonLoopback) {
      throw new IOException(
          "metrics.listen "
              + at
              + " is not a loopback address: metrics are served without authentication, so"
              + " only on this machine (127.0.0.1 or [::1]) unless metrics.allow-non-loopback ="
              + " true");
    }
    return address;
  }

  private static void register(PrometheusRegistry registry, Readings r) {
    GaugeWithCallback.builder()
        .name("safehouse_connections")
        .help("Open relay connections, by state")
        .labelNames("state")
        .callback(
            cb -> {
              long open = r.connectionsOpen().getAsLong();
              long unauthenticated = r.connectionsUnauthenticated().getAsLong();
              cb.call(unauthenticated, "unauthenticated");
              cb.call(Math.max(0, open - unauthenticated), "signed_in");
            })
        .register(registry);
    GaugeWithCallback.builder()
        .name("safehouse_queued_messages")
        .help("Copies waiting in every mailbox (not yet acknowledged or expired)")
        .callback(cb -> cb.call(r.queuedMessages().getAsLong()))
        .register(registry);
    GaugeWithCallback.builder()
        .name("safehouse_queued_bytes")
        .help("Bytes, as stored (encrypted), waiting in every mailbox")
        .callback(cb -> call(cb, r.queuedBytes()))
        .register(registry);
    GaugeWithCallback.builder()
        .name("safehouse_store_size_bytes")
        .help("Bytes of every file of the store on disk (data files, write-ahead logs, keys)")
        .callback(cb -> call(cb, r.storeBytes()))
        .register(registry);
    registry.register(() -> syncLatency(r.writer().get()));
  }

  private static void call(GaugeWithCallback.Callback cb, Reading reading) {
    try {
      cb.call(reading.read());
    } catch (IOException | RuntimeException e) {
      // Left out of this scrape; the next one reads again.
    }
  }

  /** The writer's batch writes, each with its WAL sync, as a Prometheus histogram. */
  static HistogramSnapshot syncLatency(WriterStats.Snapshot s) {
    long[] counts = s.writeCounts();
    int n = LAST_BOUND - FIRST_BOUND + 2;
    double[] bounds = new double[n];
    long[] perBucket = new long[n];
    for (int i = 0; i < counts.length; i++) {
      int b = Math.min(Math.max(i, FIRST_BOUND), LAST_BOUND + 1) - FIRST_BOUND;
      perBucket[b] += counts[i];
    }
    for (int b = 0; b < n - 1; b++) {
      bounds[b] = (1L << (b + FIRST_BOUND)) / 1e6;
    }
    bounds[n - 1] = Double.POSITIVE_INFINITY;
    return HistogramSnapshot.builder()
        .name("safehouse_store_sync_seconds")
        .help(
            "Group commits of the store writer: the batch write with its write-ahead-log sync"
                + " (powers of two of microseconds)")
        .dataPoint(
            HistogramSnapshot.HistogramDataPointSnapshot.builder()
                .classicHistogramBuckets(ClassicHistogramBuckets.of(bounds, perBucket))
                .sum(s.writeNanos() / 1e9)
                .build())
        .build();
  }

  private static void other(HttpExchange exchange, BooleanSupplier healthy) throws IOException {
    try (exchange) {
      String path = exchange.getRequestURI().getPath();
      int status;
      String body;
      if (path.equals("/healthz")) {
        boolean ok = healthy.getAsBoolean();
        status = ok ? 200 : 503;
        body = ok ? "ok\n" : "unavailable\n";
      } else {
        status = 404;
        body = "not found\n";
      }
      byte[] b = body.getBytes(StandardCharsets.US_ASCII);
      exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
      exchange.sendResponseHeaders(status, b.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(b);
      }
    }
  }

  /** The bound port (useful with port 0). */
  public int port() {
    return server.getPort();
  }

  @Override
  public void close() {
    server.close();
  }
}
