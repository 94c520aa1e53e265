package org.safehouse.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 11's promises with nothing but the shipped jars, as an NGO admin and the people they serve
 * run them: {@code safehouse-server.jar serve} as a service would start it (stdout not a terminal),
 * {@code admin} commands and {@code safehouse.jar} as one process per command.
 */
@Timeout(300)
class ServerJarJourneyTest {
  private static final Map<String, String> ENV = Map.of(SafehouseCli.PASSPHRASE_ENV, "horse");
  private static final Pattern LISTENING =
      Pattern.compile("Safehouse relay listening on 127\\.0\\.0\\.1:(\\d+) \\(TLS 1\\.3, .*\\)");

  @TempDir Path dir;
  private Process server;
  private final List<String> screen = new ArrayList<>();

  @BeforeEach
  void requireJars() {
    Assumptions.assumeTrue(ShippedJars.available(), "runs in the jar-journey execution");
  }

  @AfterEach
  void stop() throws Exception {
    if (server != null && server.isAlive()) {
      server.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
  }

  private ShippedJars.Run cli(String home, String stdin, String... args) throws Exception {
    List<String> all = new ArrayList<>(List.of("--home", dir.resolve(home).toString()));
    all.addAll(List.of(args));
    return ShippedJars.run(ShippedJars.jar(ShippedJars.CLI), dir, ENV, stdin, all);
  }

  private ShippedJars.Run ok(String home, String stdin, String... args) throws Exception {
    ShippedJars.Run r = cli(home, stdin, args);
    assertEquals(0, r.exit(), "safehouse " + String.join(" ", args) + ": " + r.err());
    return r;
  }

  private ShippedJars.Run admin(String... args) throws Exception {
    List<String> all = new ArrayList<>(List.of("admin", "--data", dir.resolve("data").toString()));
    all.addAll(List.of(args));
    ShippedJars.Run r =
        ShippedJars.run(ShippedJars.jar(ShippedJars.SERVER), dir, Map.of(), "", all);
    assertEquals(0, r.exit(), "admin " + String.join(" ", args) + ": " + r.err());
    return r;
  }

  private static String lastWord(String text) {
    String[] w = text.trim().split("\\s+");
    return w[w.length - 1];
  }

  /** Starts the server jar and reads its first screen up to the first-invite line. */
  private int startServer() throws Exception {
    List<String> args =
        List.of("serve", "--data", dir.resolve("data").toString(), "--listen", "127.0.0.1:0");
    ProcessBuilder pb =
        new ProcessBuilder(ShippedJars.command(ShippedJars.jar(ShippedJars.SERVER), dir, args))
            .redirectErrorStream(true);
    server = pb.start();
    BufferedReader out =
        new BufferedReader(new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8));
    int port = -1;
    for (String line; (line = out.readLine()) != null; ) {
      screen.add(line);
      Matcher m = LISTENING.matcher(line);
      if (m.matches()) {
        port = Integer.parseInt(m.group(1));
      }
      if (line.startsWith("First admin invite")) {
        break;
      }
    }
    // Keep draining, so the server never blocks on a full pipe.
    Thread drain =
        new Thread(
            () -> {
              try {
                out.transferTo(java.io.Writer.nullWriter());
              } catch (Exception e) {
                // the process ended
              }
            });
    drain.setDaemon(true);
    drain.start();
    assertTrue(port > 0, "the server said where it listens: " + screen);
    return port;
  }

  /** What any HTTP client learns from one request: the answer's bytes up to the end of its body. */
  private static String probe(int port, String request) throws Exception {
    SSLContext tls = SSLContext.getInstance("TLS");
    // A prober trusts any certificate: it wants to know what answers, not whom to trust.
    tls.init(null, new TrustManager[] {new TrustAnything()}, null);
    try (SSLSocket s = (SSLSocket) tls.getSocketFactory().createSocket("127.0.0.1", port)) {
      s.setSoTimeout(10_000);
      OutputStream o = s.getOutputStream();
      o.write(request.getBytes(StandardCharsets.US_ASCII));
      o.flush();
      byte[] buf = new byte[4096];
      StringBuilder answer = new StringBuilder();
      int n;
      while (!answer.toString().contains("</html>") && (n = s.getInputStream().read(buf)) > 0) {
        answer.append(new String(buf, 0, n, StandardCharsets.ISO_8859_1));
      }
      return answer.toString();
    }
  }

