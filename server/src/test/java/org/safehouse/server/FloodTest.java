package org.safehouse.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.safehouse.protocol.wire.ClientFrame;
import org.safehouse.protocol.wire.Delivery;
import org.safehouse.protocol.wire.ErrorCode;
import org.safehouse.protocol.wire.ListContacts;
import org.safehouse.protocol.wire.Response;
import org.safehouse.server.account.Role;
import org.safehouse.server.config.Limits;
import org.safehouse.server.testing.RawClient;
import org.safehouse.server.testing.TestServers;

/**
 * Floods and slow clients: while hundreds of silent sockets, sockets that trickle their upgrade
 * request byte by byte, upgraded sockets that never read, and one account flooding sends over
 * several connections all hit the server, a caseworker's messages still reach a person in hiding
 * within a second. The flooder is held to its account's rate with {@code RATE_LIMITED}.
 */
@Timeout(60)
class FloodTest {
  private static final int SILENT = 300;
  private static final int TRICKLING = 20;
  private static final int NOT_READING = 10;
  private static final int FLOOD_CONNECTIONS = 4;
  private static final int SENDS_PER_SECOND = 20;
  private static final int CANARY_MESSAGES = 10;
  private static final SecureRandom RANDOM = new SecureRandom();

  @TempDir Path data;
  private SafehouseServer server;
  private final List<AutoCloseable> open = new ArrayList<>();

  @AfterEach
  void stop() {
    for (AutoCloseable c : open) {
      try {
        c.close();
      } catch (Exception e) {
        // already gone
      }
    }
    if (server != null) {
      server.close();
    }
  }

  private void start(int connectionsPerAddress) throws IOException {
    Limits d = Limits.defaults();
    Limits limits =
        new Limits(
            d.maxFrameBytes(),
            // Long enough that the silent and slow sockets are held for the whole test.
            Duration.ofSeconds(40),
            Duration.ofSeconds(40),
            d.idleTimeout(),
            // Per connection: far above the account's rate, so the account limit is what bites.
            1000,
            d.maxConnections(),
            d.deliveryWindow(),
            connectionsPerAddress,
            SENDS_PER_SECOND);
    server =
        SafehouseServer.start(
            TestServers.withLimits(TestServers.config(data), limits), Clock.systemUTC());
  }

  private <T extends AutoCloseable> T keep(T c) {
    open.add(c);
    return c;
  }

