package org.safehouse.sdk;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.safehouse.sdk.SdkTesting.PASSPHRASE;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.safehouse.server.SafehouseServer;
import org.safehouse.server.account.Role;
import org.safehouse.server.config.PushSettings;
import org.safehouse.server.push.WakeUps;
import org.safehouse.server.testing.TestPushEndpoint;
import org.safehouse.server.testing.TestServers;
import org.safehouse.server.testing.WebPushReceiver;

/**
 * A phone's day with wake-ups: it registers the endpoint its distributor gave it and goes offline;
 * a message for it makes the relay wake it through a real push endpoint on loopback; the wake-up
 * decrypts with the device's push key to nothing at all; then one call connects, drains and
 * disconnects.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class PushWakeUpJourneyTest {
  @TempDir Path temp;
  private SafehouseServer server;
  private TestPushEndpoint endpoint;

  @AfterEach
  void tearDown() {
    if (server != null) {
      server.close();
    }
    if (endpoint != null) {
      endpoint.close();
    }
  }

  @Test
  void offlinePhoneIsWokenAndOneCallDrainsItsMessages() throws Exception {
    endpoint = TestPushEndpoint.start(temp.resolve("push"));
    server =
        SafehouseServer.start(
            TestServers.config(temp.resolve("server")),
            java.time.Clock.systemUTC(),
            PushSettings.defaults()
                .withTrust(Set.of("localhost"), endpoint.certFile())
                .withDelays(Duration.ZERO, Duration.ofMillis(50)));
    try (SafehouseClient worker =
        SafehouseClient.enroll(
            temp.resolve("worker"), PASSPHRASE, server.createInvite(Role.CASEWORKER).toString())) {
      String invite = worker.createInvite("client");
      PushRegistration reg;
      String clientId;
      try (SafehouseClient phone =
          SafehouseClient.enroll(temp.resolve("phone"), PASSPHRASE, invite)) {
        clientId = phone.account().accountId();
        reg = phone.registerPush(endpoint.url("/up/phone"));
        assertArrayEquals(phone.pushServerKey(), reg.serverKey());
      }
      // The phone is offline now (its app is in the background), as soon as the server saw it go.
      var phoneDevice =
          new org.safehouse.server.account.DeviceAddress(
              org.safehouse.server.account.AccountId.parse(clientId), 1);
      TestPushEndpoint.until(
          () -> !server.wakeUps().connected(phoneDevice), Duration.ofSeconds(10), "the phone gone");
      worker.sendText(clientId, "the car leaves at six", null);
      TestPushEndpoint.Received wake = endpoint.await(1, Duration.ofSeconds(30)).get(0);
      assertEquals(WakeUps.BODY_BYTES, wake.body().length);
      byte[] plain =
          WebPushReceiver.of(reg.privateKey(), reg.publicKey(), reg.authSecret())
              .decrypt(wake.body());
      assertEquals(0, plain.length, "a wake-up says nothing, not even who wrote");

      try (SafehouseClient phone = SafehouseClient.open(temp.resolve("phone"), PASSPHRASE)) {
        List<ReceivedMessage> got = phone.drainOnce();
        assertEquals(
            List.of("the car leaves at six"), got.stream().map(ReceivedMessage::text).toList());
        phone.confirmReceived();
        assertNull(phone.link().current(), "disconnected after the drain");
        assertEquals(List.of(), phone.drainOnce(), "nothing twice");
      }
    }
  }
}
