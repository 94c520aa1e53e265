package org.safehouse.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.safehouse.protocol.wire.Delivery;
import org.safehouse.protocol.wire.ErrorCode;
import org.safehouse.protocol.wire.Response;
import org.safehouse.protocol.wire.Role;
import org.safehouse.server.testing.FakeClock;
import org.safehouse.server.testing.RawClient;
import org.safehouse.server.testing.TestServers;

@Timeout(60)
class MessagingTest {
  private static final Duration WAIT = Duration.ofSeconds(5);
  private static final Duration NOTHING = Duration.ofMillis(300);

  @TempDir Path data;
  private final FakeClock clock = new FakeClock();
  private SafehouseServer server;

  @BeforeEach
  void start() throws Exception {
    // Some tests send a burst of 180 from one account: above the default per-account send rate.
    server =
        SafehouseServer.start(
            TestServers.withLimits(
                TestServers.config(data),
                org.safehouse.server.config.Limits.defaults()
                    .withPerSourceCaps(
                        org.safehouse.server.config.Limits.DEFAULT_CONNECTIONS_PER_ADDRESS, 1000)),
            clock);
  }

  @AfterEach
  void stop() {
    server.close();
  }

  private static byte[] id() {
    byte[] b = new byte[16];
    UUID u = UUID.randomUUID();
    java.nio.ByteBuffer.wrap(b)
        .putLong(u.getMostSignificantBits())
        .putLong(u.getLeastSignificantBits());
    return b;
  }

