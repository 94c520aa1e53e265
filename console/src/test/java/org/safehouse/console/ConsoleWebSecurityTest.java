package org.safehouse.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** What a web page, a rebinding DNS name or another local user can do to the console: nothing. */
@Timeout(60)
class ConsoleWebSecurityTest {
  @TempDir Path dir;
  private ConsoleMain.Running console;
  private int port;

  @BeforeEach
  void start() throws IOException {
    console = ConsoleMain.start(dir.resolve("home"), null, 0, Duration.ofMinutes(10));
    port = console.port();
  }

  @AfterEach
  void stop() {
    console.close();
  }

  private String token() {
    String a = console.address();
    return a.substring(a.indexOf("token=") + "token=".length());
  }

  /** Spends the token: the session cookie ("name=value"). */
  private String login() throws IOException {
    RawHttp.Response r = RawHttp.get(port, "/?token=" + token(), Map.of());
    assertEquals(303, r.status());
    String cookie = r.header("Set-Cookie");
    return cookie.substring(0, cookie.indexOf(';'));
  }

  private String csrf(String cookie) throws IOException {
    RawHttp.Response page = RawHttp.get(port, "/", Map.of("Cookie", cookie));
    assertEquals(200, page.status(), page.body());
    Matcher m = Pattern.compile("data-csrf=\"([^\"]+)\"").matcher(page.body());
    assertTrue(m.find(), page.body());
    return m.group(1);
  }

