package org.safehouse.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.safehouse.protocol.wire.ClientFrame;
import org.safehouse.protocol.wire.ErrorCode;
import org.safehouse.protocol.wire.FetchKeys;
import org.safehouse.protocol.wire.OneTimePreKey;
import org.safehouse.protocol.wire.Response;
import org.safehouse.protocol.wire.SignedPreKey;
import org.safehouse.protocol.wire.UploadKeys;
import org.safehouse.server.account.Role;
import org.safehouse.server.testing.FakeClock;
import org.safehouse.server.testing.RawClient;
import org.safehouse.server.testing.TestServers;

@Timeout(60)
class KeyDirectoryTest {
  private static final SecureRandom RANDOM = new SecureRandom();
  @TempDir Path data;
  private SafehouseServer server;

  @BeforeEach
  void start() throws Exception {
    server = TestServers.start(data, new FakeClock());
  }

  @AfterEach
  void stop() {
    server.close();
  }

  private static ByteString bytes(int n) {
    byte[] b = new byte[n];
    RANDOM.nextBytes(b);
    return ByteString.copyFrom(b);
  }

  private static SignedPreKey signed(int id, int keyBytes) {
    return SignedPreKey.newBuilder()
        .setId(id)
        .setPublicKey(bytes(keyBytes))
        .setSignature(bytes(64))
        .build();
  }

  /** A full upload with {@code n} one-time keys of each kind, ids starting at {@code firstId}. */
  static UploadKeys.Builder upload(ByteString identity, int firstId, int n) {
    UploadKeys.Builder u =
        UploadKeys.newBuilder()
            .setIdentityKey(identity)
            .setRegistrationId(1234)
            .setSignedPrekey(signed(1, 33))
            .setKyberLastResort(signed(2, 1569));
    for (int i = 0; i < n; i++) {
      u.addOneTimePrekeys(OneTimePreKey.newBuilder().setId(firstId + i).setPublicKey(bytes(33)));
      u.addOneTimeKyberPrekeys(signed(firstId + i, 1569));
    }
    return u;
  }

  private static Response fetch(RawClient c, byte[] account) throws Exception {
    return c.request(
        ClientFrame.newBuilder()
            .setFetchKeys(FetchKeys.newBuilder().setAccountId(ByteString.copyFrom(account))));
  }

  @Test
  void eachOneTimePrekeyIsHandedOutOnceThenBundlesHaveNoneAndTheLastResortKyberKey()
      throws Exception {
    RawClient.Device worker = TestServers.enroll(server, Role.CASEWORKER);
    RawClient.Device client = TestServers.enrollClient(server, worker);
    ByteString identity = bytes(33);
    try (RawClient c = TestServers.login(server, client)) {
      Response up = c.request(ClientFrame.newBuilder().setUploadKeys(upload(identity, 100, 2)));
      assertEquals(ErrorCode.OK, up.getError());
      assertEquals(2, up.getKeysStatus().getOneTimePrekeys());
      assertEquals(2, up.getKeysStatus().getOneTimeKyberPrekeys());
      assertFalse(up.getKeysStatus().getNeedsSignedPrekeys());
    }
    try (RawClient w = TestServers.login(server, worker)) {
      var first = fetch(w, client.accountId).getKeyBundles().getDevices(0);
      var second = fetch(w, client.accountId).getKeyBundles().getDevices(0);
      var third = fetch(w, client.accountId).getKeyBundles().getDevices(0);
      assertEquals(identity, first.getIdentityKey());
      assertEquals(1234, first.getRegistrationId());
      assertEquals(1, first.getDeviceId());
      assertTrue(first.hasOneTimePrekey() && second.hasOneTimePrekey());
      assertNotEquals(first.getOneTimePrekey().getId(), second.getOneTimePrekey().getId());
      assertNotEquals(first.getKyberPrekey().getId(), second.getKyberPrekey().getId());
      assertFalse(third.hasOneTimePrekey());
      assertEquals(2, third.getKyberPrekey().getId(), "the last-resort Kyber key");
    }
  }

