package org.safehouse.server.transport;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/**
 * What nginx with {@code server_tokens off} answers for an unknown path (404) and for a request it
 * cannot parse (400), byte for byte: status line, headers in nginx's order, and its built-in HTML
 * page with CRLF line ends. The relay answers every request that is not a valid upgrade on its
 * secret path with one of these, so that a prober sees an ordinary web server.
 *
 * <pre>
 * HTTP/1.1 404 Not Found
 * Server: nginx
 * Date: Tue, 01 Dec 2026 21:46:02 GMT
 * Content-Type: text/html
 * Content-Length: 146
 * Connection: keep-alive
 * </pre>
 */
final class DecoyPages {
  // nginx's own format: a two-digit day, English names, always GMT.
  private static final DateTimeFormatter DATE =
      DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'", Locale.US)
          .withZone(ZoneOffset.UTC);

  static final byte[] NOT_FOUND = page("404 Not Found");
  static final byte[] BAD_REQUEST = page("400 Bad Request");
  static final byte[] URI_TOO_LONG = page("414 Request-URI Too Large");

  private DecoyPages() {}

  private static byte[] page(String title) {
    return ("<html>\r\n<head><title>"
            + title
            + "</title></head>\r\n<body>\r\n<center><h1>"
            + title
            + "</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n")
        .getBytes(StandardCharsets.US_ASCII);
  }

  /**
   * The 404 page.
   *
   * @param withBody false for a HEAD request: the same headers, no body
   * @param keepAlive whether the connection stays open, as nginx decides it from the request
   */
  static FullHttpResponse notFound(Clock clock, boolean withBody, boolean keepAlive) {
    return response(HttpResponseStatus.NOT_FOUND, NOT_FOUND, clock, withBody, keepAlive);
  }

  /** The 400 page; nginx closes the connection after it. */
  static FullHttpResponse badRequest(Clock clock) {
    return response(HttpResponseStatus.BAD_REQUEST, BAD_REQUEST, clock, true, false);
  }

  /** The 414 page, for a request line longer than nginx's 8k buffer; closed after it. */
  static FullHttpResponse uriTooLong(Clock clock) {
    return response(
        new HttpResponseStatus(414, "Request-URI Too Large"), URI_TOO_LONG, clock, true, false);
  }

  private static FullHttpResponse response(
      HttpResponseStatus status, byte[] body, Clock clock, boolean withBody, boolean keepAlive) {
    FullHttpResponse r =
        new DefaultFullHttpResponse(
            HttpVersion.HTTP_1_1,
            status,
            withBody ? Unpooled.wrappedBuffer(body) : Unpooled.buffer(0));
    // Names as nginx capitalises them (Netty's constants are lower case).
    r.headers()
        .add("Server", "nginx")
        .add("Date", DATE.format(clock.instant()))
        .add("Content-Type", "text/html")
        .add("Content-Length", body.length)
        .add("Connection", keepAlive ? "keep-alive" : "close");
    return r;
  }
}
