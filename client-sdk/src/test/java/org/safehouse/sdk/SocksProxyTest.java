package org.safehouse.sdk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.safehouse.sdk.SdkTesting.PASSPHRASE;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.safehouse.server.account.Role;
import org.safehouse.server.testing.FakeClock;
import org.safehouse.server.testing.MicroSocks;

/**
 * The SDK through a real SOCKS5 proxy (microsocks on loopback) to a server its invites name by a
 * host name, which the proxy resolves. That the name is never looked up on the device is shown with
 * the shipped CLI jar in a JVM that cannot resolve any name ({@code CliSocksJourneyTest}); here,
 * in-process, the journey.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class SocksProxyTest extends ServerAndClients {
  private static final Duration WAIT = Duration.ofSeconds(20);

  @Test
  void enrollSendAndReceiveGoThroughTheProxyToTheServerByName() throws Exception {
    try (MicroSocks socks = MicroSocks.start(temp.resolve("socks.log"))) {
      server = MicroSocks.serverReachedByName(temp.resolve("server"), new FakeClock());
      Proxy proxy = new Proxy(Proxy.Type.SOCKS, new InetSocketAddress("127.0.0.1", socks.port()));
      SafehouseClient worker =
          keep(
              SafehouseClient.enroll(
                  temp.resolve("worker"),
                  PASSPHRASE,
                  server.createInvite(Role.CASEWORKER).toString(),
                  proxy));
      assertEquals(server.publicAddress().toString(), worker.account().server());
      Path clientHome = temp.resolve("client");
      SafehouseClient client =
          keep(
              SafehouseClient.enroll(clientHome, PASSPHRASE, worker.createInvite("client"), proxy));
      String cl = client.account().accountId();
      String cw = worker.account().accountId();

      worker.sendText(cl, "over tor", null);
      assertEquals("over tor", SdkTesting.receive(client, 1, WAIT).get(0).text());
      client.sendText(cw, "reply over tor", null);
      assertEquals("reply over tor", SdkTesting.receive(worker, 1, WAIT).get(0).text());

      client.confirmReceived(); // shown to the user: it is not handed out again
      client.close();
      worker.sendText(cl, "while away", null);
      SafehouseClient reopened = keep(SafehouseClient.open(clientHome, PASSPHRASE, proxy));
      reopened.connect();
      assertEquals("while away", SdkTesting.receive(reopened, 1, WAIT).get(0).text());
    }
  }

  @Test
  void aProxyThatIsNotThereMeansNoConnectionNotADirectOne() throws Exception {
    server = MicroSocks.serverReachedByName(temp.resolve("server"), new FakeClock());
    int dead;
    try (ServerSocket s = new ServerSocket(0)) {
      dead = s.getLocalPort();
    }
    Proxy nowhere = new Proxy(Proxy.Type.SOCKS, new InetSocketAddress("127.0.0.1", dead));
    String invite = server.createInvite(Role.CASEWORKER).toString();
    assertThrows(
        IOException.class,
        () -> SafehouseClient.enroll(temp.resolve("worker"), PASSPHRASE, invite, nowhere));
    assertFalse(Files.exists(temp.resolve("worker").resolve("store.key")));
  }

  @Test
  void anHttpProxyIsRefused() {
    Proxy http = new Proxy(Proxy.Type.HTTP, new InetSocketAddress("127.0.0.1", 8080));
    assertThrows(
        IllegalArgumentException.class,
        () ->
            SafehouseClient.enroll(
                temp.resolve("worker"),
                PASSPHRASE,
                "safehouse://localhost:1/#pin=x&code=y&secret=z",
                http));
  }
}