  @Test
  void anAdminRunsTheShippedJarsAndTheRelayLooksLikeNginxToAProber() throws Exception {
    assertTrue(
        ShippedJars.run(
                ShippedJars.jar(ShippedJars.SERVER), dir, Map.of(), "", List.of("--version"))
            .out()
            .startsWith("safehouse-server "));
    assertTrue(ok("nobody", "", "--version").out().startsWith("safehouse "));

    // Logging is set up in code, with redaction, unless a logback file is on the class path:
    // none may ride along in the jar.
    try (java.util.jar.JarFile jar =
        new java.util.jar.JarFile(ShippedJars.jar(ShippedJars.SERVER).toFile())) {
      for (String config : List.of("logback.xml", "logback-test.xml")) {
        assertTrue(jar.getEntry(config) == null, "the server jar carries " + config);
      }
    }

    int port = startServer();
    // The first screen is Safehouse's own three lines; as a service it never shows the invite.
    assertEquals(3, screen.size(), "first screen: " + screen);
    assertTrue(screen.get(1).startsWith("Pin: "), screen.toString());
    Path inviteFile = dir.resolve("data").resolve("first-admin-invite.txt");
    assertTrue(screen.get(2).contains(inviteFile.toString()), screen.toString());
    screen.forEach(l -> assertFalse(l.contains("safehouse://"), "invite on the screen: " + l));
    assertEquals(
        "rw-------",
        PosixFilePermissions.toString(Files.getPosixFilePermissions(inviteFile)),
        "the first invite is owner-only");
    String firstInvite = Files.readString(inviteFile).trim();
    assertTrue(firstInvite.contains("&secret="), firstInvite);

    // A prober without the secret gets nginx's page, at the old path too.
    for (String path : List.of("/", "/v1/ws")) {
      String answer =
          probe(
              port,
              "GET "
                  + path
                  + " HTTP/1.1\r\nHost: relay\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                  + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
                  + "\r\n");
      assertTrue(answer.startsWith("HTTP/1.1 404 Not Found\r\n"), answer);
      assertTrue(answer.contains("\r\nServer: nginx\r\n"), answer);
      assertFalse(answer.toLowerCase(java.util.Locale.ROOT).contains("safehouse"), answer);
    }

    // The people: an admin, a caseworker and a person in hiding, all through the shipped CLI.
    ok("admin", "", "enroll", firstInvite);
    String caseworkerInvite = lastWord(admin("invite", "--role", "caseworker").out());
    ok("worker", "", "enroll", caseworkerInvite);
    ok("client", "", "enroll", ok("worker", "", "invite").out().trim());
    String client = lastWord(ok("client", "", "whoami").out());
    ok("worker", "your appointment is on Tuesday\n", "send", client);
    assertTrue(
        ok("client", "", "receive", "--wait", "5")
            .out()
            .contains("your appointment is on Tuesday"));
    assertTrue(admin("invites").lines().isEmpty(), "every invite was used");

    // The client's phone is lost: once revoke returns, it can do nothing.
    admin("revoke", client);
    ShippedJars.Run after =
        cli("client", "still here?\n", "send", lastWord(ok("worker", "", "whoami").out()));
    assertNotEquals(0, after.exit(), "a revoked device cannot send");
    assertEquals(1, after.err().lines().count(), "one line: " + after.err());
    assertEquals(
        "0",
        admin("stats").lines().stream()
            .filter(l -> l.startsWith("queued_messages"))
            .map(ServerJarJourneyTest::lastWord)
            .findFirst()
            .orElseThrow());

    server.destroy(); // SIGTERM
    assertTrue(server.waitFor(30, TimeUnit.SECONDS), "the server stops on SIGTERM");
    assertEquals(0, server.exitValue());
  }

  private static final class TrustAnything implements X509TrustManager {
    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) {}

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) {}

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return new X509Certificate[0];
    }
  }
}