  @Test
  void aCanaryDeliversWithinASecondDuringFloodsAndSlowClientsAndTheFlooderIsRateLimited()
      throws Exception {
    // Every socket of this test comes from 127.0.0.1: allow them all from one address.
    start(1000);
    RawClient.Device canaryWorker = TestServers.enroll(server, Role.CASEWORKER);
    RawClient.Device canaryClient = TestServers.enrollClient(server, canaryWorker);
    RawClient.Device floodWorker = TestServers.enroll(server, Role.CASEWORKER);
    RawClient.Device flooder = TestServers.enrollClient(server, floodWorker);

    // ---- silent TCP sockets: connected, never a byte
    List<Socket> silent = new ArrayList<>();
    for (int i = 0; i < SILENT; i++) {
      silent.add(keep(new Socket("127.0.0.1", server.port())));
    }
    // ---- TLS done, then the upgrade request one byte at a time
    List<SSLSocket> trickling = new ArrayList<>();
    for (int i = 0; i < TRICKLING; i++) {
      SSLSocket s = keep(tls());
      s.startHandshake();
      trickling.add(s);
    }
    AtomicBoolean stop = new AtomicBoolean();
    byte[] upgrade = upgradeRequest();
    Thread trickler =
        new Thread(
            () -> {
              try {
                for (int pos = 0; pos < upgrade.length && !stop.get(); pos++) {
                  for (SSLSocket s : trickling) {
                    s.getOutputStream().write(upgrade[pos]);
                    s.getOutputStream().flush();
                  }
                  Thread.sleep(200);
                }
              } catch (IOException | InterruptedException e) {
                // the test is over
              }
            },
            "trickler");
    trickler.setDaemon(true);
    trickler.start();
    // ---- upgraded, then requests sent without ever reading a response
    for (int i = 0; i < NOT_READING; i++) {
      SSLSocket s = keep(tls());
      OutputStream out = s.getOutputStream();
      out.write(upgrade);
      for (int r = 0; r < 50; r++) {
        out.write(
            maskedBinaryFrame(
                ClientFrame.newBuilder()
                    .setRequestId(r + 1)
                    .setListContacts(ListContacts.newBuilder())
                    .build()
                    .toByteArray()));
      }
      out.flush();
    }

    // ---- one account floods sends over several connections
    List<RawClient> floods = new ArrayList<>();
    for (int i = 0; i < FLOOD_CONNECTIONS; i++) {
      floods.add(keep(TestServers.login(server, flooder)));
    }
    ConcurrentHashMap<ErrorCode, AtomicInteger> outcomes = new ConcurrentHashMap<>();
    List<Thread> flooders = new ArrayList<>();
    long floodStart = System.nanoTime();
    for (RawClient f : floods) {
      Thread t =
          new Thread(
              () -> {
                List<CompletableFuture<Response>> inFlight = new ArrayList<>();
                while (!stop.get()) {
                  inFlight.add(
                      f.requestAsync(
                          RawClient.sendFrame(floodWorker.accountId, new byte[256], id(), 0)));
                  if (inFlight.size() >= 100) {
                    for (CompletableFuture<Response> r : inFlight) {
                      Response resp = r.orTimeout(10, TimeUnit.SECONDS).join();
                      outcomes
                          .computeIfAbsent(resp.getError(), e -> new AtomicInteger())
                          .incrementAndGet();
                    }
                    inFlight.clear();
                  }
                }
              },
              "flooder");
      t.setDaemon(true);
      t.start();
      flooders.add(t);
    }

    // ---- the canary: a caseworker writes to a person in hiding, who is online
    long[] latencies = new long[CANARY_MESSAGES];
    try (RawClient w = TestServers.login(server, canaryWorker);
        RawClient c = TestServers.login(server, canaryClient)) {
      Thread.sleep(500); // the flood is in full swing
      for (int i = 0; i < CANARY_MESSAGES; i++) {
        byte[] ciphertext = ("canary " + i).getBytes(StandardCharsets.US_ASCII);
        long t0 = System.nanoTime();
        CompletableFuture<Response> sent =
            w.requestAsync(RawClient.sendFrame(canaryClient.accountId, ciphertext, id(), 0));
        Delivery d = c.nextDelivery(Duration.ofSeconds(5));
        latencies[i] = System.nanoTime() - t0;
        assertNotNull(d, "canary message " + i + " was not delivered");
        assertEquals(ErrorCode.OK, sent.get(5, TimeUnit.SECONDS).getError());
        assertTrue(Arrays.equals(ciphertext, d.getCiphertext().toByteArray()));
        c.ack(d.getDeliveryId());
        Thread.sleep(100);
      }
    }
    stop.set(true);
    for (Thread t : flooders) {
      t.join(15_000);
    }
    double floodSeconds = (System.nanoTime() - floodStart) / 1e9;

    // The silent and slow sockets are still held: the server did not give up on them early.
    int stillOpen = 0;
    for (Socket s : silent) {
      s.setSoTimeout(1);
      try {
        if (s.getInputStream().read() == -1) {
          continue;
        }
      } catch (SocketTimeoutException e) {
        stillOpen++;
      } catch (IOException e) {
        // reset
      }
    }

    int ok = count(outcomes, ErrorCode.OK);
    int limited = count(outcomes, ErrorCode.RATE_LIMITED);
    long maxMillis = Arrays.stream(latencies).max().getAsLong() / 1_000_000;
    System.out.printf(
        "flood: %d silent (%d still open at the end), %d trickling, %d not reading; flooder %d OK"
            + " and %d RATE_LIMITED in %.1f s over %d connections; canary latencies ms %s (max"
            + " %d)%n",
        SILENT,
        stillOpen,
        TRICKLING,
        NOT_READING,
        ok,
        limited,
        floodSeconds,
        FLOOD_CONNECTIONS,
        Arrays.toString(Arrays.stream(latencies).map(n -> n / 1_000_000).toArray()),
        maxMillis);
    assertEquals(SILENT, stillOpen, "silent sockets held during the test");
    assertTrue(limited > 0, "the flooder was never RATE_LIMITED: " + outcomes);
    // The account's bucket: a burst of twice the rate, then the rate, whatever the connections.
    double allowed = 2 * SENDS_PER_SECOND + SENDS_PER_SECOND * floodSeconds + 5;
    assertTrue(ok <= allowed, ok + " sends accepted in " + floodSeconds + " s; at most " + allowed);
    assertTrue(ok > 0, "the flooder got its fair share: " + outcomes);
    for (int i = 0; i < CANARY_MESSAGES; i++) {
      assertTrue(
          latencies[i] < TimeUnit.SECONDS.toNanos(1),
          "canary message " + i + " took " + latencies[i] / 1_000_000 + " ms");
    }
  }

