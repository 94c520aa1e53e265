package org.safehouse.sdk.internal.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.safehouse.protocol.wire.Ack;
import org.safehouse.protocol.wire.Challenge;
import org.safehouse.protocol.wire.ClientFrame;
import org.safehouse.protocol.wire.Delivery;
import org.safehouse.protocol.wire.KeysStatus;
import org.safehouse.protocol.wire.ServerFrame;
import org.safehouse.server.testing.RogueTls;

/**
 * What the SDK's OkHttp connection puts on the wire, seen by a hand-written WebSocket server on
 * 127.0.0.1 holding the pinned key: TLS 1.3, the upgrade at {@code "/" + secret} over HTTP/1.1, and
 * no compression offered (OkHttp offers permessage-deflate unless told otherwise); a server that
 * names an extension anyway, or sends a frame over the limit, loses the connection.
 */
@Timeout(30)
class ConnectionHandshakeTest {
  private static final String SECRET = "s3cr3tPathAAAAAAAAAAAA";
  private final RogueTls keys = new RogueTls();

  @Test
  void upgradeIsTls13AtTheSecretPathAndOffersNoCompression() throws Exception {
    try (FakeServer server = new FakeServer(null, 0)) {
      try (Connection.Dialer dialer = dialer(server);
          Connection c = dialer.open(new Quiet(), Duration.ofSeconds(10))) {
        assertTrue(c.isOpen());
      }
      Handshake h = server.handshake.get(10, TimeUnit.SECONDS);
      assertEquals("TLSv1.3", h.tlsProtocol);
      assertEquals("GET /" + SECRET + " HTTP/1.1", h.requestLine);
      assertFalse(
          h.headers.stream()
              .anyMatch(l -> l.toLowerCase(Locale.ROOT).startsWith("sec-websocket-extensions")),
          "no extension offered: " + h.headers);
    }
  }

  @Test
  void aServerThatNegotiatesCompressionAnywayIsRefused() throws Exception {
    try (FakeServer server = new FakeServer("permessage-deflate", 0);
        Connection.Dialer dialer = dialer(server)) {
      assertThrows(IOException.class, () -> dialer.open(new Quiet(), Duration.ofSeconds(10)));
    }
  }

  @Test
  void aFrameOverTheLimitClosesTheConnection() throws Exception {
    try (FakeServer server = new FakeServer(null, Connection.MAX_FRAME_BYTES);
        Connection.Dialer dialer = dialer(server)) {
      Quiet listener = new Quiet();
      Connection c = dialer.open(listener, Duration.ofSeconds(10));
      assertTrue(listener.closed.await(10, TimeUnit.SECONDS), "closed after the big frame");
      assertFalse(c.isOpen());
      assertEquals(0, listener.deliveries, "the oversized frame was not handed on");
      c.close();
    }
  }

  @Test
  void aServerThatStopsReadingLosesTheConnectionBeforeOkHttpsOwnSixteenMegabytes()
      throws Exception {
    try (FakeServer server = new FakeServer(null, 0, false);
        Connection.Dialer dialer = dialer(server)) {
      Quiet listener = new Quiet();
      Connection c = dialer.open(listener, Duration.ofSeconds(10));
      Ack.Builder ack = Ack.newBuilder();
      for (long id = 1 << 20; ack.getDeliveryIdsCount() < 16_384; id++) {
        ack.addDeliveryIds(id);
      }
      ClientFrame.Builder frame = ClientFrame.newBuilder().setAck(ack);
      int frameBytes = frame.build().getSerializedSize();
      long sent = 0;
      boolean refused = false;
      for (int i = 0; i < 1000 && !refused; i++) {
        refused = c.request(frame).isCompletedExceptionally();
        sent += frameBytes;
      }
      assertTrue(refused, "a request was refused once the queue was full");
      assertTrue(sent < 12L << 20, "refused after " + sent + " bytes, before OkHttp's own cap");
      assertTrue(listener.closed.await(10, TimeUnit.SECONDS), "the stalled connection closed");
      assertFalse(c.isOpen());
      c.close();
    }
  }

  private Connection.Dialer dialer(FakeServer server) {
    return new Connection.Dialer(
        "127.0.0.1",
        server.port(),
        PinTrustManager.pinOf(keys.leaf),
        SECRET,
        null,
        Duration.ofSeconds(10));
  }

  private record Handshake(String tlsProtocol, String requestLine, List<String> headers) {}

  private static final class Quiet implements Connection.Listener {
    final CountDownLatch closed = new CountDownLatch(1);
    volatile int deliveries;

    @Override
    public void delivery(Connection connection, Delivery delivery) {
      deliveries++;
    }

    @Override
    public void prekeysLow(Connection connection, KeysStatus status) {}

    @Override
    public void closed(Connection connection) {
      closed.countDown();
    }
  }

