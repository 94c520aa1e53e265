package org.safehouse.packaging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.safehouse.sdk.ReceivedMessage;
import org.safehouse.sdk.SafehouseClient;
import org.safehouse.server.SafehouseServer;
import org.safehouse.server.account.InviteLink;
import org.safehouse.server.account.Role;
import org.safehouse.server.config.ConfigFile;
import org.safehouse.server.testing.FakeClock;
import org.safehouse.server.transport.TlsMaterial;

/**
 * docs/deploy-nginx.md, run: a real nginx with the guide's site file ({@code
 * docs/nginx/safehouse.conf}) terminates TLS in front of a real relay in plaintext mode started
 * from the guide's relay config ({@code docs/nginx/safehouse-relay.conf}), and SDK clients enroll
 * with invites that pin nginx's key, then send and receive through it. Only the ports and the
 * certificate paths of the two files are replaced (see {@link DocumentedFile}).
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class NginxJourneyTest {
  private static final char[] PASSPHRASE = "correct horse battery staple".toCharArray();
  private static final Duration WAIT = Duration.ofSeconds(20);

  @TempDir Path temp;
  private SafehouseServer server;
  private Nginx nginx;
  private final List<SafehouseClient> clients = new ArrayList<>();

  @AfterEach
  void stopAll() throws Exception {
    clients.forEach(SafehouseClient::close);
    if (nginx != null) {
      nginx.close();
    }
    if (server != null) {
      server.close();
    }
  }

  @Test
  void phonesEnrollSendAndReceiveThroughNginxWithInvitesPinningNginxsKey() throws Exception {
    Path binary = Programs.find("nginx");
    assumeTrue(
        binary != null,
        "nginx is not installed (apt-get install nginx; .ci/run does): the nginx guide's journey"
            + " is skipped");
    Path cert = temp.resolve("nginx-ssl/safehouse.crt");
    Path key = temp.resolve("nginx-ssl/safehouse.key");
    TlsMaterial nginxTls = TlsMaterial.loadOrCreate(cert, key, true, "localhost");
    int nginxPort = freePort();

    Path relayConf =
        DocumentedFile.of("docs/nginx/safehouse-relay.conf")
            .replace("listen = 127.0.0.1:7080", "listen = 127.0.0.1:0")
            .replace(
                "public-address = relay.example.org:443", "public-address = 127.0.0.1:" + nginxPort)
            .replace("tls.cert = /etc/safehouse/proxy-cert.pem", "tls.cert = " + cert)
            .writeTo(temp.resolve("safehouse.conf"));
    server =
        SafehouseServer.start(
            ConfigFile.load(relayConf, temp.resolve("data").toString(), null), new FakeClock());
    Path site =
        DocumentedFile.of("docs/nginx/safehouse.conf")
            .replace("listen 443 ssl;", "listen 127.0.0.1:" + nginxPort + " ssl;")
            .replace("/etc/nginx/ssl/safehouse.crt", cert.toString())
            .replace("/etc/nginx/ssl/safehouse.key", key.toString())
            .replace("server 127.0.0.1:7080;", "server 127.0.0.1:" + server.port() + ";")
            .writeTo(temp.resolve("nginx/sites-enabled/safehouse"));
    nginx = Nginx.start(binary, temp.resolve("nginx"), site, nginxPort);

    InviteLink invite = server.createInvite(Role.CASEWORKER);
    assertEquals(nginxTls.pin(), invite.pin(), "the invite pins the key nginx presents");
    assertEquals("127.0.0.1:" + nginxPort, invite.server().toString());
    SafehouseClient worker =
        keep(SafehouseClient.enroll(temp.resolve("worker"), PASSPHRASE, invite.toString()));
    SafehouseClient client =
        keep(
            SafehouseClient.enroll(
                temp.resolve("client"), PASSPHRASE, worker.createInvite("client")));

    worker.sendText(client.account().accountId(), "through nginx", null);
    assertEquals("through nginx", receiveOne(client).text());
    client.sendText(worker.account().accountId(), "reply through nginx", null);
    assertEquals("reply through nginx", receiveOne(worker).text());

    // Nothing nginx wrote names a client: no access log lines, no "client: ADDRESS" errors.
    nginx.close();
    nginx = null;
    Path prefix = temp.resolve("nginx");
    Path access = prefix.resolve("access.log");
    assertTrue(!Files.exists(access) || Files.size(access) == 0, "nginx logged requests");
    String errors = Files.readString(prefix.resolve("error.log"));
    assertFalse(errors.contains("client:"), errors);
  }

  private static ReceivedMessage receiveOne(SafehouseClient c) throws Exception {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (System.nanoTime() < deadline) {
      List<ReceivedMessage> got = c.receive(Duration.ofMillis(500));
      if (!got.isEmpty()) {
        assertEquals(1, got.size());
        return got.get(0);
      }
    }
    throw new AssertionError("no message within " + WAIT);
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket()) {
      s.bind(new InetSocketAddress("127.0.0.1", 0));
      return s.getLocalPort();
    }
  }

  private SafehouseClient keep(SafehouseClient c) {
    clients.add(c);
    return c;
  }
}
