package org.safehouse.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.safehouse.protocol.wire.ServerFrame;
import org.safehouse.server.config.ConfigFile;
import org.safehouse.server.testing.FakeClock;
import org.safehouse.server.testing.RawClient;
import org.safehouse.server.testing.TestServers;
import org.safehouse.server.transport.TlsMaterial;

/**
 * A censor probing addresses must not be able to tell a relay from an ordinary web server. Every
 * request that is not a WebSocket upgrade at the secret path, whatever its path, method or headers,
 * gets the same bytes nginx sends for an unknown path, in TLS and in plaintext mode; only the Date
 * header differs. Only the secret path with upgrade headers gets the upgrade and the challenge.
 */
@Timeout(60)
class ProbeResistanceTest {
  @TempDir Path dir;
  private final List<SafehouseServer> servers = new ArrayList<>();

  @AfterEach
  void stop() {
    servers.forEach(SafehouseServer::close);
  }

  @Test
  void everyProbeGetsNginxsNotFoundInBothModesAndOnlyTheSecretPathUpgrades() throws Exception {
    SafehouseServer tls = start(TestServers.config(dir.resolve("tls-data")));
    Path proxyCert = dir.resolve("proxy-cert.pem");
    TlsMaterial.loadOrCreate(proxyCert, dir.resolve("proxy-key.pem"), true);
    Path conf =
        Files.writeString(
            dir.resolve("plain.conf"), "tls.enabled = false\ntls.cert = " + proxyCert + "\n");
    SafehouseServer plain =
        start(ConfigFile.load(conf, dir.resolve("plain-data").toString(), "127.0.0.1:0"));

    Map<String, String> answers = new LinkedHashMap<>();
    for (SafehouseServer s : List.of(tls, plain)) {
      String mode = s == tls ? "tls" : "plaintext";
      for (Map.Entry<String, String> probe : probes(s.upgradeSecret()).entrySet()) {
        // Probes with and without the secret, so each server is asked about the other's secret too.
        String answer = withoutDate(exchange(s, s == tls, probe.getValue()));
        assertFalse(
            answer.toLowerCase(Locale.ROOT).contains("safehouse"), mode + " " + probe.getKey());
        answers.put(mode + " " + probe.getKey(), answer);
      }
    }
    String expected = answers.values().iterator().next();
    assertTrue(expected.startsWith("HTTP/1.1 404 Not Found\r\nServer: nginx\r\n"), expected);
    assertTrue(expected.endsWith("<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"), expected);
    answers.forEach((probe, answer) -> assertEquals(expected, answer, probe));

    for (SafehouseServer s : List.of(tls, plain)) {
      assertChallengeAtTheSecretPath(s, s == tls);
    }
  }

  @Test
  void theGeneratedCertificateNamesThePublicHostAndNothingOfSafehouse() throws Exception {
    SafehouseServer s = start(TestServers.config(dir.resolve("data")));
    X509Certificate cert;
    try (InputStream in = Files.newInputStream(s.config().tlsCert())) {
      cert = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
    }
    assertEquals("CN=127.0.0.1", cert.getSubjectX500Principal().getName());
    String der = new String(cert.getEncoded(), StandardCharsets.ISO_8859_1);
    assertFalse(der.toLowerCase(Locale.ROOT).contains("safehouse"), cert.toString());
    assertFalse(cert.toString().toLowerCase(Locale.ROOT).contains("safehouse"), cert.toString());
  }

  private SafehouseServer start(org.safehouse.server.config.ServerConfig config)
      throws IOException {
    SafehouseServer s = SafehouseServer.start(config, new FakeClock());
    servers.add(s);
    return s;
  }

