package org.safehouse.server.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.FullHttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.safehouse.server.testing.FakeClock;

/** {@link HttpRoutes} on an in-VM channel: nginx's exact bytes, and the one way through. */
@Timeout(10)
class HttpRoutesTest {
  private static final UpgradeSecret SECRET = UpgradeSecret.of("q83vEjRWeJCrze8SNFZ4kA");
  private static final String UPGRADE_HEADERS =
      "Upgrade: websocket\r\nConnection: Upgrade\r\n"
          + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n";
  private static final String NOT_FOUND_BODY =
      "<html>\r\n<head><title>404 Not Found</title></head>\r\n<body>\r\n"
          + "<center><h1>404 Not Found</h1></center>\r\n<hr><center>nginx</center>\r\n"
          + "</body>\r\n</html>\r\n";

  private final FakeClock clock = new FakeClock(Instant.parse("2026-12-01T09:05:03Z"));

  private EmbeddedChannel channel() {
    return new EmbeddedChannel(RelayChannelInitializer.httpCodec(), new HttpRoutes(SECRET, clock));
  }

  private static String answer(EmbeddedChannel ch, String request) {
    ch.writeInbound(Unpooled.copiedBuffer(request, StandardCharsets.US_ASCII));
    StringBuilder out = new StringBuilder();
    for (ByteBuf b; (b = ch.readOutbound()) != null; ) {
      out.append(b.toString(StandardCharsets.ISO_8859_1));
      b.release();
    }
    return out.toString();
  }

  @Test
  void unknownPathGetsNginxsNotFoundByteForByteAndStaysOpen() {
    EmbeddedChannel ch = channel();
    String a = answer(ch, "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
    assertEquals(
        "HTTP/1.1 404 Not Found\r\nServer: nginx\r\nDate: Tue, 01 Dec 2026 09:05:03 GMT\r\n"
            + "Content-Type: text/html\r\nContent-Length: 146\r\nConnection: keep-alive\r\n\r\n"
            + NOT_FOUND_BODY,
        a);
    assertEquals(146, NOT_FOUND_BODY.length());
    assertTrue(ch.isOpen());
    // Keep-alive: the next request on the same connection gets the same answer.
    assertEquals(a, answer(ch, "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n"));
    assertNull(ch.readInbound());
    assertFalse(ch.finishAndReleaseAll());
  }

  @Test
  void connectionCloseAndHttp10AreAnsweredThenClosedAsNginxDoes() {
    EmbeddedChannel ch = channel();
    String a = answer(ch, "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    assertTrue(a.contains("\r\nConnection: close\r\n\r\n"), a);
    assertFalse(ch.isOpen());
    EmbeddedChannel old = channel();
    assertTrue(answer(old, "GET / HTTP/1.0\r\n\r\n").startsWith("HTTP/1.1 404 Not Found\r\n"));
    assertFalse(old.isOpen());
  }

  @Test
  void headGetsTheHeadersWithoutTheBody() {
    EmbeddedChannel ch = channel();
    String a = answer(ch, "HEAD / HTTP/1.1\r\nHost: x\r\n\r\n");
    assertTrue(a.endsWith("Content-Length: 146\r\nConnection: keep-alive\r\n\r\n"), a);
  }

  @Test
  void secretPathWithoutUpgradeHeadersOrWithABodyGetsTheSameNotFound() {
    EmbeddedChannel ch = channel();
    String plain = answer(ch, "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
    assertEquals(plain, answer(ch, "GET " + SECRET.path() + " HTTP/1.1\r\nHost: x\r\n\r\n"));
    assertEquals(
        plain,
        answer(
            ch,
            "GET "
                + SECRET.path()
                + " HTTP/1.1\r\nHost: x\r\n"
                + UPGRADE_HEADERS
                + "Content-Length: 3\r\n\r\nabc"));
    assertNull(ch.readInbound());
  }

  @Test
  void longPathUpToNginxsBufferIsJustAnotherUnknownPath() {
    EmbeddedChannel ch = channel();
    String a = answer(ch, "GET /" + "x".repeat(5000) + " HTTP/1.1\r\nHost: x\r\n\r\n");
    assertTrue(a.startsWith("HTTP/1.1 404 Not Found\r\n"), a);
    assertTrue(ch.isOpen());
  }

  @Test
  void overlongRequestLineGetsNginxs414AndIsClosed() {
    EmbeddedChannel ch = channel();
    String a = answer(ch, "GET /" + "x".repeat(9000) + " HTTP/1.1\r\n\r\n");
    assertTrue(a.startsWith("HTTP/1.1 414 Request-URI Too Large\r\nServer: nginx\r\n"), a);
    assertTrue(a.contains("\r\nConnection: close\r\n\r\n<html>"), a);
    assertTrue(a.contains("<center><h1>414 Request-URI Too Large</h1></center>"), a);
    assertFalse(ch.isOpen());
  }

  @Test
  void unparsableRequestGetsNginxsBadRequestAndIsClosed() {
    EmbeddedChannel ch = channel();
    String a = answer(ch, "GET / HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n");
    assertTrue(a.startsWith("HTTP/1.1 400 Bad Request\r\nServer: nginx\r\n"), a);
    assertTrue(a.contains("\r\nConnection: close\r\n\r\n<html>"), a);
    assertFalse(a.toLowerCase().contains("netty"), a);
    assertFalse(ch.isOpen());
  }

  @Test
  void upgradeAtTheSecretPathIsPassedOnAndTheRoutesLeave() {
    EmbeddedChannel ch = channel();
    assertEquals(
        "",
        answer(ch, "GET " + SECRET.path() + " HTTP/1.1\r\nHost: x\r\n" + UPGRADE_HEADERS + "\r\n"));
    FullHttpRequest passed = ch.readInbound();
    assertEquals(SECRET.path(), passed.uri());
    passed.release();
    assertNull(ch.pipeline().get(HttpRoutes.class));
  }

  @Test
  void secretIsComparedExactly() {
    assertTrue(SECRET.matches(SECRET.path()));
    assertFalse(SECRET.matches(SECRET.path() + "?"));
    assertFalse(SECRET.matches(SECRET.path().substring(0, 10)));
    assertFalse(SECRET.matches("/" + SECRET.encoded().toUpperCase()));
    assertFalse(SECRET.matches("/"));
  }
}
