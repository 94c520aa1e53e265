package org.safehouse.server.devices;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.Signature;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.safehouse.protocol.wire.ApproveLink;
import org.safehouse.protocol.wire.ClientFrame;
import org.safehouse.protocol.wire.DeviceList;
import org.safehouse.protocol.wire.ErrorCode;
import org.safehouse.protocol.wire.LinkDevice;
import org.safehouse.protocol.wire.ListDevices;
import org.safehouse.protocol.wire.ListedDevice;
import org.safehouse.protocol.wire.PublishDeviceList;
import org.safehouse.protocol.wire.Response;
import org.safehouse.protocol.wire.SignedDeviceList;
import org.safehouse.server.SafehouseServer;
import org.safehouse.server.account.Role;
import org.safehouse.server.config.Quotas;
import org.safehouse.server.testing.FakeClock;
import org.safehouse.server.testing.RawClient;
import org.safehouse.server.testing.TestServers;

/**
 * The linked-device requests on the wire: the server's checks of a device list (it cannot check the
 * signature, which senders do), a link's expiry and its single use.
 */
@Timeout(60)
class LinkedDevicesProtocolTest {
  @TempDir Path data;
  private SafehouseServer server;
  private final FakeClock clock = new FakeClock();

  @BeforeEach
  void start() throws Exception {
    server = TestServers.start(data, clock);
  }

  @AfterEach
  void stop() {
    server.close();
  }

  @Test
  void aListThatDoesNotNameExactlyTheDevicesOrIsNotNewerIsRefused() throws Exception {
    RawClient.Device phone = new RawClient.Device();
    try (RawClient c = TestServers.connect(server)) {
      assertTrue(c.enroll(server.createInvite(Role.CASEWORKER).code(), phone).hasEnrolled());
      RawClient.Device stranger = new RawClient.Device();
      assertEquals(ErrorCode.DEVICE_LIST_STALE, publish(c, list(phone, 1, stranger)).getError());
      assertEquals(ErrorCode.OK, publish(c, list(phone, 1, phone)).getError());
      assertEquals(ErrorCode.DEVICE_LIST_STALE, publish(c, list(phone, 1, phone)).getError());
      Response listed =
          c.request(ClientFrame.newBuilder().setListDevices(ListDevices.newBuilder()));
      assertEquals(1, listed.getDevices().getDevicesCount());
      assertEquals(2, listed.getDevices().getNextDeviceId());
      assertTrue(listed.getDevices().hasDeviceList());
    }
  }

  @Test
  void anApprovedLinkSignsInOnceAndNotAfterItExpired() throws Exception {
    RawClient.Device phone = new RawClient.Device();
    RawClient.Device laptop = new RawClient.Device();
    RawClient.Device late = new RawClient.Device();
    try (RawClient c = TestServers.connect(server)) {
      c.enroll(server.createInvite(Role.CASEWORKER).code(), phone);
      assertEquals(ErrorCode.OK, approve(c, phone, 2, phone, laptop).getError());
      try (RawClient l = TestServers.connect(server)) {
        Response linked = redeem(l, laptop);
        assertEquals(ErrorCode.OK, linked.getError());
        assertEquals(2, linked.getLinked().getDeviceId());
        assertEquals(ByteString.copyFromUtf8("sealed"), linked.getLinked().getProvisioning());
      }
      try (RawClient again = TestServers.connect(server)) {
        assertEquals(ErrorCode.AUTH_FAILED, redeem(again, laptop).getError(), "used once");
      }
      assertEquals(ErrorCode.OK, approve(c, phone, 3, phone, laptop, late).getError());
    }
    clock.advance(DeviceLimits.DEFAULTS.linkTtl());
    try (RawClient c = TestServers.connect(server)) {
      assertEquals(ErrorCode.AUTH_FAILED, redeem(c, late).getError(), "expired");
    }
  }

  @Test
  void theDeviceLimitOfARoleComesFromTheConfiguration() throws Exception {
    server.close();
    server =
        SafehouseServer.start(
            TestServers.config(data)
                .withQuotas(
                    new Quotas(
                        10_000,
                        64L << 20,
                        10,
                        16,
                        Quotas.DEFAULT_ATTACHMENT_MAX_BYTES,
                        Quotas.DEFAULT_ATTACHMENT_QUOTA_BYTES,
                        1,
                        1)),
            clock);
    RawClient.Device phone = new RawClient.Device();
    try (RawClient c = TestServers.connect(server)) {
      c.enroll(server.createInvite(Role.CASEWORKER).code(), phone);
      assertEquals(
          ErrorCode.DEVICE_LIMIT, approve(c, phone, 2, phone, new RawClient.Device()).getError());
    }
  }

  private static Response publish(RawClient c, SignedDeviceList l) throws Exception {
    return c.request(
        ClientFrame.newBuilder()
            .setPublishDeviceList(PublishDeviceList.newBuilder().setDeviceList(l)));
  }

  /** Approves the last of {@code devices} (ids 1, 2, ...) as the next device, list version n. */
  private static Response approve(
      RawClient c, RawClient.Device account, long version, RawClient.Device... devices)
      throws Exception {
    DeviceList.Builder l =
        DeviceList.newBuilder()
            .setAccountId(ByteString.copyFrom(account.accountId))
            .setVersion(version);
    for (int i = 0; i < devices.length; i++) {
      l.addDevices(device(i + 1, devices[i]));
    }
    RawClient.Device newcomer = devices[devices.length - 1];
    return c.request(
        ClientFrame.newBuilder()
            .setApproveLink(
                ApproveLink.newBuilder()
                    .setAuthPublicKey(ByteString.copyFrom(newcomer.rawPublicKey()))
                    .setProvisioning(ByteString.copyFromUtf8("sealed"))
                    .setDeviceList(signed(l.build()))));
  }

  private static Response redeem(RawClient c, RawClient.Device d) throws Exception {
    Signature s = Signature.getInstance("Ed25519");
    s.initSign(d.authKey.getPrivate());
    s.update("safehouse-link-v1\0".getBytes(StandardCharsets.US_ASCII));
    s.update(c.nonce());
    return c.request(
        ClientFrame.newBuilder()
            .setLinkDevice(
                LinkDevice.newBuilder()
                    .setAuthPublicKey(ByteString.copyFrom(d.rawPublicKey()))
                    .setSignature(ByteString.copyFrom(s.sign()))));
  }

  private static SignedDeviceList list(RawClient.Device account, long version, RawClient.Device d) {
    return signed(
        DeviceList.newBuilder()
            .setAccountId(ByteString.copyFrom(account.accountId))
            .setVersion(version)
            .addDevices(device(1, d))
            .build());
  }

  private static ListedDevice device(int id, RawClient.Device d) {
    return ListedDevice.newBuilder()
        .setDeviceId(id)
        .setAuthPublicKey(ByteString.copyFrom(d.rawPublicKey()))
        .build();
  }

  /** The server stores the signature and never checks it; any bytes do here. */
  private static SignedDeviceList signed(DeviceList l) {
    return SignedDeviceList.newBuilder()
        .setList(l.toByteString())
        .setSignature(ByteString.copyFromUtf8("not checked by the server"))
        .build();
  }
}