  /**
   * Accepts one connection: TLS 1.3 with the pinned key, reads the upgrade request, answers 101
   * (naming {@code extension} if given), sends a challenge, then optionally a delivery carrying
   * {@code bigFrame} bytes, and holds the connection until closed.
   */
  private final class FakeServer implements AutoCloseable {
    final CompletableFuture<Handshake> handshake = new CompletableFuture<>();
    final CountDownLatch stalled = new CountDownLatch(1);
    private final SSLServerSocket listener;
    private final Thread thread;

    FakeServer(String extension, int bigFrame) throws Exception {
      this(extension, bigFrame, true);
    }

    FakeServer(String extension, int bigFrame, boolean reads) throws Exception {
      KeyStore ks = KeyStore.getInstance("PKCS12");
      ks.load(null, null);
      ks.setKeyEntry(
          "leaf", keys.leafKey.getPrivate(), new char[0], new X509Certificate[] {keys.leaf});
      KeyManagerFactory kmf = KeyManagerFactory.getInstance("SunX509");
      kmf.init(ks, new char[0]);
      SSLContext ctx = SSLContext.getInstance("TLS");
      ctx.init(kmf.getKeyManagers(), null, null);
      listener = (SSLServerSocket) ctx.getServerSocketFactory().createServerSocket();
      // A small window, so a server that stops reading stalls the client soon.
      listener.setReceiveBufferSize(64 * 1024);
      listener.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 1);
      thread = new Thread(() -> serve(extension, bigFrame, reads), "fake-ws-server");
      thread.setDaemon(true);
      thread.start();
    }

    int port() {
      return listener.getLocalPort();
    }

    private void serve(String extension, int bigFrame, boolean reads) {
      try (SSLSocket s = (SSLSocket) listener.accept()) {
        s.setSoTimeout(10_000);
        s.startHandshake();
        InputStream in = s.getInputStream();
        List<String> lines = new ArrayList<>();
        for (String line = readLine(in); !line.isEmpty(); line = readLine(in)) {
          lines.add(line);
        }
        String key = "";
        for (String l : lines) {
          if (l.toLowerCase(Locale.ROOT).startsWith("sec-websocket-key:")) {
            key = l.substring(l.indexOf(':') + 1).trim();
          }
        }
        handshake.complete(
            new Handshake(
                s.getSession().getProtocol(), lines.get(0), lines.subList(1, lines.size())));
        String accept =
            Base64.getEncoder()
                .encodeToString(
                    MessageDigest.getInstance("SHA-1")
                        .digest(
                            (key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")
                                .getBytes(StandardCharsets.US_ASCII)));
        OutputStream out = s.getOutputStream();
        out.write(
            ("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    + "Sec-WebSocket-Accept: "
                    + accept
                    + "\r\n"
                    + (extension == null ? "" : "Sec-WebSocket-Extensions: " + extension + "\r\n")
                    + "\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        binaryFrame(
            out,
            ServerFrame.newBuilder()
                .setChallenge(Challenge.newBuilder().setNonce(ByteString.copyFrom(new byte[32])))
                .build()
                .toByteArray());
        if (bigFrame > 0) {
          // A well-formed delivery, so only its size can make the client refuse it.
          byte[] delivery =
              ServerFrame.newBuilder()
                  .setDelivery(
                      Delivery.newBuilder()
                          .setDeliveryId(1)
                          .setCiphertext(ByteString.copyFrom(new byte[bigFrame])))
                  .build()
                  .toByteArray();
          binaryFrame(out, delivery);
        }
        out.flush();
        if (!reads) {
          stalled.await(30, TimeUnit.SECONDS);
        }
        while (in.read() >= 0) {
          // hold the connection until the client closes it
        }
      } catch (Exception e) {
        handshake.completeExceptionally(e);
      }
    }

    private void binaryFrame(OutputStream out, byte[] payload) throws IOException {
      ByteArrayOutputStream f = new ByteArrayOutputStream();
      f.write(0x82);
      if (payload.length < 126) {
        f.write(payload.length);
      } else if (payload.length < 65536) {
        f.write(126);
        f.write(payload.length >> 8);
        f.write(payload.length);
      } else {
        f.write(127);
        for (int i = 7; i >= 0; i--) {
          f.write((int) ((long) payload.length >> (8 * i)));
        }
      }
      f.write(payload);
      out.write(f.toByteArray());
    }

    private String readLine(InputStream in) throws IOException {
      ByteArrayOutputStream line = new ByteArrayOutputStream();
      for (int b = in.read(); b >= 0 && b != '\n'; b = in.read()) {
        if (b != '\r') {
          line.write(b);
        }
      }
      return line.toString(StandardCharsets.US_ASCII);
    }

    @Override
    public void close() throws Exception {
      stalled.countDown();
      listener.close();
      thread.join(5000);
    }
  }
}
