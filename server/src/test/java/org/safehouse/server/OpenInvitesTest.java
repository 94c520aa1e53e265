package org.safehouse.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.safehouse.protocol.wire.CancelInvite;
import org.safehouse.protocol.wire.ClientFrame;
import org.safehouse.protocol.wire.ErrorCode;
import org.safehouse.protocol.wire.ListInvites;
import org.safehouse.protocol.wire.OpenInvite;
import org.safehouse.protocol.wire.Response;
import org.safehouse.server.account.AccountId;
import org.safehouse.server.account.DeviceAddress;
import org.safehouse.server.account.Invites;
import org.safehouse.server.account.Role;
import org.safehouse.server.admin.AdminClient;
import org.safehouse.server.store.RelayStore;
import org.safehouse.server.store.StoreInspector;
import org.safehouse.server.testing.FakeClock;
import org.safehouse.server.testing.RawClient;
import org.safehouse.server.testing.TestServers;

/** A staff account's own open invites over the wire: listed without codes, cancelled in place. */
@Timeout(60)
class OpenInvitesTest {
  private static final org.safehouse.protocol.wire.Role CLIENT =
      org.safehouse.protocol.wire.Role.CLIENT;

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

  @Test
  void aStaffAccountListsOnlyItsOwnOpenInvitesAndNeverACode() throws Exception {
    RawClient.Device worker = TestServers.enroll(server, Role.CASEWORKER);
    RawClient.Device other = TestServers.enroll(server, Role.CASEWORKER);
    RawClient.Device admin = TestServers.enroll(server, Role.ADMIN);
    server.createInvite(Role.CLIENT); // the admin socket's: on no account's list
    try (RawClient w = TestServers.login(server, worker);
        RawClient o = TestServers.login(server, other);
        RawClient a = TestServers.login(server, admin)) {
      byte[] first = TestServers.inviteOverWire(w, CLIENT);
      clock.advance(Duration.ofHours(1));
      byte[] second = TestServers.inviteOverWire(w, CLIENT);
      byte[] others = TestServers.inviteOverWire(o, CLIENT);
      byte[] admins = TestServers.inviteOverWire(a, org.safehouse.protocol.wire.Role.CASEWORKER);

      Response mine = list(w);
      assertEquals(ErrorCode.OK, mine.getError());
      // Newest first, with role and expiry, named by the first 8 bytes of the code's hash.
      assertEquals(List.of(hex(id(second)), hex(id(first))), ids(mine));
      OpenInvite newest = mine.getInvites().getInvites(0);
      assertEquals(CLIENT, newest.getRole());
      assertEquals(clock.millis() + Duration.ofHours(72).toMillis(), newest.getExpiresAtMillis());
      byte[] wireBytes = mine.toByteArray();
      for (byte[] code : List.of(first, second)) {
        assertTrue(StoreInspector.indexOf(wireBytes, code) < 0, "a code is never listed");
        assertTrue(StoreInspector.indexOf(wireBytes, sha256(code)) < 0, "nor its whole hash");
      }
      assertEquals(List.of(hex(id(others))), ids(list(o)));
      // An admin sees the invites it made, not everyone's (that is the admin socket's view).
      assertEquals(List.of(hex(id(admins))), ids(list(a)));

      // A redeemed invite leaves the list; an expired one too.
      try (RawClient c = TestServers.connect(server)) {
        assertTrue(c.enroll(first, new RawClient.Device()).hasEnrolled());
      }
      assertEquals(List.of(hex(id(second))), ids(list(w)));
      clock.advance(Duration.ofHours(72));
      assertEquals(List.of(), ids(list(w)));
    }
  }

  @Test
  void aClientsListIsEmpty() throws Exception {
    RawClient.Device worker = TestServers.enroll(server, Role.CASEWORKER);
    RawClient.Device client = TestServers.enrollClient(server, worker);
    try (RawClient c = TestServers.login(server, client)) {
      Response r = list(c);
      assertEquals(ErrorCode.OK, r.getError());
      assertEquals(0, r.getInvites().getInvitesCount());
    }
  }

