package org.safehouse.server.push;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.safehouse.protocol.wire.ClientFrame;
import org.safehouse.protocol.wire.DeleteAccount;
import org.safehouse.protocol.wire.Delivery;
import org.safehouse.protocol.wire.ErrorCode;
import org.safehouse.protocol.wire.GetPushServerKey;
import org.safehouse.protocol.wire.RegisterPush;
import org.safehouse.protocol.wire.RemovePush;
import org.safehouse.protocol.wire.Response;
import org.safehouse.server.SafehouseServer;
import org.safehouse.server.account.AccountId;
import org.safehouse.server.account.DeviceAddress;
import org.safehouse.server.account.Role;
import org.safehouse.server.config.PushSettings;
import org.safehouse.server.store.PushEndpoints;
import org.safehouse.server.testing.RawClient;
import org.safehouse.server.testing.TestPushEndpoint;
import org.safehouse.server.testing.TestServers;
import org.safehouse.server.testing.WebPushReceiver;

/**
 * Wake-ups end to end: a real relay, devices over the real wire, and a real HTTPS push endpoint on
 * loopback that decrypts what it receives with the device's push key.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PushWakeUpTest {
  private static final Duration WAIT = Duration.ofSeconds(15);

  @TempDir Path temp;
  private TestPushEndpoint endpoint;
  private SafehouseServer server;
  private RawClient.Device worker;
  private RawClient.Device client;
  private WebPushReceiver keys;

  @BeforeEach
  void setUp() throws Exception {
    endpoint = TestPushEndpoint.start(temp.resolve("push"));
    PushSettings push =
        PushSettings.defaults()
            .withTrust(Set.of("localhost"), endpoint.certFile())
            // Long enough that a few sends in a row fall into one wake-up.
            .withDelays(Duration.ofMillis(300), Duration.ofMillis(400));
    server =
        SafehouseServer.start(
            TestServers.config(temp.resolve("server")), java.time.Clock.systemUTC(), push);
    worker = TestServers.enroll(server, Role.CASEWORKER);
    client = TestServers.enrollClient(server, worker);
    keys = WebPushReceiver.generate();
  }

  @AfterEach
  void tearDown() {
    if (server != null) {
      server.close();
    }
    if (endpoint != null) {
      endpoint.close();
    }
  }

  private Response register(RawClient c, String url, byte[] p256dh, byte[] auth) throws Exception {
    return c.request(
        ClientFrame.newBuilder()
            .setRegisterPush(
                RegisterPush.newBuilder()
                    .setEndpointUrl(url)
                    .setP256Dh(ByteString.copyFrom(p256dh))
                    .setAuth(ByteString.copyFrom(auth))));
  }

  private void registerClient() throws Exception {
    try (RawClient c = TestServers.login(server, client)) {
      Response r = register(c, endpoint.url("/up/device-1"), keys.p256dh(), keys.auth());
      assertEquals(ErrorCode.OK, r.getError(), r.getMessage());
      assertTrue(r.getPushStatus().getRegistered());
    }
    // Gone, and the check its leaving caused (is anything left unread?) is done.
    TestPushEndpoint.until(
        () -> !server.wakeUps().connected(clientDevice()) && server.wakeUps().pending() == 0,
        WAIT,
        "the client's connection gone");
  }

  private void sendToClient(RawClient w, String text) throws Exception {
    UUID u = UUID.randomUUID();
    byte[] id =
        ByteBuffer.allocate(16)
            .putLong(u.getMostSignificantBits())
            .putLong(u.getLeastSignificantBits())
            .array();
    Response r = w.send(client.accountId, text.getBytes(StandardCharsets.UTF_8), id);
    assertEquals(ErrorCode.OK, r.getError());
  }

  private DeviceAddress clientDevice() {
    return new DeviceAddress(AccountId.of(client.accountId), client.deviceId);
  }

  @Test
  void offlineDeviceIsWokenByAnEmptyFixedSizeSignedWakeUpThenConnectsAndReceives()
      throws Exception {
    registerClient();
    byte[] vapidKey;
    try (RawClient w = TestServers.login(server, worker)) {
      vapidKey =
          w.request(ClientFrame.newBuilder().setGetPushServerKey(GetPushServerKey.newBuilder()))
              .getPushServerKey()
              .getVapidPublicKey()
              .toByteArray();
      sendToClient(w, "are you safe?");
    }
    TestPushEndpoint.Received wake = endpoint.await(1, WAIT).get(0);

    assertEquals("POST", wake.method());
    assertEquals("/up/device-1", wake.path());
    assertEquals("aes128gcm", wake.contentEncoding());
    assertEquals("high", wake.urgency());
    assertNotNull(wake.ttl());
    assertEquals(WakeUps.BODY_BYTES, wake.body().length, "every wake-up has one size");
    // Carries nothing: no sender, no message data; only the device's key opens it.
    assertEquals(0, keys.decrypt(wake.body()).length);
    String k =
        WebPushReceiver.verifyVapid(
            wake.authorization(),
            "https://localhost:" + endpoint.port(),
            System.currentTimeMillis() / 1000);
    assertArrayEquals(vapidKey, Base64.getUrlDecoder().decode(k));
    assertEquals(
        java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"),
        java.nio.file.Files.getPosixFilePermissions(temp.resolve("server").resolve(VapidKey.FILE)),
        "the VAPID signing key is owner-only");

    // Woken, the device connects and gets what waits.
    try (RawClient c = TestServers.login(server, client)) {
      Delivery d = c.nextDelivery(WAIT);
      assertNotNull(d);
      assertEquals("are you safe?", d.getCiphertext().toStringUtf8());
    }
  }

  @Test
  void severalCopiesInARowShareOneWakeUp() throws Exception {
    registerClient();
    try (RawClient w = TestServers.login(server, worker)) {
      for (int i = 0; i < 4; i++) {
        sendToClient(w, "message " + i);
      }
    }
    endpoint.await(1, WAIT);
    TestPushEndpoint.until(
        () -> server.wakeUps().pending() == 0 && server.wakeUps().stats().accepted() == 1,
        WAIT,
        "the wake-up to be sent");
    assertEquals(1, endpoint.received().size());
  }

  @Test
  void connectedDeviceIsNotWoken() throws Exception {
    registerClient();
    try (RawClient c = TestServers.login(server, client);
        RawClient w = TestServers.login(server, worker)) {
      sendToClient(w, "live");
      Delivery d = c.nextDelivery(WAIT);
      assertNotNull(d);
      assertEquals(0, server.wakeUps().pending());
      assertEquals(0, endpoint.received().size());
      c.ack(d.getDeliveryId());
    }
  }

  @Test
  void deviceThatLeavesWithUnacknowledgedCopiesIsWoken() throws Exception {
    registerClient();
    try (RawClient c = TestServers.login(server, client);
        RawClient w = TestServers.login(server, worker)) {
      sendToClient(w, "delivered, never acknowledged");
      assertNotNull(c.nextDelivery(WAIT));
      assertEquals(0, endpoint.received().size());
    }
    endpoint.await(1, WAIT);
  }

  @Test
  void endpointThatAnswersGoneIsDropped() throws Exception {
    registerClient();
    endpoint.respondWith(410);
    PushEndpoints stored = new PushEndpoints(server.store());
    assertTrue(stored.get(clientDevice()).isPresent());
    try (RawClient w = TestServers.login(server, worker)) {
      sendToClient(w, "hello");
    }
    endpoint.await(1, WAIT);
    TestPushEndpoint.until(
        () -> {
          try {
            return stored.get(clientDevice()).isEmpty();
          } catch (java.io.IOException e) {
            throw new AssertionError(e);
          }
        },
        WAIT,
        "the endpoint to be dropped");
    assertEquals(1, server.wakeUps().stats().gone());
  }

  @Test
  void endpointIsDeletedWithTheDeviceAndCanBeRemoved() throws Exception {
    PushEndpoints stored = new PushEndpoints(server.store());
    try (RawClient w = TestServers.login(server, worker)) {
      assertEquals(
          ErrorCode.OK, register(w, endpoint.url("/w"), keys.p256dh(), keys.auth()).getError());
      DeviceAddress wd = new DeviceAddress(AccountId.of(worker.accountId), worker.deviceId);
      assertTrue(stored.get(wd).isPresent());
      Response removed = w.request(ClientFrame.newBuilder().setRemovePush(RemovePush.newBuilder()));
      assertEquals(ErrorCode.OK, removed.getError());
      assertTrue(stored.get(wd).isEmpty());
    }
    registerClient();
    assertTrue(stored.get(clientDevice()).isPresent());
    try (RawClient c = TestServers.login(server, client)) {
      Response r = c.request(ClientFrame.newBuilder().setDeleteAccount(DeleteAccount.newBuilder()));
      assertEquals(ErrorCode.OK, r.getError());
    }
    assertTrue(stored.get(clientDevice()).isEmpty(), "deleted in the deletion's commit");
  }

  @Test
  void endpointsTheRelayWouldNotCallAreRefusedAtRegistration() throws Exception {
    try (RawClient c = TestServers.login(server, client)) {
      for (String url :
          new String[] {
            "http://localhost:" + endpoint.port() + "/plain-http",
            "https://push.example.org/not-allowed-host",
            "not a url",
            "https://user@localhost/user-info",
            "https://localhost/" + "x".repeat(PushEndpoint.MAX_URL_BYTES),
          }) {
        Response r = register(c, url, keys.p256dh(), keys.auth());
        assertEquals(ErrorCode.PUSH_ENDPOINT_INVALID, r.getError(), url);
      }
      byte[] notAPoint = keys.p256dh();
      notAPoint[64] ^= 1;
      assertEquals(
          ErrorCode.PUSH_KEYS_INVALID,
          register(c, endpoint.url("/k"), notAPoint, keys.auth()).getError());
      assertEquals(
          ErrorCode.PUSH_KEYS_INVALID,
          register(c, endpoint.url("/k"), keys.p256dh(), new byte[15]).getError());
      // The connection stays usable after refusals.
      assertEquals(
          ErrorCode.OK, register(c, endpoint.url("/k"), keys.p256dh(), keys.auth()).getError());
    }
  }
}
