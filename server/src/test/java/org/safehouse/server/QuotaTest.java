package org.safehouse.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.safehouse.protocol.wire.ClientFrame;
import org.safehouse.protocol.wire.Copy;
import org.safehouse.protocol.wire.DeviceKeyBundle;
import org.safehouse.protocol.wire.ErrorCode;
import org.safehouse.protocol.wire.FetchKeys;
import org.safehouse.protocol.wire.Response;
import org.safehouse.protocol.wire.Send;
import org.safehouse.server.account.Role;
import org.safehouse.server.config.Quotas;
import org.safehouse.server.store.StoreInspector;
import org.safehouse.server.testing.FakeClock;
import org.safehouse.server.testing.RawClient;
import org.safehouse.server.testing.TestServers;

/** Mailbox caps, the key-fetch quota and the send checks made before any copy is encrypted. */
@Timeout(60)
class QuotaTest {
  private static final SecureRandom RANDOM = new SecureRandom();
  @TempDir Path data;
  private final FakeClock clock = new FakeClock();
  private SafehouseServer server;

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
  }

  private void start(Quotas quotas) throws Exception {
    server = SafehouseServer.start(TestServers.config(data).withQuotas(quotas), clock);
  }

  @Test
  void aFullMailboxAnswersMailboxFullUntilTheDeviceReadsAndTheCountSurvivesARestart()
      throws Exception {
    start(new Quotas(3, 64L << 20, 10, 16));
    RawClient.Device worker = TestServers.enroll(server, Role.CASEWORKER);
    RawClient.Device client = TestServers.enrollClient(server, worker);
    try (RawClient w = TestServers.login(server, worker)) {
      for (int i = 0; i < 3; i++) {
        assertTrue(w.send(client.accountId, text(100), id()).hasSent());
      }
      Response full = w.send(client.accountId, text(100), id());
      assertEquals(ErrorCode.MAILBOX_FULL, full.getError());
      assertEquals(3, StoreInspector.count(server.store(), "mailbox"), "nothing more stored");
    }
    try (RawClient c = TestServers.login(server, client)) {
      var d = c.nextDelivery(Duration.ofSeconds(10));
      assertNotNull(d);
      c.ack(d.getDeliveryId());
      waitUntilStored(2);
    }
    try (RawClient w = TestServers.login(server, worker)) {
      assertTrue(w.send(client.accountId, text(100), id()).hasSent());
      assertEquals(ErrorCode.MAILBOX_FULL, w.send(client.accountId, text(100), id()).getError());
    }
    server = TestServers.restart(server, clock);
    try (RawClient w = TestServers.login(server, worker)) {
      assertEquals(ErrorCode.MAILBOX_FULL, w.send(client.accountId, text(100), id()).getError());
    }
  }

  @Test
  void aMailboxIsAlsoCappedInBytes() throws Exception {
    start(new Quotas(10_000, 4096, 10, 16));
    RawClient.Device worker = TestServers.enroll(server, Role.CASEWORKER);
    RawClient.Device client = TestServers.enrollClient(server, worker);
    try (RawClient w = TestServers.login(server, worker)) {
      assertTrue(w.send(client.accountId, text(1500), id()).hasSent());
      assertTrue(w.send(client.accountId, text(1500), id()).hasSent());
      assertEquals(ErrorCode.MAILBOX_FULL, w.send(client.accountId, text(1500), id()).getError());
      assertTrue(w.send(client.accountId, text(100), id()).hasSent(), "what still fits is stored");
      assertEquals(
          ErrorCode.BAD_REQUEST,
          w.send(client.accountId, text(4097), id()).getError(),
          "a copy larger than a whole mailbox can never be stored");
    }
  }

  @Test
  void tooManyCopiesAreRefusedBeforeAnyIsEncrypted() throws Exception {
    start(new Quotas(10_000, 64L << 20, 10, 4));
    RawClient.Device worker = TestServers.enroll(server, Role.CASEWORKER);
    RawClient.Device client = TestServers.enrollClient(server, worker);
    Send.Builder s =
        Send.newBuilder()
            .setRecipientAccountId(ByteString.copyFrom(client.accountId))
            .setClientMessageId(ByteString.copyFrom(id()));
    for (int d = 1; d <= 5; d++) {
      s.addCopies(Copy.newBuilder().setDeviceId(d).setCiphertext(ByteString.copyFrom(text(10))));
    }
    try (RawClient w = TestServers.login(server, worker)) {
      assertEquals(
          ErrorCode.BAD_REQUEST, w.request(ClientFrame.newBuilder().setSend(s)).getError());
    }
    // Encrypting a copy creates the key of its expiry hour: none was ever made.
    assertEquals(List.of(), StoreInspector.bucketKeys(server.store()));
  }

  @Test
  void pastThePairsQuotaBundlesCarryNoOneTimePrekeysAndNoneIsConsumed() throws Exception {
    start(new Quotas(10_000, 64L << 20, 3, 16));
    RawClient.Device worker = TestServers.enroll(server, Role.CASEWORKER);
    RawClient.Device colleague = TestServers.enroll(server, Role.CASEWORKER);
    RawClient.Device target = TestServers.enroll(server, Role.CASEWORKER);
    try (RawClient t = TestServers.login(server, target)) {
      ByteString identity = ByteString.copyFrom(text(33));
      assertEquals(
          ErrorCode.OK,
          t.request(
                  ClientFrame.newBuilder()
                      .setUploadKeys(KeyDirectoryTest.upload(identity, 100, 10)))
              .getError());
    }
    try (RawClient w = TestServers.login(server, worker)) {
      for (int i = 0; i < 3; i++) {
        DeviceKeyBundle b = fetch(w, target.accountId);
        assertTrue(b.hasOneTimePrekey());
        assertTrue(b.getKyberPrekey().getId() != 2, "a one-time Kyber prekey");
      }
      for (int i = 0; i < 5; i++) {
        DeviceKeyBundle b = fetch(w, target.accountId);
        assertFalse(b.hasOneTimePrekey());
        assertEquals(2, b.getKyberPrekey().getId(), "the last-resort Kyber prekey");
      }
    }
    try (RawClient c = TestServers.login(server, colleague)) {
      assertTrue(fetch(c, target.accountId).hasOneTimePrekey(), "another pair has its own quota");
    }
    clock.advance(Duration.ofMinutes(20));
    try (RawClient w = TestServers.login(server, worker)) {
      assertTrue(fetch(w, target.accountId).hasOneTimePrekey(), "the bucket refills over the hour");
      assertFalse(fetch(w, target.accountId).hasOneTimePrekey());
    }
    try (RawClient t = TestServers.login(server, target)) {
      // 10 uploaded, 3 + 1 + 1 handed out: the refused fetches consumed none.
      Response status =
          t.request(
              ClientFrame.newBuilder()
                  .setUploadKeys(
                      KeyDirectoryTest.upload(ByteString.EMPTY, 50, 0).clearSignedPrekey()));
      assertEquals(5, status.getKeysStatus().getOneTimePrekeys());
    }
  }

  private static DeviceKeyBundle fetch(RawClient c, byte[] account) throws Exception {
    Response r =
        c.request(
            ClientFrame.newBuilder()
                .setFetchKeys(FetchKeys.newBuilder().setAccountId(ByteString.copyFrom(account))));
    assertEquals(ErrorCode.OK, r.getError());
    return r.getKeyBundles().getDevices(0);
  }

  private void waitUntilStored(int copies) throws Exception {
    for (int i = 0; i < 1000 && StoreInspector.count(server.store(), "mailbox") != copies; i++) {
      Thread.sleep(10);
    }
    assertEquals(copies, StoreInspector.count(server.store(), "mailbox"));
  }

  private static byte[] text(int n) {
    byte[] b = new byte[n];
    RANDOM.nextBytes(b);
    return b;
  }

  private static byte[] id() {
    return text(16);
  }
}
