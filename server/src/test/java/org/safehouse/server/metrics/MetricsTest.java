package org.safehouse.server.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.safehouse.protocol.wire.Delivery;
import org.safehouse.protocol.wire.ErrorCode;
import org.safehouse.server.SafehouseServer;
import org.safehouse.server.account.Role;
import org.safehouse.server.config.HostPort;
import org.safehouse.server.config.MetricsSettings;
import org.safehouse.server.config.ServerConfig;
import org.safehouse.server.testing.RawClient;
import org.safehouse.server.testing.TestServers;

/**
 * Metrics without metadata: off by default, loopback only, and a scrape after enrollments, sends,
 * deliveries and acks shows that the counts moved and names no account, device or address.
 */
@Timeout(60)
class MetricsTest {
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  // Every label a scrape may carry, and what its values look like: codes, states, bucket bounds.
  private static final Set<String> LABELS = Set.of("state", "result", "code", "compacted", "le");
  private static final Pattern LABEL = Pattern.compile("([a-z_]+)=\"([^\"]*)\"");
  private static final Pattern VALUE = Pattern.compile("[A-Z_]+|[a-z_]+|[0-9.eE+-]+|\\+Inf");

  @TempDir Path dir;

  private static ServerConfig withMetrics(ServerConfig c, String listen, boolean anywhere) {
    return c.withMetrics(new MetricsSettings(Optional.of(HostPort.parse(listen)), anywhere));
  }

  @Test
  void metricsAreOffByDefault() throws Exception {
    try (SafehouseServer server = TestServers.start(dir, Clock.systemUTC())) {
      assertEquals(Optional.empty(), server.metricsPort());
    }
  }

  @Test
  void aNonLoopbackMetricsAddressIsRefusedAtStartWithOneLine() {
    ServerConfig c = withMetrics(TestServers.config(dir), "0.0.0.0:0", false);
    IOException e =
        assertThrows(IOException.class, () -> SafehouseServer.start(c, Clock.systemUTC()));
    assertTrue(e.getMessage().contains("not a loopback address"), e.getMessage());
    assertTrue(e.getMessage().contains("metrics.allow-non-loopback"), e.getMessage());
    assertFalse(e.getMessage().contains("\n"), "one line");
  }

  @Test
  void aScrapeAfterSendsShowsTheCountsMoveAndNamesNoAccountDeviceOrAddress() throws Exception {
    ServerConfig c = withMetrics(TestServers.config(dir), "127.0.0.1:0", false);
    try (SafehouseServer server = SafehouseServer.start(c, Clock.systemUTC())) {
      int port = server.metricsPort().orElseThrow();
      assertEquals(200, get(port, "/healthz").statusCode());
      assertEquals(404, get(port, "/").statusCode());
      String before = get(port, "/metrics").body();
      assertEquals(0, value(before, "safehouse_sends_total{result=\"OK\"}"));

      RawClient.Device worker = TestServers.enroll(server, Role.CASEWORKER);
      RawClient.Device client = TestServers.enrollClient(server, worker);
      RawClient.Device offline = TestServers.enrollClient(server, worker);
      List<String> secrets = new ArrayList<>();
      for (RawClient.Device d : List.of(worker, client, offline)) {
        secrets.addAll(forms(d.accountId));
      }
      List<Integer> clientPorts = new ArrayList<>();
      try (RawClient w = TestServers.login(server, worker);
          RawClient r = TestServers.login(server, client)) {
        clientPorts.add(w.localPort());
        clientPorts.add(r.localPort());
        for (int i = 0; i < 3; i++) {
          assertEquals(
              ErrorCode.OK, w.send(client.accountId, new byte[] {1, 2, 3}, id()).getError());
          Delivery d = r.nextDelivery(Duration.ofSeconds(5));
          assertNotNull(d, "delivered");
          r.ack(d.getDeliveryId());
        }
        assertEquals(ErrorCode.OK, w.send(offline.accountId, new byte[200], id()).getError());
        // A refused send: to an account that does not exist.
        assertEquals(
            ErrorCode.UNKNOWN_RECIPIENT, w.send(new byte[16], new byte[] {9}, id()).getError());
        // Acks are counted as they arrive; their removal from the store commits a moment later.
        String during =
            awaitScrape(
                port,
                b ->
                    value(b, "safehouse_acks_total") >= 3
                        && value(b, "safehouse_queued_messages") == 1);

        assertEquals(4, value(during, "safehouse_sends_total{result=\"OK\"}"));
        assertEquals(1, value(during, "safehouse_sends_total{result=\"UNKNOWN_RECIPIENT\"}"));
        assertEquals(1, value(during, "safehouse_errors_total{code=\"UNKNOWN_RECIPIENT\"}"));
        assertEquals(3, value(during, "safehouse_deliveries_total"));
        assertTrue(value(during, "safehouse_connections{state=\"signed_in\"}") >= 2, during);
        assertEquals(1, value(during, "safehouse_queued_messages"));
        assertTrue(value(during, "safehouse_queued_bytes") >= 200, during);
        assertTrue(value(during, "safehouse_store_size_bytes") > 0, during);
        assertTrue(value(during, "safehouse_store_sync_seconds_count") >= 4, during);
        assertPrivate(during, secrets, clientPorts);
        if (System.getProperty("metrics.dump") != null) {
          java.nio.file.Files.writeString(Path.of(System.getProperty("metrics.dump")), during);
        }
      }
      server.purge();
      String after = get(port, "/metrics").body();
      assertPrivate(after, secrets, clientPorts);
    }
  }

