package org.safehouse.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.safehouse.protocol.wire.ClientFrame;
import org.safehouse.protocol.wire.Copy;
import org.safehouse.protocol.wire.ErrorCode;
import org.safehouse.protocol.wire.Response;
import org.safehouse.protocol.wire.Send;
import org.safehouse.server.account.Role;
import org.safehouse.server.config.ConfigFile;
import org.safehouse.server.config.Limits;
import org.safehouse.server.testing.FakeClock;
import org.safehouse.server.testing.RawClient;
import org.safehouse.server.testing.TestServers;

/**
 * Connections that do not sign in: the sign-in deadline, their own cap, and the refusal budget that
 * closes a connection which keeps sending what the server must refuse.
 */
@Timeout(60)
class SignInLimitsTest {
  private static final Duration WAIT = Duration.ofSeconds(10);

  @TempDir Path data;
  private final FakeClock clock = new FakeClock();
  private SafehouseServer server;
  private final List<AutoCloseable> open = new ArrayList<>();

  @AfterEach
  void stop() throws Exception {
    for (AutoCloseable c : open) {
      c.close();
    }
    if (server != null) {
      server.close();
    }
  }

  private void start(Duration idle, Duration signIn, int maxUnauthenticated) throws IOException {
    Limits d = Limits.defaults();
    Limits limits =
        new Limits(
                d.maxFrameBytes(),
                d.handshakeTimeout(),
                d.upgradeTimeout(),
                idle,
                1000,
                d.maxConnections(),
                d.deliveryWindow(),
                d.connectionsPerAddress(),
                1000)
            .withSignIn(signIn, maxUnauthenticated);
    server = SafehouseServer.start(TestServers.withLimits(TestServers.config(data), limits), clock);
  }

  private <T extends AutoCloseable> T keep(T c) {
    open.add(c);
    return c;
  }

  @Test
  void connectionThatAnswersPingsButNeverSignsInIsClosedAtTheDeadline() throws Exception {
    // Pings every 200 ms, which the client's WebSocket layer answers: only the deadline can end
    // the unauthenticated connection; the signed-in one, pinged alike, stays.
    start(Duration.ofMillis(400), Duration.ofMillis(1500), 100);
    RawClient.Device worker = TestServers.enroll(server, Role.CASEWORKER);
    RawClient signedIn = keep(TestServers.login(server, worker));
    RawClient lurker = keep(TestServers.connect(server));
    lurker.awaitClosed(WAIT);
    assertFalse(lurker.isOpen());
    assertTrue(signedIn.isOpen(), "a signed-in connection is not held to the deadline");
    assertEquals(ErrorCode.OK, signedIn.request(listContacts()).getError());
  }

  @Test
  void signingInBeforeTheDeadlineKeepsTheConnection() throws Exception {
    start(Duration.ofMillis(400), Duration.ofMillis(1500), 100);
    RawClient.Device worker = TestServers.enroll(server, Role.CASEWORKER);
    RawClient c = keep(TestServers.connect(server));
    assertTrue(c.authenticate(worker).hasAuthenticated());
    Thread.sleep(2500); // past the deadline the connection would have had
    assertTrue(c.isOpen());
    assertEquals(ErrorCode.OK, c.request(listContacts()).getError());
  }

  @Test
  void unauthenticatedConnectionsHaveTheirOwnCapAndSigningInFreesASlot() throws Exception {
    start(Limits.defaults().idleTimeout(), Duration.ofMinutes(1), 2);
    RawClient.Device worker = TestServers.enroll(server, Role.CASEWORKER);
    RawClient first = keep(TestServers.connect(server));
    keep(TestServers.connect(server));
    assertThrows(IOException.class, () -> keep(TestServers.connect(server)));
    assertTrue(first.authenticate(worker).hasAuthenticated());
    RawClient again = null;
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (again == null) {
      try {
        again = keep(TestServers.connect(server));
      } catch (IOException e) {
        assertTrue(System.nanoTime() < deadline, "signing in never freed a slot");
        Thread.sleep(20);
      }
    }
    assertTrue(again.isOpen());
  }

  @Test
  void connectionThatKeepsSendingEmptyRequestsBeforeSignInIsClosed() throws Exception {
    start(Limits.defaults().idleTimeout(), Duration.ofMinutes(1), 100);
    RawClient c = keep(TestServers.connect(server));
    List<CompletableFuture<Response>> answers = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      answers.add(c.requestAsync(ClientFrame.newBuilder()));
    }
    for (CompletableFuture<Response> a : answers) {
      assertEquals(ErrorCode.BAD_REQUEST, a.get().getError());
    }
    assertTrue(c.isOpen(), "a few refusals are forgiven");
    for (int i = 0; i < 20; i++) {
      c.requestAsync(ClientFrame.newBuilder());
    }
    c.awaitClosed(WAIT);
    assertFalse(c.isOpen());
    StillServing.assertServes(server);
  }

  @Test
  void signedInConnectionThatKeepsEarningBadRequestIsClosed() throws Exception {
    start(Limits.defaults().idleTimeout(), Duration.ofMinutes(1), 100);
    RawClient.Device worker = TestServers.enroll(server, Role.CASEWORKER);
    RawClient c = keep(TestServers.login(server, worker));
    ClientFrame.Builder bad =
        ClientFrame.newBuilder()
            .setSend(
                Send.newBuilder()
                    .setRecipientAccountId(ByteString.copyFrom(new byte[3]))
                    .addCopies(Copy.newBuilder().setDeviceId(1).setCiphertext(ByteString.EMPTY)));
    for (int i = 0; i < 50; i++) {
      assertEquals(ErrorCode.BAD_REQUEST, c.request(bad).getError());
    }
    assertTrue(c.isOpen(), "50 refusals are within the budget");
    for (int i = 0; i < 100; i++) {
      c.requestAsync(bad);
    }
    c.awaitClosed(WAIT);
    assertFalse(c.isOpen());
    StillServing.assertServes(server);
  }

  @Test
  void configFileSetsTheDeadlineAndTheCap() throws Exception {
    Path conf =
        Files.writeString(
            data.resolve("s.conf"),
            "limits.sign-in-timeout = 3s\nlimits.max-unauthenticated-connections = 7\n");
    Limits l = ConfigFile.load(conf, data.toString(), null).limits();
    assertEquals(Duration.ofSeconds(3), l.signInTimeout());
    assertEquals(7, l.maxUnauthenticatedConnections());
    Limits d = ConfigFile.load(null, data.toString(), null).limits();
    assertEquals(Duration.ofSeconds(10), d.signInTimeout());
    assertEquals(Limits.DEFAULT_MAX_UNAUTHENTICATED_CONNECTIONS, d.maxUnauthenticatedConnections());
  }

  private static ClientFrame.Builder listContacts() {
    return ClientFrame.newBuilder()
        .setListContacts(org.safehouse.protocol.wire.ListContacts.getDefaultInstance());
  }
}
