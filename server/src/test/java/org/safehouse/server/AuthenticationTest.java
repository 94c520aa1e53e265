package org.safehouse.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.safehouse.protocol.wire.Authenticate;
import org.safehouse.protocol.wire.ClientFrame;
import org.safehouse.protocol.wire.Enroll;
import org.safehouse.protocol.wire.ErrorCode;
import org.safehouse.protocol.wire.Response;
import org.safehouse.server.account.InviteLink;
import org.safehouse.server.account.Role;
import org.safehouse.server.testing.FakeClock;
import org.safehouse.server.testing.RawClient;
import org.safehouse.server.testing.TestServers;

/** Enroll and authenticate under attack: replays, forgeries, probing, reused and raced invites. */
@Timeout(60)
class AuthenticationTest {
  private static final Duration WAIT = Duration.ofSeconds(5);

  @TempDir Path data;
  private final FakeClock clock = new FakeClock();
  private SafehouseServer server;

  @BeforeEach
  void start() throws Exception {
    server = TestServers.start(data, clock);
  }

  @AfterEach
  void stop() {
    server.close();
  }

  private static ClientFrame.Builder authenticateFrame(
      byte[] accountId, int deviceId, byte[] signature) {
    return ClientFrame.newBuilder()
        .setAuthenticate(
            Authenticate.newBuilder()
                .setAccountId(ByteString.copyFrom(accountId))
                .setDeviceId(deviceId)
                .setSignature(ByteString.copyFrom(signature)));
  }

  private static ClientFrame.Builder enrollFrame(byte[] code, RawClient.Device device) {
    return ClientFrame.newBuilder()
        .setEnroll(
            Enroll.newBuilder()
                .setInviteCode(ByteString.copyFrom(code))
                .setAuthPublicKey(ByteString.copyFrom(device.rawPublicKey())));
  }

  // ------------------------------------------------------------------ authenticate

  @Test
  void signatureForAnotherConnectionsNonceIsRefused() throws Exception {
    RawClient.Device device = TestServers.enroll(server, Role.CASEWORKER);
    try (RawClient first = TestServers.connect(server);
        RawClient second = TestServers.connect(server)) {
      ClientFrame.Builder signedForFirst = first.authenticateFrame(device);
      Response replayed = second.request(signedForFirst);
      assertEquals(ErrorCode.AUTH_FAILED, replayed.getError());
      // The same frame is good on the connection whose nonce it signs.
      assertTrue(first.request(signedForFirst).hasAuthenticated());
    }
    StillServing.assertServes(server);
  }

  @Test
  void wrongSignatureAndUnknownAccountGetTheSameRefusal() throws Exception {
    RawClient.Device device = TestServers.enroll(server, Role.CASEWORKER);
    RawClient.Device impostor = new RawClient.Device();
    try (RawClient c = TestServers.connect(server)) {
      Response wrongKey =
          c.request(authenticateFrame(device.accountId, device.deviceId, impostor.sign(c.nonce())));
      Response unknownAccount =
          c.request(authenticateFrame(StillServing.randomId(), 1, device.sign(c.nonce())));
      assertEquals(ErrorCode.AUTH_FAILED, wrongKey.getError());
      assertEquals(ErrorCode.AUTH_FAILED, unknownAccount.getError());
      assertEquals(wrongKey.getMessage(), unknownAccount.getMessage());
    }
    try (RawClient c = TestServers.connect(server)) {
      // An existing account with a device it does not have: the same answer again.
      Response unknownDevice =
          c.request(authenticateFrame(device.accountId, 2, device.sign(c.nonce())));
      assertEquals(ErrorCode.AUTH_FAILED, unknownDevice.getError());
      // Two failures leave the connection usable for a correct attempt.
      assertTrue(c.authenticate(device).hasAuthenticated());
    }
  }