  @Test
  void theAddressIsOnLoopbackAndNothingElseAnswers() throws Exception {
    assertTrue(console.address().startsWith("http://127.0.0.1:" + port + "/?token="));
    InetAddress other = null;
    for (NetworkInterface ni : Collections.list(NetworkInterface.getNetworkInterfaces())) {
      for (InetAddress a : Collections.list(ni.getInetAddresses())) {
        if (!a.isLoopbackAddress() && a instanceof Inet4Address) {
          other = a;
        }
      }
    }
    Assumptions.assumeTrue(other != null, "this machine has no non-loopback address");
    InetAddress target = other;
    assertThrows(
        IOException.class,
        () -> {
          try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(target, port), 2000);
          }
        });
  }

  @Test
  void aForeignHostHeaderIsRefusedEvenWithTheToken() throws IOException {
    for (String host :
        List.of(
            "evil.example:" + port,
            "127.0.0.1.nip.io:" + port,
            "127.0.0.1:" + (port + 1),
            "127.0.0.1")) {
      RawHttp.Response r = RawHttp.get(port, "/?token=" + token(), Map.of("Host", host));
      assertEquals(421, r.status(), host);
      assertEquals(null, r.header("Set-Cookie"));
    }
    // The token was not spent by those.
    String cookie = login();
    assertNotNull(cookie);
    assertEquals(
        200,
        RawHttp.get(port, "/", Map.of("Host", "localhost:" + port, "Cookie", cookie)).status());
    assertEquals(
        421, RawHttp.get(port, "/", Map.of("Host", "evil.example", "Cookie", cookie)).status());
  }

  @Test
  void withoutTheTokenOrItsCookieNothingIsShown() throws IOException {
    for (String path :
        List.of("/", "/cases", "/c/" + "0".repeat(32), "/events", "/unlock/status")) {
      RawHttp.Response r = RawHttp.get(port, path, Map.of());
      assertEquals(403, r.status(), path);
      assertTrue(!r.body().contains("data-csrf"), path);
    }
    assertEquals(403, RawHttp.get(port, "/?token=wrong", Map.of()).status());
    assertEquals(
        403,
        RawHttp.get(port, "/", Map.of("Cookie", WebServer.COOKIE_PREFIX + port + "=guess"))
            .status());
  }

  @Test
  void twoConsolesOnOneComputerKeepTheirOwnSessionsInOneBrowser() throws IOException {
    try (ConsoleMain.Running other =
        ConsoleMain.start(dir.resolve("other-home"), null, 0, Duration.ofMinutes(10))) {
      String mine = login();
      String a = other.address();
      RawHttp.Response r =
          RawHttp.get(other.port(), "/?token=" + a.substring(a.indexOf("token=") + 6), Map.of());
      assertEquals(303, r.status());
      String theirs = r.header("Set-Cookie");
      theirs = theirs.substring(0, theirs.indexOf(';'));
      // A browser keeps one cookie per name and host (not port), and sends all of a host's
      // cookies to every port: both sessions must survive the second sign-in, side by side.
      assertTrue(
          !mine.substring(0, mine.indexOf('=')).equals(theirs.substring(0, theirs.indexOf('='))),
          "the two consoles' cookies share a name: " + mine + " / " + theirs);
      String jar = mine + "; " + theirs;
      assertEquals(200, RawHttp.get(port, "/", Map.of("Cookie", jar)).status());
      assertEquals(200, RawHttp.get(other.port(), "/", Map.of("Cookie", jar)).status());
      // Neither session opens the other console.
      assertEquals(403, RawHttp.get(other.port(), "/", Map.of("Cookie", mine)).status());
      assertEquals(403, RawHttp.get(port, "/", Map.of("Cookie", theirs)).status());
    }
  }

  @Test
  void theTokenWorksOnceAndBecomesAStrictHttpOnlyCookie() throws IOException {
    String t = token();
    RawHttp.Response first = RawHttp.get(port, "/?token=" + t, Map.of());
    assertEquals(303, first.status());
    assertEquals("/", first.header("Location"));
    String cookie = first.header("Set-Cookie");
    assertTrue(cookie.contains("HttpOnly"), cookie);
    assertTrue(cookie.contains("SameSite=Strict"), cookie);
    assertTrue(cookie.contains("Path=/"), cookie);
    RawHttp.Response again = RawHttp.get(port, "/?token=" + t, Map.of());
    assertEquals(403, again.status());
    assertEquals(null, again.header("Set-Cookie"));
    assertEquals(
        200,
        RawHttp.get(port, "/", Map.of("Cookie", cookie.substring(0, cookie.indexOf(';'))))
            .status());
  }

  @Test
  void everyPostNeedsTheCsrfTokenAndThisOrigin() throws IOException {
    String cookie = login();
    String csrf = csrf(cookie);
    String origin = "http://127.0.0.1:" + port;
    assertEquals(403, post(cookie, null, "passphrase=x").status());
    assertEquals(403, post(cookie, origin, "passphrase=x&csrf=wrong").status());
    assertEquals(403, post(cookie, "http://evil.example", "csrf=" + csrf).status());
    assertEquals(403, post(cookie, "null", "csrf=" + csrf).status());
    RawHttp.Response crossSite =
        RawHttp.send(
            port,
            "POST",
            "/lock",
            Map.of("Cookie", cookie, "Sec-Fetch-Site", "cross-site"),
            "csrf=" + csrf);
    assertEquals(403, crossSite.status());
    RawHttp.Response nullCrossSite =
        RawHttp.send(
            port,
            "POST",
            "/lock",
            Map.of("Cookie", cookie, "Origin", "null", "Sec-Fetch-Site", "cross-site"),
            "csrf=" + csrf);
    assertEquals(403, nullCrossSite.status());
    // Chromium's own form under Referrer-Policy no-referrer: Origin null, same-origin.
    RawHttp.Response ownForm =
        RawHttp.send(
            port,
            "POST",
            "/lock",
            Map.of("Cookie", cookie, "Origin", "null", "Sec-Fetch-Site", "same-origin"),
            "csrf=" + csrf);
    assertEquals(303, ownForm.status());
    // A form of another site cannot carry the cookie (SameSite) nor know the token; this one can.
    assertEquals(303, post(cookie, origin, "csrf=" + csrf).status());
    assertEquals(303, post(cookie, null, "csrf=" + csrf).status());
  }

  private RawHttp.Response post(String cookie, String origin, String body) throws IOException {
    java.util.HashMap<String, String> h = new java.util.HashMap<>();
    h.put("Cookie", cookie);
    if (origin != null) {
      h.put("Origin", origin);
    }
    return RawHttp.send(port, "POST", "/lock", h, body);
  }

  @Test
  void everyAnswerCarriesTheStrictHeaders() throws IOException {
    String cookie = login();
    for (RawHttp.Response r :
        List.of(
            RawHttp.get(port, "/", Map.of()),
            RawHttp.get(port, "/", Map.of("Host", "evil.example:" + port)),
            RawHttp.get(port, "/", Map.of("Cookie", cookie)),
            RawHttp.get(port, "/static/console.js", Map.of()),
            RawHttp.get(port, "/static/../messages.properties", Map.of()))) {
      assertEquals(WebServer.CSP, r.header("Content-Security-Policy"));
      assertEquals(
          "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
              + "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
          r.header("Content-Security-Policy"));
      assertEquals("no-store", r.header("Cache-Control"));
      assertEquals("nosniff", r.header("X-Content-Type-Options"));
      assertEquals("no-referrer", r.header("Referrer-Policy"));
    }
    assertEquals(404, RawHttp.get(port, "/static/../messages.properties", Map.of()).status());
  }

  @Test
  void pagesHaveNoInlineScriptOrStyleAndNothingExternal() throws IOException {
    String body = RawHttp.get(port, "/", Map.of("Cookie", login())).body();
    assertTrue(body.contains("<script src=\"/static/console.js\""), body);
    assertTrue(!body.matches("(?s).*<script(?![^>]*src=\"/static/)[^>]*>.*"), body);
    assertTrue(!body.contains(" style="), body);
    assertTrue(!body.contains("http://") && !body.contains("https://"), body);
  }

  @Test
  void linkingThisConsoleNeedsTheCookieAndTheCsrfTokenLikeEveryPage() throws IOException {
    assertEquals(403, RawHttp.get(port, "/link", Map.of()).status());
    String cookie = login();
    String csrf = csrf(cookie);
    assertTrue(
        RawHttp.get(port, "/", Map.of("Cookie", cookie)).body().contains("href=\"/link\""),
        "an empty home offers linking");
    RawHttp.Response form = RawHttp.get(port, "/link", Map.of("Cookie", cookie));
    assertEquals(200, form.status());
    assertTrue(form.body().contains("id=\"link-form\""), form.body());
    assertTrue(!form.body().contains(" style=") && !form.body().contains("<script>"));
    String start = "serverLink=x&passphrase=p&passphrase2=p";
    Map<String, String> h = Map.of("Cookie", cookie, "Origin", "http://127.0.0.1:" + port);
    assertEquals(403, RawHttp.send(port, "POST", "/link", h, start).status());
    assertEquals(403, RawHttp.send(port, "POST", "/link", h, start + "&csrf=wrong").status());
    assertEquals(403, RawHttp.send(port, "POST", "/link/cancel", h, "").status());
    assertEquals("locked", RawHttp.get(port, "/unlock/status", Map.of("Cookie", cookie)).body());
    RawHttp.Response bad = RawHttp.send(port, "POST", "/link", h, start + "&csrf=" + csrf);
    assertTrue(bad.body().contains("id=\"link-error\""), bad.body());
    assertEquals("locked", RawHttp.get(port, "/unlock/status", Map.of("Cookie", cookie)).body());
  }
}
