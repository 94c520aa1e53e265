package org.safehouse.console;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The console's HTTP server and its whole web security layer, on 127.0.0.1 only.
 *
 * <ul>
 *   <li>Host must be {@code 127.0.0.1:PORT} or {@code localhost:PORT} (DNS rebinding): else 421.
 *   <li>The printed address carries a one-time token; presenting it once sets an HttpOnly,
 *       SameSite=Strict session cookie and the token is spent. Without the cookie: 403. The
 *       cookie's name carries the port ({@link #cookieName}): a browser keeps cookies per host, not
 *       per port, so two consoles on one computer would otherwise sign each other out.
 *   <li>Every POST needs the session's CSRF token, and an Origin (if sent) of this console, and no
 *       cross-site {@code Sec-Fetch-Site}: else 403.
 *   <li>Every answer: a strict CSP, no-store, nosniff, no referrer, no framing.
 * </ul>
 */
final class WebServer implements AutoCloseable {
  /** The session cookie's name, before the port. */
  static final String COOKIE_PREFIX = "safehouse_console_";

  static final String CSP =
      "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
          + "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
  private static final Logger LOG = Logger.getLogger(WebServer.class.getName());
  private static final SecureRandom RANDOM = new SecureRandom();

  /** What the pages answer. */
  interface Handler {
    void handle(Request request) throws IOException;
  }

  private final HttpServer server;
  private final ExecutorService threads;
  private final String sessionId = random();
  private final String csrf = random();
  private final Console console;
  private volatile String oneTimeToken = random();
  private volatile Handler handler;