  @Test
  void connectionsBeyondThePerAddressCapAreClosedAtOnceAndTheSlotComesBack() throws Exception {
    start(5);
    List<Socket> held = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      held.add(keep(new Socket("127.0.0.1", server.port())));
    }
    Thread.sleep(200); // let the server count them
    try (Socket sixth = new Socket("127.0.0.1", server.port())) {
      sixth.setSoTimeout(5_000);
      InputStream in = sixth.getInputStream();
      int r;
      try {
        r = in.read();
      } catch (IOException reset) {
        r = -1;
      }
      assertEquals(-1, r, "the sixth connection from one address is closed without a byte");
    }
    held.remove(0).close();
    Thread.sleep(200); // let the server see the close
    try (RawClient c = TestServers.connect(server)) {
      assertTrue(c.isOpen(), "a freed slot takes a new connection");
    }
  }

  // ------------------------------------------------------------------ helpers

  private SSLSocket tls() throws Exception {
    SSLContext ctx = SSLContext.getInstance("TLSv1.3");
    ctx.init(null, new TrustManager[] {new RawClient.PinTrustManager(server.pin())}, null);
    SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket();
    s.connect(new InetSocketAddress("127.0.0.1", server.port()), 5_000);
    s.setEnabledProtocols(new String[] {"TLSv1.3"});
    return s;
  }

  private byte[] upgradeRequest() {
    byte[] key = new byte[16];
    RANDOM.nextBytes(key);
    return ("GET /"
            + server.upgradeSecret()
            + " HTTP/1.1\r\n"
            + "Host: 127.0.0.1\r\n"
            + "Upgrade: websocket\r\n"
            + "Connection: Upgrade\r\n"
            + "Sec-WebSocket-Key: "
            + Base64.getEncoder().encodeToString(key)
            + "\r\n"
            + "Sec-WebSocket-Version: 13\r\n\r\n")
        .getBytes(StandardCharsets.US_ASCII);
  }

  /** A client-to-server binary frame (masked, as RFC 6455 requires); payload under 126 bytes. */
  private static byte[] maskedBinaryFrame(byte[] payload) {
    byte[] mask = new byte[4];
    RANDOM.nextBytes(mask);
    byte[] f = new byte[2 + 4 + payload.length];
    f[0] = (byte) 0x82;
    f[1] = (byte) (0x80 | payload.length);
    System.arraycopy(mask, 0, f, 2, 4);
    for (int i = 0; i < payload.length; i++) {
      f[6 + i] = (byte) (payload[i] ^ mask[i % 4]);
    }
    return f;
  }

  private static byte[] id() {
    byte[] id = new byte[16];
    RANDOM.nextBytes(id);
    return id;
  }

  private static int count(ConcurrentHashMap<ErrorCode, AtomicInteger> m, ErrorCode code) {
    AtomicInteger n = m.get(code);
    return n == null ? 0 : n.get();
  }
}