  /** Requests a prober might send, by name. */
  private static Map<String, String> probes(String secret) {
    String wrongSecret = randomSecret();
    Map<String, String> p = new LinkedHashMap<>();
    p.put("GET /", get("/", ""));
    p.put("GET /index.html", get("/index.html", ""));
    p.put("upgrade at /v1/ws (the old path)", get("/v1/ws", upgradeHeaders()));
    p.put("upgrade at a random path", get("/" + randomSecret(), upgradeHeaders()));
    p.put("upgrade at a wrong secret", get("/" + wrongSecret, upgradeHeaders()));
    p.put("upgrade at the secret with a query", get("/" + secret + "?x=1", upgradeHeaders()));
    p.put("GET of the secret path without upgrade headers", get("/" + secret, ""));
    p.put(
        "upgrade at the secret but WebSocket version 8",
        get("/" + secret, upgradeHeaders().replace("Version: 13", "Version: 8")));
    p.put(
        "POST to the secret path",
        "POST /"
            + secret
            + " HTTP/1.1\r\nHost: relay.example\r\nContent-Type: text/plain\r\n"
            + "Content-Length: 5\r\n\r\nhello");
    p.put("POST /", "POST / HTTP/1.1\r\nHost: relay.example\r\nContent-Length: 2\r\n\r\n{}");
    return p;
  }

  private static String get(String path, String headers) {
    return "GET "
        + path
        + " HTTP/1.1\r\nHost: relay.example\r\nUser-Agent: probe\r\n"
        + headers
        + "\r\n";
  }

  private static String upgradeHeaders() {
    return "Upgrade: websocket\r\nConnection: Upgrade\r\n"
        + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n";
  }

  private static String randomSecret() {
    byte[] b = new byte[16];
    new SecureRandom().nextBytes(b);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
  }

  private static String withoutDate(String response) {
    return response.replaceFirst("\r\nDate: [^\r]*\r\n", "\r\nDate: -\r\n");
  }

  /**
   * Sends one request on a new connection and reads exactly one response (the 404 keeps it open).
   */
  private static String exchange(SafehouseServer s, boolean tls, String request) throws Exception {
    try (Socket socket = socket(s, tls)) {
      socket.setSoTimeout(5_000);
      OutputStream out = socket.getOutputStream();
      out.write(request.getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = socket.getInputStream();
      String head = readHead(in);
      int length = 0;
      for (String line : head.split("\r\n")) {
        if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
          length = Integer.parseInt(line.substring(15).trim());
        }
      }
      return head + new String(in.readNBytes(length), StandardCharsets.ISO_8859_1);
    }
  }

  private static void assertChallengeAtTheSecretPath(SafehouseServer s, boolean tls)
      throws Exception {
    try (Socket socket = socket(s, tls)) {
      socket.setSoTimeout(5_000);
      socket
          .getOutputStream()
          .write(
              get("/" + s.upgradeSecret(), upgradeHeaders()).getBytes(StandardCharsets.US_ASCII));
      InputStream in = socket.getInputStream();
      String head = readHead(in);
      assertTrue(head.startsWith("HTTP/1.1 101 "), head);
      int opcode = in.read() & 0x0f;
      int length = in.read() & 0x7f;
      assertEquals(0x2, opcode, "a binary frame");
      ServerFrame first = ServerFrame.parseFrom(in.readNBytes(length));
      assertTrue(first.hasChallenge(), first.toString());
    }
  }

  private static Socket socket(SafehouseServer s, boolean tls) throws Exception {
    if (!tls) {
      return new Socket("127.0.0.1", s.port());
    }
    SSLContext ctx = SSLContext.getInstance("TLSv1.3");
    ctx.init(null, new TrustManager[] {new RawClient.PinTrustManager(s.pin())}, null);
    return ctx.getSocketFactory().createSocket("127.0.0.1", s.port());
  }

  private static String readHead(InputStream in) throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    while (!head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
      int b = in.read();
      if (b < 0) {
        throw new IOException("closed inside the response head: " + head);
      }
      head.write(b);
    }
    return head.toString(StandardCharsets.ISO_8859_1);
  }
}