  private static byte[] text(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void twoDevicesEnrollOverTheWireWithDistinctAccounts() throws Exception {
    RawClient.Device a = TestServers.enroll(server, org.safehouse.server.account.Role.CASEWORKER);
    RawClient.Device b = TestServers.enroll(server, org.safehouse.server.account.Role.CASEWORKER);
    assertEquals(16, a.accountId.length);
    assertEquals(1, a.deviceId);
    assertTrue(!java.util.Arrays.equals(a.accountId, b.accountId));
    try (RawClient c = TestServers.login(server, b)) {
      assertTrue(c.isOpen());
    }
    assertEquals(2, server.store().counters().accounts());
    assertEquals(2, server.store().counters().devices());
  }

  @Test
  void enrollReturnsTheRoleOfTheInvite() throws Exception {
    var invite = server.createInvite(org.safehouse.server.account.Role.CASEWORKER);
    try (RawClient c = TestServers.connect(server)) {
      Response r = c.enroll(invite.code(), new RawClient.Device());
      assertEquals(Role.CASEWORKER, r.getEnrolled().getRole());
    }
  }

  @Test
  void messageSentWhileRecipientIsOfflineIsDeliveredWhenItConnects() throws Exception {
    RawClient.Device worker =
        TestServers.enroll(server, org.safehouse.server.account.Role.CASEWORKER);
    RawClient.Device client = TestServers.enrollClient(server, worker);
    byte[] msgId = id();
    try (RawClient w = TestServers.login(server, worker)) {
      Response r = w.send(client.accountId, text("offline hello"), msgId);
      assertEquals(ErrorCode.OK, r.getError());
      assertEquals(1, r.getSent().getStored());
    }
    try (RawClient c = TestServers.login(server, client)) {
      Delivery d = c.nextDelivery(WAIT);
      assertNotNull(d);
      assertArrayEquals(text("offline hello"), d.getCiphertext().toByteArray());
      assertArrayEquals(msgId, d.getClientMessageId().toByteArray());
      assertArrayEquals(worker.accountId, d.getSenderAccountId().toByteArray());
      assertEquals(1, d.getSenderDeviceId());
    }
  }

  @Test
  void messageSentWhileRecipientIsOnlineIsPushedAtOnce() throws Exception {
    RawClient.Device worker =
        TestServers.enroll(server, org.safehouse.server.account.Role.CASEWORKER);
    RawClient.Device client = TestServers.enrollClient(server, worker);
    try (RawClient c = TestServers.login(server, client);
        RawClient w = TestServers.login(server, worker)) {
      assertNull(c.nextDelivery(NOTHING));
      w.send(client.accountId, text("online hello"), id());
      Delivery d = c.nextDelivery(WAIT);
      assertNotNull(d);
      assertArrayEquals(text("online hello"), d.getCiphertext().toByteArray());
      // And the other way: a client may answer its caseworker.
      c.send(worker.accountId, text("reply"), id());
      assertArrayEquals(text("reply"), w.nextDelivery(WAIT).getCiphertext().toByteArray());
    }
  }

  @Test
  void deliveriesArriveInSendOrderAcrossBacklogAndLive() throws Exception {
    RawClient.Device worker =
        TestServers.enroll(server, org.safehouse.server.account.Role.CASEWORKER);
    RawClient.Device client = TestServers.enrollClient(server, worker);
    int n = 180; // more than the delivery window (64), within the request burst (200)
    try (RawClient w = TestServers.login(server, worker)) {
      for (int i = 0; i < n / 2; i++) {
        w.send(client.accountId, text("m" + i), id());
      }
      try (RawClient c = TestServers.login(server, client)) {
        List<Long> acks = new ArrayList<>();
        var sending = new ArrayList<java.util.concurrent.CompletableFuture<Response>>();
        for (int i = n / 2; i < n; i++) {
          sending.add(
              w.requestAsync(RawClient.sendFrame(client.accountId, text("m" + i), id(), 0)));
        }
        for (int i = 0; i < n; i++) {
          Delivery d = c.nextDelivery(WAIT);
          assertNotNull(d, "delivery " + i);
          assertEquals("m" + i, d.getCiphertext().toStringUtf8());
          acks.add(d.getDeliveryId());
          c.ack(d.getDeliveryId());
        }
        for (var f : sending) {
          assertEquals(ErrorCode.OK, f.get().getError());
        }
        assertNull(c.nextDelivery(NOTHING));
      }
    }
  }

  @Test
  void ackDeletesTheCopy() throws Exception {
    RawClient.Device worker =
        TestServers.enroll(server, org.safehouse.server.account.Role.CASEWORKER);
    RawClient.Device client = TestServers.enrollClient(server, worker);
    try (RawClient w = TestServers.login(server, worker)) {
      w.send(client.accountId, text("once"), id());
    }
    assertEquals(1, server.store().counters().queuedMessages());
    try (RawClient c = TestServers.login(server, client)) {
      Delivery d = c.nextDelivery(WAIT);
      c.ack(d.getDeliveryId());
      waitFor(() -> server.store().counters().queuedMessages() == 0);
    }
    try (RawClient c = TestServers.login(server, client)) {
      assertNull(c.nextDelivery(NOTHING));
    }
  }

  @Test
  void unacknowledgedMessagesAreDeliveredAgainAfterReconnect() throws Exception {
    RawClient.Device worker =
        TestServers.enroll(server, org.safehouse.server.account.Role.CASEWORKER);
    RawClient.Device client = TestServers.enrollClient(server, worker);
    try (RawClient w = TestServers.login(server, worker)) {
      w.send(client.accountId, text("first"), id());
      w.send(client.accountId, text("second"), id());
    }
    try (RawClient c = TestServers.login(server, client)) {
      Delivery first = c.nextDelivery(WAIT);
      assertEquals("first", first.getCiphertext().toStringUtf8());
      c.ack(first.getDeliveryId());
      assertEquals("second", c.nextDelivery(WAIT).getCiphertext().toStringUtf8());
      waitFor(() -> server.store().counters().queuedMessages() == 1);
      // Connection drops before "second" is acknowledged.
    }
    try (RawClient c = TestServers.login(server, client)) {
      Delivery again = c.nextDelivery(WAIT);
      assertNotNull(again);
      assertEquals("second", again.getCiphertext().toStringUtf8());
      assertNull(c.nextDelivery(NOTHING));
    }
  }

  @Test
  void expiredMessageIsNeverDeliveredAndTheSweeperRemovesIt() throws Exception {
    RawClient.Device worker =
        TestServers.enroll(server, org.safehouse.server.account.Role.CASEWORKER);
    RawClient.Device client = TestServers.enrollClient(server, worker);
    try (RawClient w = TestServers.login(server, worker)) {
      assertEquals(
          ErrorCode.OK,
          w.request(RawClient.sendFrame(client.accountId, text("short"), id(), 60)).getError());
      assertEquals(
          ErrorCode.OK,
          w.request(RawClient.sendFrame(client.accountId, text("long"), id(), 3600)).getError());
    }
    clock.advance(Duration.ofSeconds(61));
    try (RawClient c = TestServers.login(server, client)) {
      Delivery d = c.nextDelivery(WAIT);
      assertEquals("long", d.getCiphertext().toStringUtf8());
      assertNull(c.nextDelivery(NOTHING));
    }
    assertEquals(1, server.sweeper().sweep().get());
    assertEquals(1, server.store().counters().expiredRemoved());
    assertEquals(1, server.store().counters().queuedMessages());
    assertEquals(0, server.sweeper().sweep().get());
  }

  @Test
  void messageExpiringWhileInFlightIsNotDeliveredAgain() throws Exception {
    RawClient.Device worker =
        TestServers.enroll(server, org.safehouse.server.account.Role.CASEWORKER);
    RawClient.Device client = TestServers.enrollClient(server, worker);
    try (RawClient w = TestServers.login(server, worker)) {
      w.request(RawClient.sendFrame(client.accountId, text("brief"), id(), 60));
    }
    try (RawClient c = TestServers.login(server, client)) {
      assertNotNull(c.nextDelivery(WAIT)); // delivered, never acknowledged
    }
    clock.advance(Duration.ofMinutes(2));
    try (RawClient c = TestServers.login(server, client)) {
      assertNull(c.nextDelivery(NOTHING));
      server.sweeper().sweep().get();
      c.ack(1, 2, 3); // late and unknown acks are harmless
    }
    assertEquals(0, server.store().counters().queuedMessages());
  }

  @Test
  void ttlAboveTheServerMaximumIsCapped() throws Exception {
    RawClient.Device worker =
        TestServers.enroll(server, org.safehouse.server.account.Role.CASEWORKER);
    RawClient.Device client = TestServers.enrollClient(server, worker);
    try (RawClient w = TestServers.login(server, worker)) {
      Response r = w.request(RawClient.sendFrame(client.accountId, text("x"), id(), 365 * 86400));
      assertEquals(server.config().retentionMax().toSeconds(), r.getSent().getTtlSeconds());
      Response dflt = w.request(RawClient.sendFrame(client.accountId, text("y"), id(), 0));
      assertEquals(server.config().retentionDefault().toSeconds(), dflt.getSent().getTtlSeconds());
    }
    clock.advance(server.config().retentionMax().plusSeconds(1));
    assertEquals(2, server.sweeper().sweep().get());
  }

  @Test
  void queuedMessagesSurviveARestart() throws Exception {
    RawClient.Device worker =
        TestServers.enroll(server, org.safehouse.server.account.Role.CASEWORKER);
    RawClient.Device client = TestServers.enrollClient(server, worker);
    try (RawClient w = TestServers.login(server, worker)) {
      for (int i = 0; i < 10; i++) {
        w.send(client.accountId, text("kept" + i), id());
      }
    }
    server = TestServers.restart(server, clock);
    assertEquals(10, server.store().counters().queuedMessages());
    try (RawClient c = TestServers.login(server, client)) {
      for (int i = 0; i < 10; i++) {
        Delivery d = c.nextDelivery(WAIT);
        assertEquals("kept" + i, d.getCiphertext().toStringUtf8());
        c.ack(d.getDeliveryId());
      }
    }
    // New messages after the restart still sort after the old ones.
    try (RawClient w = TestServers.login(server, worker)) {
      w.send(client.accountId, text("after"), id());
    }
    try (RawClient c = TestServers.login(server, client)) {
      assertEquals("after", c.nextDelivery(WAIT).getCiphertext().toStringUtf8());
    }
  }

  @Test
  void sendWithTheWrongDevicesIsRefusedWithTheCurrentDeviceList() throws Exception {
    RawClient.Device worker =
        TestServers.enroll(server, org.safehouse.server.account.Role.CASEWORKER);
    RawClient.Device client = TestServers.enrollClient(server, worker);
    try (RawClient w = TestServers.login(server, worker)) {
      var frame = RawClient.sendFrame(client.accountId, text("x"), id(), 0);
      frame.getSendBuilder().getCopiesBuilder(0).setDeviceId(7);
      Response r = w.request(frame);
      assertEquals(ErrorCode.DEVICE_MISMATCH, r.getError());
      assertEquals(List.of(1), r.getDeviceMismatch().getDeviceIdsList());
      assertEquals(0, server.store().counters().queuedMessages());
    }
  }

  @Test
  void aClientCannotReachAnotherClientAndCannotTellItExists() throws Exception {
    RawClient.Device worker =
        TestServers.enroll(server, org.safehouse.server.account.Role.CASEWORKER);
    RawClient.Device client1 = TestServers.enrollClient(server, worker);
    RawClient.Device client2 = TestServers.enrollClient(server, worker);
    try (RawClient c = TestServers.login(server, client1)) {
      Response existing = c.send(client2.accountId, text("probe"), id());
      Response unknown = c.send(id(), text("probe"), id());
      assertEquals(ErrorCode.UNKNOWN_RECIPIENT, existing.getError());
      assertEquals(unknown.getError(), existing.getError());
      assertEquals(unknown.getMessage(), existing.getMessage());
    }
    assertEquals(0, server.store().counters().queuedMessages());
  }

  static void waitFor(java.util.function.BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("condition not met within " + WAIT);
      }
      Thread.sleep(10);
    }
  }
}