  @Test
  void deviceIsToldWhenItsOneTimePrekeysRunLowAndReplenishes() throws Exception {
    RawClient.Device worker = TestServers.enroll(server, Role.CASEWORKER);
    RawClient.Device client = TestServers.enrollClient(server, worker);
    ByteString identity = bytes(33);
    try (RawClient c = TestServers.login(server, client)) {
      // A fresh device without keys is told at once.
      assertTrue(c.nextPrekeyNotice(Duration.ofSeconds(5)).getNeedsSignedPrekeys());
      c.request(ClientFrame.newBuilder().setUploadKeys(upload(identity, 1, 10)));
      try (RawClient w = TestServers.login(server, worker)) {
        assertEquals(ErrorCode.OK, fetch(w, client.accountId).getError());
      }
      var notice = c.nextPrekeyNotice(Duration.ofSeconds(5));
      assertNotNull(notice);
      assertEquals(9, notice.getOneTimePrekeys());
      Response more =
          c.request(
              ClientFrame.newBuilder()
                  .setUploadKeys(upload(ByteString.EMPTY, 50, 20).clearSignedPrekey()));
      assertEquals(29, more.getKeysStatus().getOneTimePrekeys());
    }
  }

  @Test
  void keysOfTheWrongSizeAndAChangedIdentityAreRefused() throws Exception {
    RawClient.Device worker = TestServers.enroll(server, Role.CASEWORKER);
    try (RawClient w = TestServers.login(server, worker)) {
      Response shortKey =
          w.request(ClientFrame.newBuilder().setUploadKeys(upload(bytes(32), 1, 1)));
      assertEquals(ErrorCode.BAD_REQUEST, shortKey.getError());
      assertEquals(
          ErrorCode.OK,
          w.request(ClientFrame.newBuilder().setUploadKeys(upload(bytes(33), 1, 1))).getError());
      Response changed = w.request(ClientFrame.newBuilder().setUploadKeys(upload(bytes(33), 5, 1)));
      assertEquals(ErrorCode.BAD_REQUEST, changed.getError());
      assertTrue(changed.getMessage().contains("identity"), changed.getMessage());
    }
  }

  @Test
  void fetchingKeysOfAnotherPersonInHidingAnswersExactlyLikeAnUnknownAccount() throws Exception {
    RawClient.Device worker = TestServers.enroll(server, Role.CASEWORKER);
    RawClient.Device other = TestServers.enroll(server, Role.CASEWORKER);
    RawClient.Device client = TestServers.enrollClient(server, worker);
    RawClient.Device victim = TestServers.enrollClient(server, worker);
    RawClient.Device othersClient = TestServers.enrollClient(server, other);
    try (RawClient v = TestServers.login(server, victim)) {
      v.request(ClientFrame.newBuilder().setUploadKeys(upload(bytes(33), 1, 5)));
    }
    byte[] unknown = bytes(16).toByteArray();
    try (RawClient c = TestServers.login(server, client)) {
      Response probe = fetch(c, victim.accountId);
      Response nobody = fetch(c, unknown);
      assertEquals(ErrorCode.UNKNOWN_RECIPIENT, probe.getError());
      assertEquals(nobody.getError(), probe.getError());
      assertEquals(nobody.getMessage(), probe.getMessage());
      assertEquals(ErrorCode.UNKNOWN_RECIPIENT, fetch(c, other.accountId).getError());
    }
    // A caseworker cannot fetch the keys of a client outside its cases either.
    try (RawClient o = TestServers.login(server, other)) {
      assertEquals(ErrorCode.UNKNOWN_RECIPIENT, fetch(o, victim.accountId).getError());
      assertEquals(ErrorCode.OK, fetch(o, othersClient.accountId).getError());
    }
  }
}
