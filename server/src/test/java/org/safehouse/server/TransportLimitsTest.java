package org.safehouse.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.safehouse.protocol.wire.ErrorCode;
import org.safehouse.protocol.wire.Response;
import org.safehouse.server.account.Role;
import org.safehouse.server.config.Limits;
import org.safehouse.server.testing.FakeClock;
import org.safehouse.server.testing.RawClient;
import org.safehouse.server.testing.TestServers;

/** Rate, connection and time limits: floods and slow or silent peers. */
@Timeout(60)
class TransportLimitsTest {
  private static final Duration WAIT = Duration.ofSeconds(5);
  private static final Duration LONG = Duration.ofSeconds(60);
  private static final Duration TRICKLE = Duration.ofSeconds(10);

  @TempDir Path data;
  private final FakeClock clock = new FakeClock();
  private SafehouseServer server;
  private final List<AutoCloseable> open = new ArrayList<>();

  @AfterEach
  void stop() throws Exception {
    for (AutoCloseable c : open) {
      c.close();
    }
    if (server != null) {
      server.close();
    }
  }

  private void start(Limits limits) throws IOException {
    server = SafehouseServer.start(TestServers.withLimits(TestServers.config(data), limits), clock);
  }

  private static Limits limits(
      Duration handshake, Duration upgrade, Duration idle, int requestsPerSecond, int connections) {
    Limits d = Limits.defaults();
    return new Limits(
        d.maxFrameBytes(),
        handshake,
        upgrade,
        idle,
        requestsPerSecond,
        connections,
        d.deliveryWindow());
  }

  private <T extends AutoCloseable> T keep(T c) {
    open.add(c);
    return c;
  }