  @Test
  void thirdFailedAttemptClosesTheConnection() throws Exception {
    RawClient.Device device = TestServers.enroll(server, Role.CASEWORKER);
    RawClient.Device impostor = new RawClient.Device();
    try (RawClient c = TestServers.connect(server)) {
      ClientFrame.Builder forged =
          authenticateFrame(device.accountId, device.deviceId, impostor.sign(c.nonce()));
      assertEquals(ErrorCode.AUTH_FAILED, c.request(forged).getError());
      assertEquals(ErrorCode.AUTH_FAILED, c.request(forged).getError());
      assertTrue(c.isOpen());
      assertEquals(ErrorCode.AUTH_FAILED, c.request(forged).getError());
      c.awaitClosed(WAIT);
      assertFalse(c.isOpen());
    }
    // The account itself is not locked out.
    try (RawClient c = TestServers.login(server, device)) {
      assertTrue(c.isOpen());
    }
    StillServing.assertServes(server);
  }

  @Test
  void failedEnrollsCountTowardsTheFailureLimit() throws Exception {
    try (RawClient c = TestServers.connect(server)) {
      RawClient.Device d = new RawClient.Device();
      for (int i = 0; i < 3; i++) {
        assertEquals(ErrorCode.INVITE_INVALID, c.enroll(StillServing.randomId(), d).getError());
      }
      c.awaitClosed(WAIT);
      assertFalse(c.isOpen());
    }
    assertEquals(0, server.store().counters().accounts());
  }

  // ------------------------------------------------------------------ invites

  @Test
  void reusedInviteIsRefusedAndMakesNoSecondAccount() throws Exception {
    InviteLink invite = server.createInvite(Role.CLIENT);
    try (RawClient c = TestServers.connect(server)) {
      assertTrue(c.enroll(invite.code(), new RawClient.Device()).hasEnrolled());
    }
    try (RawClient c = TestServers.connect(server)) {
      Response again = c.enroll(invite.code(), new RawClient.Device());
      assertEquals(ErrorCode.INVITE_INVALID, again.getError());
      assertTrue(c.isOpen());
    }
    assertEquals(1, server.store().counters().accounts());
    assertEquals(1, server.store().counters().devices());
    StillServing.assertServes(server);
  }

  @Test
  void inviteExpiresAfterTheConfiguredTime() throws Exception {
    Duration expiry = server.config().inviteExpiry();
    InviteLink usedInTime = server.createInvite(Role.CLIENT);
    InviteLink usedLate = server.createInvite(Role.CLIENT);
    clock.advance(expiry.minusMinutes(1));
    try (RawClient c = TestServers.connect(server)) {
      assertTrue(c.enroll(usedInTime.code(), new RawClient.Device()).hasEnrolled());
    }
    clock.advance(Duration.ofMinutes(2));
    try (RawClient c = TestServers.connect(server)) {
      Response late = c.enroll(usedLate.code(), new RawClient.Device());
      assertEquals(ErrorCode.INVITE_INVALID, late.getError());
    }
    assertEquals(1, server.store().counters().accounts());
  }

  @Test
  void unknownInviteCodeAndWrongLengthCodeGetTheSameRefusal() throws Exception {
    InviteLink used = server.createInvite(Role.CLIENT);
    try (RawClient c = TestServers.connect(server)) {
      c.enroll(used.code(), new RawClient.Device());
    }
    try (RawClient c = TestServers.connect(server)) {
      Response usedAgain = c.enroll(used.code(), new RawClient.Device());
      Response unknown = c.enroll(StillServing.randomId(), new RawClient.Device());
      assertEquals(ErrorCode.INVITE_INVALID, unknown.getError());
      assertEquals(usedAgain.getMessage(), unknown.getMessage());
    }
    try (RawClient c = TestServers.connect(server)) {
      Response shortCode = c.enroll(new byte[5], new RawClient.Device());
      assertEquals(ErrorCode.INVITE_INVALID, shortCode.getError());
    }
  }

