package org.safehouse.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.safehouse.protocol.wire.ClientFrame;
import org.safehouse.protocol.wire.CreateInvite;
import org.safehouse.protocol.wire.ErrorCode;
import org.safehouse.protocol.wire.Response;
import org.safehouse.server.account.Role;
import org.safehouse.server.admin.AdminClient;
import org.safehouse.server.testing.FakeClock;
import org.safehouse.server.testing.RawClient;
import org.safehouse.server.testing.TestServers;

/**
 * A device that reconnects in a loop while an admin revokes it: once {@code revoke} returns,
 * nothing of that device works any more, however the revocation falls between its sign-ins.
 */
@Timeout(180)
class RevocationRaceTest {
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final int ROUNDS = 20;
  private static final int LOOPS = 3;

  @TempDir Path data;
  private final FakeClock clock = new FakeClock();
  private SafehouseServer server;
  private ExecutorService pool;

  @BeforeEach
  void start() throws Exception {
    server = TestServers.start(data, clock);
    pool = Executors.newFixedThreadPool(LOOPS);
  }

  @AfterEach
  void stop() throws Exception {
    pool.shutdownNow();
    pool.awaitTermination(30, TimeUnit.SECONDS);
    server.close();
  }

  @Test
  void afterRevokeReturnsNoConnectionOfTheDeviceDoesAnythingHoweverItReconnects() throws Exception {
    RawClient.Device colleague = TestServers.enroll(server, Role.CASEWORKER);
    ConcurrentLinkedQueue<String> violations = new ConcurrentLinkedQueue<>();
    for (int round = 0; round < ROUNDS; round++) {
      // A fresh minute for the per-address sign-in throttle: the last round's refused sign-ins
      // must not pause this round's.
      clock.advance(Duration.ofSeconds(61));
      RawClient.Device victim = TestServers.enroll(server, Role.CASEWORKER);
      AtomicBoolean revoked = new AtomicBoolean();
      AtomicBoolean done = new AtomicBoolean();
      AtomicInteger signedIn = new AtomicInteger();
      List<Future<?>> loops = new java.util.ArrayList<>();
      for (int i = 0; i < LOOPS; i++) {
        loops.add(
            pool.submit(
                () -> reconnectLoop(victim, colleague, revoked, done, signedIn, violations)));
      }
      // Let the loops sign in at least once, then revoke at a random point of their cycle.
      for (int i = 0; signedIn.get() == 0 && i < 1000; i++) {
        Thread.sleep(5);
      }
      Thread.sleep(RANDOM.nextInt(40));
      String target = hex(victim.accountId) + (round % 2 == 0 ? ":1" : "");
      AdminClient.request(server.config().adminSocket(), "revoke " + target);
      revoked.set(true);
      Thread.sleep(300);
      done.set(true);
      for (Future<?> f : loops) {
        f.get(60, TimeUnit.SECONDS);
      }
    }
    assertEquals(java.util.Set.of(), java.util.Set.copyOf(violations));
  }

  /**
   * Connects, signs in, creates invites and sends until the connection closes, again and again.
   * Every attempt made after the revocation returned must fail, and no connection may survive it.
   */
  private void reconnectLoop(
      RawClient.Device victim,
      RawClient.Device colleague,
      AtomicBoolean revoked,
      AtomicBoolean done,
      AtomicInteger signedIn,
      ConcurrentLinkedQueue<String> violations) {
    while (!done.get()) {
      try (RawClient c = TestServers.connect(server)) {
        boolean after = revoked.get();
        Response auth = c.authenticate(victim);
        if (!auth.hasAuthenticated()) {
          if (!after && auth.getError() != ErrorCode.AUTH_FAILED) {
            violations.add("unexpected sign-in answer " + auth.getError());
          }
          continue;
        }
        signedIn.incrementAndGet();
        if (after) {
          violations.add("signed in after revoke returned");
        }
        while (c.isOpen() && !done.get()) {
          after = revoked.get();
          Response invite =
              c.request(
                  ClientFrame.newBuilder()
                      .setCreateInvite(
                          CreateInvite.newBuilder()
                              .setRole(org.safehouse.protocol.wire.Role.CLIENT)));
          if (after && invite.hasInviteCreated()) {
            violations.add("created an invite after revoke returned");
          }
          after = revoked.get();
          Response sent = c.send(colleague.accountId, new byte[] {1, 2, 3}, random16());
          if (after && sent.hasSent()) {
            violations.add("sent after revoke returned");
          }
        }
        if (done.get() && revoked.get() && c.isOpen()) {
          c.awaitClosed(Duration.ofSeconds(10));
        }
      } catch (java.util.concurrent.TimeoutException e) {
        violations.add("an authenticated connection survived the revocation");
      } catch (Exception e) {
        // The server closed the connection (revoked, replaced by another loop): reconnect.
      }
    }
  }

  @Test
  void revokingACaseworkerDeletesTheInvitesItCreatedAndAdminInvitesNamesCreators()
      throws Exception {
    RawClient.Device worker = TestServers.enroll(server, Role.CASEWORKER);
    byte[] code;
    try (RawClient w = TestServers.login(server, worker)) {
      code = TestServers.inviteOverWire(w, org.safehouse.protocol.wire.Role.CLIENT);
    }
    List<String> invites = AdminClient.request(server.config().adminSocket(), "invites");
    assertTrue(
        invites.stream()
            .anyMatch(l -> l.contains("\tclient\t") && l.endsWith("\tby=" + hex(worker.accountId))),
        invites.toString());
    assertTrue(invites.stream().anyMatch(l -> l.endsWith("\tby=admin-socket")), invites.toString());
    AdminClient.request(server.config().adminSocket(), "revoke " + hex(worker.accountId));
    invites = AdminClient.request(server.config().adminSocket(), "invites");
    assertFalse(
        invites.stream().anyMatch(l -> l.contains(hex(worker.accountId))), invites.toString());
    try (RawClient c = TestServers.connect(server)) {
      assertEquals(ErrorCode.INVITE_INVALID, c.enroll(code, new RawClient.Device()).getError());
    }
  }

  private static String hex(byte[] b) {
    return HexFormat.of().formatHex(b);
  }

  private static byte[] random16() {
    byte[] b = new byte[16];
    RANDOM.nextBytes(b);
    return b;
  }
}
