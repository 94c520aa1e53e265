package org.safehouse.sdk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.safehouse.sdk.SdkTesting.PASSPHRASE;

import com.google.protobuf.ByteString;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.safehouse.protocol.wire.ClientFrame;
import org.safehouse.protocol.wire.CreateInvite;
import org.safehouse.protocol.wire.FetchKeys;
import org.safehouse.protocol.wire.Response;
import org.safehouse.server.SafehouseServer;
import org.safehouse.server.account.InviteLink;
import org.safehouse.server.account.Role;
import org.safehouse.server.testing.FakeClock;
import org.safehouse.server.testing.RawClient;
import org.safehouse.server.testing.TestServers;

/** The SDK decides by the clock it was given, not the system's: here, when to rotate keys. */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class KeyRotationTest {
  @TempDir Path temp;
  private SafehouseServer server;
  private SafehouseClient sdk;

  @AfterEach
  void stopAll() {
    if (sdk != null) {
      sdk.close();
    }
    if (server != null) {
      server.close();
    }
  }

  @Test
  void signedPrekeyIsRotatedOnceTheInjectedClockPassesTheRotationInterval() throws Exception {
    server = TestServers.start(temp.resolve("server"), new FakeClock());
    // The device's clock is its own, a year away from both the server's and the system's.
    FakeClock deviceClock = new FakeClock(Instant.parse("2027-12-01T08:00:00Z"));
    ClientOptions options = ClientOptions.defaults().withClock(deviceClock);
    Path home = temp.resolve("client");
    RawClient.Device caseworker = TestServers.enroll(server, Role.CASEWORKER);
    try (RawClient raw = TestServers.login(server, caseworker)) {
      sdk = SafehouseClient.enroll(home, PASSPHRASE, invite(raw), options);
      String client = sdk.account().accountId();
      int enrolled = signedPrekeyId(raw, client);
      assertEquals(
          deviceClock.millis(),
          sdk.signalStore().loadSignedPreKey(enrolled).getTimestamp(),
          "the signed prekey is stamped with the device's clock");

      deviceClock.advance(KeyMaintenance.SIGNED_MAX_AGE.plus(Duration.ofMinutes(1)));
      sdk.close();
      sdk = SafehouseClient.open(home, PASSPHRASE, options);
      sdk.connect();

      SafehouseClientTest.waitFor(() -> signedPrekeyId(raw, client) != enrolled);
      int rotated = signedPrekeyId(raw, client);
      assertNotEquals(enrolled, rotated);
      assertEquals(
          deviceClock.millis(), sdk.signalStore().loadSignedPreKey(rotated).getTimestamp());
      assertTrue(
          sdk.signalStore().containsSignedPreKey(enrolled),
          "the previous signed prekey is kept, so sessions started just before still decrypt");
    }
  }

  private String invite(RawClient raw) throws Exception {
    Response invite =
        raw.request(
            ClientFrame.newBuilder()
                .setCreateInvite(
                    CreateInvite.newBuilder().setRole(org.safehouse.protocol.wire.Role.CLIENT)));
    return new InviteLink(
            server.publicAddress(),
            server.pin(),
            server.upgradeSecret(),
            invite.getInviteCreated().getCode().toByteArray())
        .toString();
  }

  private static int signedPrekeyId(RawClient raw, String account) throws Exception {
    Response r =
        raw.request(
            ClientFrame.newBuilder()
                .setFetchKeys(
                    FetchKeys.newBuilder()
                        .setAccountId(ByteString.copyFrom(HexFormat.of().parseHex(account)))));
    return r.getKeyBundles().getDevices(0).getSignedPrekey().getId();
  }
}