  @Test
  void cancellingAnotherAccountsInviteAnswersExactlyLikeAnUnknownOneAndLeavesItWorking()
      throws Exception {
    RawClient.Device worker = TestServers.enroll(server, Role.CASEWORKER);
    RawClient.Device other = TestServers.enroll(server, Role.CASEWORKER);
    RawClient.Device admin = TestServers.enroll(server, Role.ADMIN);
    byte[] socketInvite = server.createInvite(Role.CLIENT).code();
    try (RawClient w = TestServers.login(server, worker);
        RawClient o = TestServers.login(server, other);
        RawClient a = TestServers.login(server, admin)) {
      byte[] theirs = TestServers.inviteOverWire(o, CLIENT);
      byte[] used = TestServers.inviteOverWire(w, CLIENT);
      byte[] expiring = TestServers.inviteOverWire(w, CLIENT);
      try (RawClient c = TestServers.connect(server)) {
        assertTrue(c.enroll(used, new RawClient.Device()).hasEnrolled());
      }
      Response unknown = cancel(w, new byte[8]);
      assertEquals(ErrorCode.INVITE_INVALID, unknown.getError());
      assertSame(unknown, cancel(w, id(theirs)));
      assertSame(unknown, cancel(a, id(theirs))); // admins too: the admin socket cancels any
      assertSame(unknown, cancel(a, id(socketInvite)));
      assertSame(unknown, cancel(w, id(used)));
      clock.advance(Duration.ofHours(72));
      assertSame(unknown, cancel(w, id(expiring)));
      clock.advance(Duration.ofHours(-72));
      assertEquals(
          ErrorCode.BAD_REQUEST,
          w.request(
                  ClientFrame.newBuilder()
                      .setCancelInvite(
                          CancelInvite.newBuilder()
                              .setInviteId(ByteString.copyFrom(Arrays.copyOf(theirs, 16)))))
              .getError());
      // The refused cancels changed nothing: the other account's invite still enrolls.
      assertEquals(List.of(hex(id(theirs))), ids(list(o)));
      try (RawClient c = TestServers.connect(server)) {
        assertTrue(c.enroll(theirs, new RawClient.Device()).hasEnrolled());
      }
    }
  }

  @Test
  void aCancelledInviteCannotEnrollAndTheCancelIsAudited() throws Exception {
    RawClient.Device worker = TestServers.enroll(server, Role.CASEWORKER);
    byte[] code;
    try (RawClient w = TestServers.login(server, worker)) {
      code = TestServers.inviteOverWire(w, CLIENT);
      byte[] kept = TestServers.inviteOverWire(w, CLIENT);
      Response r = cancel(w, id(code));
      assertEquals(ErrorCode.OK, r.getError(), r.getMessage());
      assertEquals(List.of(hex(id(kept))), ids(list(w)));
      assertEquals(ErrorCode.INVITE_INVALID, cancel(w, id(code)).getError());
    }
    try (RawClient c = TestServers.connect(server)) {
      assertEquals(ErrorCode.INVITE_INVALID, c.enroll(code, new RawClient.Device()).getError());
    }
    String line = "invite.cancel invite=" + hex(id(code)) + " by=" + hex(worker.accountId);
    assertTrue(
        AdminClient.request(server.config().adminSocket(), "audit").stream()
            .anyMatch(l -> l.endsWith(line)));
  }

  @Test
  void aDeviceThatIsGoneCanNeitherListNorCancel(@TempDir Path other) throws Exception {
    try (RelayStore store = RelayStore.open(other)) {
      Invites invites = new Invites(store, clock, new SecureRandom(), Duration.ofHours(72));
      DeviceAddress gone = new DeviceAddress(AccountId.random(new SecureRandom()), 1);
      ExecutionException e =
          assertThrows(ExecutionException.class, () -> invites.cancel(gone, new byte[8]).get());
      assertEquals(Refusal.Reason.AUTH_FAILED, ((Refusal) e.getCause()).reason());
      Refusal r = assertThrows(Refusal.class, () -> invites.openInvitesOf(gone));
      assertEquals(Refusal.Reason.AUTH_FAILED, r.reason());
    }
  }

  private static ClientFrame.Builder listFrame() {
    return ClientFrame.newBuilder().setListInvites(ListInvites.newBuilder());
  }

  private static ClientFrame.Builder cancelFrame(byte[] id) {
    return ClientFrame.newBuilder()
        .setCancelInvite(CancelInvite.newBuilder().setInviteId(ByteString.copyFrom(id)));
  }

  private static Response list(RawClient c) throws Exception {
    return c.request(listFrame());
  }

  private static Response cancel(RawClient c, byte[] id) throws Exception {
    return c.request(cancelFrame(id));
  }

  private static void assertSame(Response unknown, Response real) {
    assertEquals(unknown.getError(), real.getError());
    assertEquals(unknown.getMessage(), real.getMessage());
    assertEquals(unknown.getResultCase(), real.getResultCase());
  }

  private static List<String> ids(Response r) {
    return r.getInvites().getInvitesList().stream()
        .map(i -> hex(i.getInviteId().toByteArray()))
        .collect(Collectors.toList());
  }

  /** The invite id the server lists: the first 8 bytes of the SHA-256 of the code. */
  private static byte[] id(byte[] code) throws Exception {
    return Arrays.copyOf(sha256(code), 8);
  }

  private static byte[] sha256(byte[] b) throws Exception {
    return MessageDigest.getInstance("SHA-256").digest(b);
  }

  private static String hex(byte[] b) {
    return HexFormat.of().formatHex(b);
  }
}