  /** No id in any encoding, no address or client port, and only the known labels. */
  private static void assertPrivate(String scrape, List<String> secrets, List<Integer> ports) {
    String lower = scrape.toLowerCase(java.util.Locale.ROOT);
    for (String s : secrets) {
      assertFalse(lower.contains(s.toLowerCase(java.util.Locale.ROOT)), "an account id: " + s);
    }
    assertFalse(scrape.contains("127.0.0.1"), "an address");
    for (String line : scrape.split("\n")) {
      if (line.startsWith("#")) {
        continue;
      }
      Matcher m = LABEL.matcher(line);
      while (m.find()) {
        assertTrue(LABELS.contains(m.group(1)), "unexpected label in: " + line);
        assertTrue(VALUE.matcher(m.group(2)).matches(), "unexpected label value in: " + line);
        for (int p : ports) {
          assertFalse(m.group(2).contains(Integer.toString(p)), "a client port in: " + line);
        }
      }
    }
  }

  /** An account id as hex and as base64 (standard and URL alphabets, padded or not). */
  private static List<String> forms(byte[] id) {
    String std = Base64.getEncoder().encodeToString(id);
    String url = Base64.getUrlEncoder().encodeToString(id);
    return List.of(
        HexFormat.of().formatHex(id), std, std.replace("=", ""), url, url.replace("=", ""));
  }

  private static String awaitScrape(int port, java.util.function.Predicate<String> done)
      throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (true) {
      String body = get(port, "/metrics").body();
      if (done.test(body) || System.nanoTime() > deadline) {
        return body;
      }
      Thread.sleep(20);
    }
  }

  /** The value of the sample named exactly {@code sample} (name and labels), or 0 if absent. */
  private static double value(String scrape, String sample) {
    for (String line : scrape.split("\n")) {
      if (line.startsWith(sample + " ")) {
        return Double.parseDouble(line.substring(sample.length() + 1).trim().split(" ")[0]);
      }
    }
    return 0;
  }

  private static HttpResponse<String> get(int port, String path) throws Exception {
    return HTTP.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .timeout(Duration.ofSeconds(10))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static byte[] id() {
    byte[] id = new byte[16];
    new java.security.SecureRandom().nextBytes(id);
    return id;
  }
}
