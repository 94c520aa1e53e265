package org.safehouse.sdk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.safehouse.sdk.SdkTesting.PASSPHRASE;

import com.google.protobuf.ByteString;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.safehouse.protocol.wire.ClientFrame;
import org.safehouse.protocol.wire.CreateInvite;
import org.safehouse.protocol.wire.DeviceKeyBundle;
import org.safehouse.protocol.wire.FetchKeys;
import org.safehouse.protocol.wire.Response;
import org.safehouse.sdk.SafehouseException.Reason;
import org.safehouse.server.SafehouseServer;
import org.safehouse.server.account.InviteLink;
import org.safehouse.server.account.Role;
import org.safehouse.server.config.Quotas;
import org.safehouse.server.testing.FakeClock;
import org.safehouse.server.testing.RawClient;
import org.safehouse.server.testing.TestServers;

@Timeout(value = 90, unit = TimeUnit.SECONDS)
class KeysAndIdentityTest {
  private static final Duration WAIT = Duration.ofSeconds(15);

  @TempDir Path temp;
  private SafehouseServer server;
  private SafehouseClient sdk;
  private SafehouseClient other;

  @BeforeEach
  void startServer() throws Exception {
    server = TestServers.start(temp.resolve("server"), new FakeClock());
  }

  @AfterEach
  void stopAll() {
    for (SafehouseClient c : new SafehouseClient[] {sdk, other}) {
      if (c != null) {
        c.close();
      }
    }
    server.close();
  }

  @Test
  void oneTimePrekeysAreReplenishedWhenPeersUseThemUp() throws Exception {
    // One account stands in for many peers here: lift the per-pair key-fetch quota, which would
    // otherwise stop it taking one-time prekeys after 10 fetches (the server's QuotaTest covers
    // it).
    server.close();
    server =
        SafehouseServer.start(
            TestServers.config(temp.resolve("server"))
                .withQuotas(new Quotas(10_000, 64L << 20, 1000, 16)),
            new FakeClock());
    RawClient.Device caseworker = TestServers.enroll(server, Role.CASEWORKER);
    try (RawClient raw = TestServers.login(server, caseworker)) {
      Response invite =
          raw.request(
              ClientFrame.newBuilder()
                  .setCreateInvite(
                      CreateInvite.newBuilder().setRole(org.safehouse.protocol.wire.Role.CLIENT)));
      String link =
          new InviteLink(
                  server.publicAddress(),
                  server.pin(),
                  server.upgradeSecret(),
                  invite.getInviteCreated().getCode().toByteArray())
              .toString();
      sdk = SafehouseClient.enroll(temp.resolve("client"), PASSPHRASE, link);
      String client = sdk.account().accountId();
      assertEquals(
          KeyMaintenance.ONE_TIME_TARGET, SdkTesting.serverOneTimeKeys(server, client, 'o'));
      assertEquals(KeyMaintenance.KYBER_TARGET, SdkTesting.serverOneTimeKeys(server, client, 'q'));

      // Many peers starting sessions: 130 bundles, more than the 100 EC and 20 Kyber uploaded.
      Set<Integer> oneTimeIds = new HashSet<>();
      Set<Integer> kyberIds = new HashSet<>();
      for (int i = 0; i < 130; i++) {
        Response r =
            raw.request(
                ClientFrame.newBuilder()
                    .setFetchKeys(
                        FetchKeys.newBuilder()
                            .setAccountId(ByteString.copyFrom(HexFormat.of().parseHex(client)))));
        DeviceKeyBundle bundle = r.getKeyBundles().getDevices(0);
        if (bundle.hasOneTimePrekey()) {
          oneTimeIds.add(bundle.getOneTimePrekey().getId());
        }
        kyberIds.add(bundle.getKyberPrekey().getId());
        Thread.sleep(25);
      }

      assertTrue(oneTimeIds.size() > 100, "EC one-time keys replenished: " + oneTimeIds.size());
      assertTrue(kyberIds.size() > 21, "Kyber one-time keys replenished: " + kyberIds.size());
      SafehouseClientTest.waitFor(
          () ->
              SdkTesting.serverOneTimeKeys(server, client, 'o') >= 10
                  && SdkTesting.serverOneTimeKeys(server, client, 'q') >= 10);
    }
  }