  @Test
  void enrollWithABadKeyDoesNotConsumeTheInvite() throws Exception {
    InviteLink invite = server.createInvite(Role.CLIENT);
    try (RawClient c = TestServers.connect(server)) {
      Response bad =
          c.request(
              ClientFrame.newBuilder()
                  .setEnroll(
                      Enroll.newBuilder()
                          .setInviteCode(ByteString.copyFrom(invite.code()))
                          .setAuthPublicKey(ByteString.copyFrom(new byte[7]))));
      assertEquals(ErrorCode.BAD_REQUEST, bad.getError());
      assertTrue(c.enroll(invite.code(), new RawClient.Device()).hasEnrolled());
    }
    assertEquals(1, server.store().counters().accounts());
  }

  @Test
  void twoConnectionsRacingForOneInviteMakeExactlyOneAccount() throws Exception {
    int rounds = 5;
    for (int round = 0; round < rounds; round++) {
      InviteLink invite = server.createInvite(Role.CLIENT);
      List<RawClient> racers = new ArrayList<>();
      try {
        for (int i = 0; i < 2; i++) {
          racers.add(TestServers.connect(server));
        }
        List<CompletableFuture<Response>> answers = new ArrayList<>();
        for (RawClient r : racers) {
          answers.add(r.requestAsync(enrollFrame(invite.code(), new RawClient.Device())));
        }
        int enrolled = 0;
        int refused = 0;
        for (CompletableFuture<Response> a : answers) {
          Response r = a.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
          if (r.hasEnrolled()) {
            enrolled++;
          } else if (r.getError() == ErrorCode.INVITE_INVALID) {
            refused++;
          }
        }
        assertEquals(1, enrolled, "round " + round);
        assertEquals(1, refused, "round " + round);
      } finally {
        racers.forEach(RawClient::close);
      }
    }
    assertEquals(rounds, server.store().counters().accounts());
    assertEquals(rounds, server.store().counters().devices());
  }

  // ------------------------------------------------------------------ session state

  @Test
  void sendBeforeAuthenticatingIsRefusedAndTheConnectionStaysUsable() throws Exception {
    RawClient.Device recipient = TestServers.enroll(server, Role.CASEWORKER);
    InviteLink invite = server.createInvite(Role.CASEWORKER);
    try (RawClient c = TestServers.connect(server)) {
      Response early = c.send(recipient.accountId, new byte[] {1}, StillServing.randomId());
      assertEquals(ErrorCode.UNAUTHENTICATED, early.getError());
      assertTrue(c.isOpen());
      assertTrue(c.enroll(invite.code(), new RawClient.Device()).hasEnrolled());
      Response later = c.send(recipient.accountId, new byte[] {2}, StillServing.randomId());
      assertEquals(ErrorCode.OK, later.getError());
    }
    assertEquals(1, server.store().counters().queuedMessages());
  }

  @Test
  void secondAuthenticateOrEnrollOnAnAuthenticatedConnectionIsRefused() throws Exception {
    RawClient.Device device = TestServers.enroll(server, Role.CASEWORKER);
    RawClient.Device recipient = TestServers.enroll(server, Role.CASEWORKER);
    InviteLink unused = server.createInvite(Role.CLIENT);
    try (RawClient c = TestServers.login(server, device)) {
      assertEquals(ErrorCode.ALREADY_AUTHENTICATED, c.authenticate(device).getError());
      Response enroll = c.enroll(unused.code(), new RawClient.Device());
      assertEquals(ErrorCode.ALREADY_AUTHENTICATED, enroll.getError());
      Response send = c.send(recipient.accountId, new byte[] {1}, StillServing.randomId());
      assertEquals(ErrorCode.OK, send.getError());
    }
    assertEquals(2, server.store().counters().accounts());
    // The refused enroll did not consume the invite.
    try (RawClient c = TestServers.connect(server)) {
      assertTrue(c.enroll(unused.code(), new RawClient.Device()).hasEnrolled());
    }
  }
}