  @Test
  void requestsBeyondTheRateAreRefusedAndTheConnectionRecovers() throws Exception {
    start(limits(LONG, LONG, LONG, 2, 100));
    RawClient.Device worker = TestServers.enroll(server, Role.CASEWORKER);
    RawClient.Device client = TestServers.enrollClient(server, worker);
    RawClient w = keep(TestServers.login(server, worker));
    // The burst allowance is twice the rate (4); login took one.
    List<CompletableFuture<Response>> flood = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      flood.add(
          w.requestAsync(
              RawClient.sendFrame(client.accountId, new byte[] {1}, StillServing.randomId(), 0)));
    }
    int ok = 0;
    int limited = 0;
    for (CompletableFuture<Response> f : flood) {
      ErrorCode e = f.get(WAIT.toMillis(), TimeUnit.MILLISECONDS).getError();
      if (e == ErrorCode.OK) {
        ok++;
      } else {
        assertEquals(ErrorCode.RATE_LIMITED, e);
        limited++;
      }
    }
    assertTrue(ok >= 3 && limited >= 4, ok + " stored, " + limited + " refused");
    assertEquals(ok, server.store().counters().queuedMessages());
    assertTrue(w.isOpen());
    Thread.sleep(1100); // the bucket runs on System.nanoTime, not the fake clock
    Response later = w.send(client.accountId, new byte[] {2}, StillServing.randomId());
    assertEquals(ErrorCode.OK, later.getError());
    assertEquals(ok + 1, server.store().counters().queuedMessages());
    w.close();
    StillServing.assertServes(server);
  }

  @Test
  void connectionBeyondTheCapIsClosedAndAFreedSlotIsUsable() throws Exception {
    start(limits(LONG, LONG, LONG, 100, 3));
    List<RawClient> clients = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      clients.add(keep(TestServers.connect(server)));
    }
    assertThrows(IOException.class, () -> keep(TestServers.connect(server)).close());
    clients.get(0).close();
    RawClient again = null;
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (again == null) {
      try {
        again = keep(TestServers.connect(server));
      } catch (IOException e) {
        assertTrue(System.nanoTime() < deadline, "a freed slot never became usable");
        Thread.sleep(20);
      }
    }
    assertTrue(again.isOpen());
    for (AutoCloseable c : open) {
      c.close();
    }
    open.clear();
    StillServing.assertServes(server);
  }

  @Test
  void silentTcpConnectionIsClosedAfterTheTlsHandshakeTimeout() throws Exception {
    start(limits(Duration.ofMillis(300), LONG, LONG, 100, 100));
    try (Socket s = new Socket("127.0.0.1", server.port())) {
      assertTrue(closedByServer(s.getInputStream(), s, WAIT), "still open after " + WAIT);
    }
    StillServing.assertServes(server);
  }

  @Test
  void connectionThatNeverUpgradesIsClosedAfterTheUpgradeTimeout() throws Exception {
    start(limits(LONG, Duration.ofSeconds(1), LONG, 100, 100));
    warmUpTls();
    try (SSLSocket s = tlsSocket()) {
      s.startHandshake();
      assertTrue(closedByServer(s.getInputStream(), s, WAIT), "still open after " + WAIT);
    }
    StillServing.assertServes(server);
  }

  @Test
  void slowlyTrickledUpgradeRequestIsClosedAfterTheUpgradeTimeout() throws Exception {
    // A byte every 50ms keeps the idle timer (3s, so it first fires after 1.5s) from ever firing;
    // only the upgrade deadline can end this connection.
    start(limits(LONG, Duration.ofSeconds(2), Duration.ofSeconds(3), 100, 100));
    byte[] request = upgradeRequest();
    warmUpTls();
    try (SSLSocket s = tlsSocket()) {
      s.startHandshake();
      OutputStream out = s.getOutputStream();
      InputStream in = s.getInputStream();
      long deadline = System.nanoTime() + TRICKLE.toNanos();
      boolean closed = false;
      for (int i = 0; !closed && System.nanoTime() < deadline; i = (i + 1) % (request.length - 1)) {
        try {
          out.write(request[i]);
          out.flush();
          closed = closedByServer(in, s, Duration.ofMillis(50));
        } catch (IOException e) {
          closed = true;
        }
      }
      assertTrue(closed, "a trickled request held its connection for " + TRICKLE);
    }
    StillServing.assertServes(server);
  }

  @Test
  void upgradedConnectionThatNeverAnswersPingsIsClosedAfterTheIdleTimeout() throws Exception {
    start(limits(LONG, LONG, Duration.ofMillis(400), 100, 100));
    try (SSLSocket s = tlsSocket()) {
      s.setSoTimeout((int) WAIT.toMillis());
      s.getOutputStream().write(upgradeRequest());
      s.getOutputStream().flush();
      InputStream in = s.getInputStream();
      String status = new String(readHead(in), StandardCharsets.US_ASCII);
      assertTrue(status.startsWith("HTTP/1.1 101 "), status);
      List<Integer> opcodes = new ArrayList<>();
      try {
        for (int op; (op = readFrameOpcode(in)) >= 0; ) {
          opcodes.add(op);
        }
      } catch (SocketException | SSLException e) {
        // closed by the server without close_notify: closed all the same
      }
      assertEquals(List.of(0x2, 0x9), opcodes, "challenge, then one ping, then closed");
    }
    StillServing.assertServes(server);
  }

  @Test
  void idleClientThatAnswersPingsStaysConnected() throws Exception {
    start(limits(LONG, LONG, Duration.ofMillis(400), 100, 100));
    RawClient.Device worker = TestServers.enroll(server, Role.CASEWORKER);
    RawClient.Device client = TestServers.enrollClient(server, worker);
    RawClient w = keep(TestServers.login(server, worker));
    Thread.sleep(1500); // several idle periods; the client's WebSocket layer answers each ping
    assertTrue(w.isOpen());
    assertEquals(
        ErrorCode.OK, w.send(client.accountId, new byte[] {1}, StillServing.randomId()).getError());
  }

  // ------------------------------------------------------------------ raw sockets

  private SSLSocket tlsSocket() throws Exception {
    SSLContext tls = SSLContext.getInstance("TLSv1.3");
    tls.init(null, new TrustManager[] {new RawClient.PinTrustManager(server.pin())}, null);
    return (SSLSocket) tls.getSocketFactory().createSocket("127.0.0.1", server.port());
  }

  /**
   * The deadlines under test count from accept, TLS handshake included; the JDK's first handshake
   * in a JVM can take longer than they allow on a busy machine. Warm it up; its fate is irrelevant.
   */
  private void warmUpTls() throws Exception {
    try (SSLSocket s = tlsSocket()) {
      s.startHandshake();
    } catch (IOException e) {
      // only warming up
    }
  }

  private byte[] upgradeRequest() {
    return ("GET /"
            + server.upgradeSecret()
            + " HTTP/1.1\r\n"
            + "Host: 127.0.0.1\r\n"
            + "Upgrade: websocket\r\n"
            + "Connection: Upgrade\r\n"
            + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
            + "Sec-WebSocket-Version: 13\r\n"
            + "\r\n")
        .getBytes(StandardCharsets.US_ASCII);
  }

  /** True if the server closes within {@code within} (end of stream or reset), false if not. */
  private static boolean closedByServer(InputStream in, Socket s, Duration within)
      throws IOException {
    s.setSoTimeout((int) within.toMillis());
    try {
      while (in.read() >= 0) {
        // discard anything the server says before closing
      }
      return true;
    } catch (SocketTimeoutException e) {
      return false;
    } catch (SocketException | SSLException e) {
      return true;
    }
  }

  /** The HTTP response head, up to and including the blank line. */
  private static byte[] readHead(InputStream in) throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    int matched = 0;
    byte[] end = {'\r', '\n', '\r', '\n'};
    while (matched < end.length) {
      int b = in.read();
      if (b < 0) {
        throw new IOException("closed inside the response head: " + head);
      }
      head.write(b);
      matched = b == end[matched] ? matched + 1 : (b == '\r' ? 1 : 0);
    }
    return head.toByteArray();
  }

  /** Reads one unmasked server frame; returns its opcode, or -1 at end of stream. */
  private static int readFrameOpcode(InputStream in) throws IOException {
    int b0 = in.read();
    if (b0 < 0) {
      return -1;
    }
    long len = in.read() & 0x7f;
    if (len == 126) {
      len = (in.read() << 8) | in.read();
    } else if (len == 127) {
      len = 0;
      for (int i = 0; i < 8; i++) {
        len = (len << 8) | in.read();
      }
    }
    in.readNBytes((int) len);
    return b0 & 0x0f;
  }
}