  @Test
  void keysSwappedByTheServerAreRefusedUntilTheNewSafetyNumberIsApproved() throws Exception {
    other =
        SafehouseClient.enroll(
            temp.resolve("caseworker"),
            PASSPHRASE,
            server.createInvite(Role.CASEWORKER).toString());
    sdk = SafehouseClient.enroll(temp.resolve("client"), PASSPHRASE, other.createInvite("client"));
    String client = sdk.account().accountId();
    String caseworker = other.account().accountId();
    other.sendText(client, "first contact", null);
    assertEquals(1, SdkTesting.receive(sdk, 1, WAIT).size());
    String before = other.safetyNumber(client);
    assertEquals(before, sdk.safetyNumber(caseworker));

    // A malicious server publishes its own keys for the client, and the caseworker's session
    // is gone (a reset), so the caseworker fetches keys again.
    SdkTesting.swapKeys(server, client);
    other.signalStore().deleteAllSessions(client);

    SafehouseException refused =
        assertThrows(SafehouseException.class, () -> other.sendText(client, "secret", null));
    assertEquals(Reason.IDENTITY_CHANGED, refused.reason());
    assertEquals(
        Reason.IDENTITY_CHANGED,
        assertThrows(SafehouseException.class, () -> other.sendText(client, "secret", null))
            .reason(),
        "still refused on the next try");
    assertEquals(
        Reason.IDENTITY_CHANGED,
        assertThrows(SafehouseException.class, () -> other.approveSafetyNumber(client)).reason(),
        "the new number must be shown before it can be approved");

    String after = other.safetyNumber(client);
    assertNotEquals(before, after);
    other.approveSafetyNumber(client);
    String id = other.sendText(client, "the user verified the new number", null);
    assertTrue(id.matches("[0-9a-f]{32}"));
    assertEquals(after, other.safetyNumber(client));
  }

  @Test
  void messageFromAChangedIdentityIsHeldUntilTheNewSafetyNumberIsApproved() throws Exception {
    other =
        SafehouseClient.enroll(
            temp.resolve("caseworker"),
            PASSPHRASE,
            server.createInvite(Role.CASEWORKER).toString());
    sdk = SafehouseClient.enroll(temp.resolve("client"), PASSPHRASE, other.createInvite("client"));
    String client = sdk.account().accountId();
    String caseworker = other.account().accountId();
    other.sendText(client, "first contact", null);
    assertEquals(1, SdkTesting.receive(sdk, 1, WAIT).size());
    String before = sdk.safetyNumber(caseworker);

    // Someone holding the caseworker's login but not its Signal identity (a reinstall, or a thief
    // of the server password) writes to the client with a new identity.
    SdkTesting.impostorSends(server, other.credentials(), client, "from a new identity");

    SafehouseException changed =
        assertThrows(SafehouseException.class, () -> SdkTesting.receive(sdk, 1, WAIT));
    assertEquals(Reason.IDENTITY_CHANGED, changed.reason());
    assertEquals(List.of(), sdk.receive(Duration.ofMillis(300)), "held, not delivered");
    assertEquals(
        Reason.IDENTITY_CHANGED,
        assertThrows(SafehouseException.class, () -> sdk.sendText(caseworker, "hi", null))
            .reason());

    assertNotEquals(before, sdk.safetyNumber(caseworker));
    sdk.approveSafetyNumber(caseworker);

    List<ReceivedMessage> released = SdkTesting.receive(sdk, 1, WAIT);
    assertEquals("from a new identity", released.get(0).text());
    assertEquals(caseworker, released.get(0).senderAccountId());
  }
}
