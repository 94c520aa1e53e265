package org.safehouse.server.metrics.prometheus;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.safehouse.server.config.HostPort;
import org.safehouse.server.config.MetricsSettings;
import org.safehouse.server.store.WriterStats;

@Timeout(30)
class MetricsEndpointTest {
  @Test
  void healthzAnswers503WhileTheStoreOrTheListenerIsDownAnd200OnceBothAreUp() throws Exception {
    AtomicBoolean healthy = new AtomicBoolean(false);
    MetricsEndpoint.Readings readings =
        new MetricsEndpoint.Readings(
            () -> 0,
            () -> 0,
            () -> 0,
            () -> 0,
            () -> 0,
            () -> new WriterStats().snapshot(),
            healthy::get);
    MetricsSettings at = new MetricsSettings(Optional.of(new HostPort("127.0.0.1", 0)), false);
    try (MetricsEndpoint endpoint = MetricsEndpoint.start(at, new PrometheusMetrics(), readings)) {
      assertEquals(503, status(endpoint.port(), "/healthz"));
      healthy.set(true);
      assertEquals(200, status(endpoint.port(), "/healthz"));
      assertEquals(200, status(endpoint.port(), "/metrics"));
      assertEquals(404, status(endpoint.port(), "/-/healthy"));
    }
  }

  @Test
  void aLabelValueThatIsNotAnErrorCodeNameIsCountedAsOther() {
    assertEquals("MAILBOX_FULL", PrometheusMetrics.codeName("MAILBOX_FULL"));
    assertEquals("OTHER", PrometheusMetrics.codeName("0a1b2c3d4e5f"));
    assertEquals("OTHER", PrometheusMetrics.codeName("127.0.0.1:5000"));
  }

  private static int status(int port, String path) throws Exception {
    return HttpClient.newHttpClient()
        .send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(10))
                .build(),
            HttpResponse.BodyHandlers.discarding())
        .statusCode();
  }
}
