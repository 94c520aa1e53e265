package org.safehouse.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.InvalidProtocolBufferException;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Random;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.safehouse.protocol.wire.ClientFrame;
import org.safehouse.protocol.wire.ErrorCode;
import org.safehouse.protocol.wire.Response;
import org.safehouse.server.account.Role;
import org.safehouse.server.testing.FakeClock;
import org.safehouse.server.testing.RawClient;
import org.safehouse.server.testing.TestServers;

/**
 * Frames no honest client sends: each closes the connection with the WebSocket status that says
 * why, stores nothing, and leaves the server serving everyone else.
 */
@Timeout(60)
class HostileInputTest {
  private static final Duration WAIT = Duration.ofSeconds(5);
  private static final int MESSAGE_TOO_BIG = 1009;
  private static final int INVALID_PAYLOAD = 1007;
  private static final int UNSUPPORTED_DATA = 1003;

  @TempDir Path data;
  private final FakeClock clock = new FakeClock();
  private SafehouseServer server;
  private RawClient.Device worker;
  private RawClient.Device client;

  @BeforeEach
  void start() throws Exception {
    server = TestServers.start(data, clock);
    worker = TestServers.enroll(server, Role.CASEWORKER);
    client = TestServers.enrollClient(server, worker);
  }

  @AfterEach
  void stop() {
    server.close();
  }

  /** A Send to {@code client} whose serialized ClientFrame is exactly {@code frameBytes} long. */
  private ClientFrame sendFrameOfSize(int frameBytes) {
    int ciphertext = frameBytes;
    while (true) {
      ClientFrame f =
          RawClient.sendFrame(client.accountId, new byte[ciphertext], StillServing.randomId(), 0)
              .setRequestId(1)
              .build();
      int size = f.getSerializedSize();
      if (size == frameBytes) {
        return f;
      }
      ciphertext -= size - frameBytes;
    }
  }

  private int maxFrameBytes() {
    return server.config().limits().maxFrameBytes();
  }

  @Test
  void frameOfExactlyTheSizeLimitIsAccepted() throws Exception {
    ClientFrame atLimit = sendFrameOfSize(maxFrameBytes());
    try (RawClient w = TestServers.login(server, worker)) {
      Response r = w.request(atLimit.toBuilder());
      assertEquals(ErrorCode.OK, r.getError());
      assertTrue(w.isOpen());
    }
    assertEquals(1, server.store().counters().queuedMessages());
  }

  @Test
  void oversizeFrameClosesTheConnectionAndServerKeepsServing() throws Exception {
    ClientFrame oversize = sendFrameOfSize(maxFrameBytes() + 1);
    try (RawClient w = TestServers.login(server, worker)) {
      w.sendBinary(oversize.toByteArray());
      Integer status = w.awaitClosed(WAIT);
      assertFalse(w.isOpen());
      // The server closes while the rest of the frame is still arriving, so the kernel may reset
      // the connection and drop the close frame; when the close frame arrives it says 1009.
      assertTrue(status == null || status == MESSAGE_TOO_BIG, "close status " + status);
    }
    assertEquals(0, server.store().counters().queuedMessages());
    StillServing.assertServes(server);
  }

  @Test
  void truncatedFrameClosesTheConnectionAndServerKeepsServing() throws Exception {
    byte[] whole =
        RawClient.sendFrame(client.accountId, new byte[300], StillServing.randomId(), 0)
            .setRequestId(1)
            .build()
            .toByteArray();
    byte[] truncated = Arrays.copyOf(whole, whole.length - 100);
    assertThrows(InvalidProtocolBufferException.class, () -> ClientFrame.parseFrom(truncated));
    try (RawClient w = TestServers.login(server, worker)) {
      w.sendBinary(truncated);
      assertEquals(INVALID_PAYLOAD, w.awaitClosed(WAIT));
    }
    assertEquals(0, server.store().counters().queuedMessages());
    StillServing.assertServes(server);
  }

  @Test
  void garbageBytesCloseTheConnectionAndServerKeepsServing() throws Exception {
    byte[] garbage = new byte[512];
    new Random(20261125).nextBytes(garbage);
    assertThrows(InvalidProtocolBufferException.class, () -> ClientFrame.parseFrom(garbage));
    try (RawClient c = TestServers.connect(server)) {
      c.sendBinary(garbage);
      assertEquals(INVALID_PAYLOAD, c.awaitClosed(WAIT));
    }
    assertEquals(2, server.store().counters().accounts());
    StillServing.assertServes(server);
  }

  @Test
  void textFrameClosesTheConnectionAndServerKeepsServing() throws Exception {
    try (RawClient w = TestServers.login(server, worker)) {
      w.sendText("{\"send\": \"hello\"}");
      assertEquals(UNSUPPORTED_DATA, w.awaitClosed(WAIT));
      assertFalse(w.isOpen());
    }
    assertEquals(0, server.store().counters().queuedMessages());
    StillServing.assertServes(server);
  }

  @Test
  void httpRequestForAnotherPathGets404AndServerKeepsServing() throws Exception {
    SSLContext tls = SSLContext.getInstance("TLSv1.3");
    tls.init(null, new TrustManager[] {new RawClient.PinTrustManager(server.pin())}, null);
    try (SSLSocket s =
        (SSLSocket) tls.getSocketFactory().createSocket("127.0.0.1", server.port())) {
      s.setSoTimeout((int) WAIT.toMillis());
      OutputStream out = s.getOutputStream();
      out.write(
          "GET /admin HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
              .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      String answer = readUntilClosed(s.getInputStream());
      assertTrue(answer.startsWith("HTTP/1.1 404 "), answer);
    }
    StillServing.assertServes(server);
  }

  /** Everything the server sends until it closes; a read timeout fails the test. */
  private static String readUntilClosed(InputStream in) throws Exception {
    ByteArrayOutputStream all = new ByteArrayOutputStream();
    byte[] buf = new byte[4096];
    for (int n; (n = in.read(buf)) >= 0; ) {
      all.write(buf, 0, n);
    }
    return all.toString(StandardCharsets.US_ASCII);
  }
}