  WebServer(int port, Console console) throws IOException {
    this.console = console;
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 50);
    threads =
        Executors.newCachedThreadPool(
            r -> {
              Thread t = new Thread(r, "console-http");
              t.setDaemon(true);
              return t;
            });
    server.setExecutor(threads);
    server.createContext("/", this::exchange);
  }

  void start(Handler handler) {
    this.handler = handler;
    server.start();
  }

  int port() {
    return server.getAddress().getPort();
  }

  /** This console's session cookie: one per port, so that consoles side by side keep theirs. */
  String cookieName() {
    return COOKIE_PREFIX + port();
  }

  /** The one-time address to open; it works once. */
  String address() {
    return "http://127.0.0.1:" + port() + "/?token=" + oneTimeToken;
  }

  private void exchange(HttpExchange ex) throws IOException {
    try (ex) {
      Headers h = ex.getResponseHeaders();
      h.set("Content-Security-Policy", CSP);
      h.set("Cache-Control", "no-store");
      h.set("X-Content-Type-Options", "nosniff");
      h.set("Referrer-Policy", "no-referrer");
      h.set("X-Frame-Options", "DENY");
      h.set("Cross-Origin-Opener-Policy", "same-origin");
      h.set("Cross-Origin-Resource-Policy", "same-origin");
      if (!hostAllowed(ex.getRequestHeaders().getFirst("Host"))) {
        plain(ex, 421, "Misdirected request");
        return;
      }
      String path = ex.getRequestURI().getRawPath();
      if (path.startsWith("/static/") && ex.getRequestMethod().equals("GET")) {
        staticFile(ex, path.substring("/static/".length()));
        return;
      }
      String token = Request.parse(ex.getRequestURI().getRawQuery()).get("token");
      if (token != null && ex.getRequestMethod().equals("GET")) {
        String expected = oneTimeToken;
        if (expected != null && same(token, expected)) {
          oneTimeToken = null;
          h.add(
              "Set-Cookie", cookieName() + "=" + sessionId + "; Path=/; HttpOnly; SameSite=Strict");
          h.set("Location", "/");
          ex.sendResponseHeaders(303, -1);
          return;
        }
      }
      if (!hasSession(ex)) {
        plain(ex, 403, "Open the address the console printed when it started.");
        return;
      }
      if (!ex.getRequestMethod().equals("GET") && !ex.getRequestMethod().equals("POST")) {
        plain(ex, 405, "Method not allowed");
        return;
      }
      if (ex.getRequestMethod().equals("POST") && !sameOrigin(ex)) {
        plain(ex, 403, "Cross-site request refused");
        return;
      }
      Request request = Request.read(ex, csrf);
      if (request.method.equals("POST")) {
        String sent = request.form.get("csrf");
        if (sent == null) {
          sent = request.header("X-CSRF-Token");
        }
        if (sent == null || !same(sent, csrf)) {
          plain(ex, 403, "Missing or wrong CSRF token");
          return;
        }
      }
      if (!path.equals("/events") && !path.equals("/unlock/status")) {
        console.touch();
      }
      handler.handle(request);
    } catch (IOException | RuntimeException e) {
      LOG.log(Level.FINE, "A request failed: " + e.getClass().getSimpleName());
      try {
        plain(ex, 500, "Error");
      } catch (IOException | RuntimeException ignored) {
        // Headers already sent, or the browser went away.
      }
    }
  }

  boolean hostAllowed(String host) {
    if (host == null) {
      return false;
    }
    String h = host.toLowerCase(Locale.ROOT);
    return h.equals("127.0.0.1:" + port()) || h.equals("localhost:" + port());
  }

  private boolean sameOrigin(HttpExchange ex) {
    String site = ex.getRequestHeaders().getFirst("Sec-Fetch-Site");
    if (site != null && !site.equals("same-origin") && !site.equals("none")) {
      return false;
    }
    String origin = ex.getRequestHeaders().getFirst("Origin");
    // Under Referrer-Policy no-referrer a browser sends "Origin: null" for its own forms; it is
    // accepted only with the browser's word that the request is same-origin.
    return origin == null
        || origin.equals("http://127.0.0.1:" + port())
        || origin.equals("http://localhost:" + port())
        || (origin.equals("null") && "same-origin".equals(site));
  }

  private boolean hasSession(HttpExchange ex) {
    List<String> cookies = ex.getRequestHeaders().get("Cookie");
    if (cookies == null) {
      return false;
    }
    String name = cookieName() + "=";
    for (String header : cookies) {
      for (String c : header.split(";")) {
        String kv = c.trim();
        if (kv.startsWith(name) && same(kv.substring(name.length()), sessionId)) {
          return true;
        }
      }
    }
    return false;
  }

  private static final List<String> STATIC = List.of("console.js", "console.css");

  private void staticFile(HttpExchange ex, String name) throws IOException {
    if (!STATIC.contains(name)) {
      plain(ex, 404, "Not found");
      return;
    }
    try (InputStream in = WebServer.class.getResourceAsStream("static/" + name)) {
      byte[] body = in.readAllBytes();
      ex.getResponseHeaders()
          .set(
              "Content-Type",
              name.endsWith(".js") ? "text/javascript; charset=utf-8" : "text/css; charset=utf-8");
      ex.sendResponseHeaders(200, body.length);
      ex.getResponseBody().write(body);
    }
  }

  static void plain(HttpExchange ex, int status, String text) throws IOException {
    byte[] body = text.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
    ex.sendResponseHeaders(status, body.length);
    ex.getResponseBody().write(body);
  }

  static void html(HttpExchange ex, int status, String page) throws IOException {
    byte[] body = page.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("Content-Type", "text/html; charset=utf-8");
    ex.sendResponseHeaders(status, body.length);
    ex.getResponseBody().write(body);
  }

  static void redirect(HttpExchange ex, String to) throws IOException {
    ex.getResponseHeaders().set("Location", to);
    ex.sendResponseHeaders(303, -1);
  }

  /** Holds an event stream open on this request's thread. */
  static void events(HttpExchange ex, Events events) throws IOException {
    ex.getResponseHeaders().set("Content-Type", "text/event-stream; charset=utf-8");
    ex.sendResponseHeaders(200, 0);
    OutputStream out = ex.getResponseBody();
    events.attach(out);
  }

  private static boolean same(String a, String b) {
    return MessageDigest.isEqual(
        a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));
  }

  private static String random() {
    byte[] b = new byte[32];
    RANDOM.nextBytes(b);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
  }

  @Override
  public void close() {
    server.stop(0);
    threads.shutdownNow();
  }
}
