package org.safehouse.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.safehouse.protocol.wire.Delivery;
import org.safehouse.protocol.wire.ErrorCode;
import org.safehouse.server.account.Role;
import org.safehouse.server.config.Limits;
import org.safehouse.server.testing.FakeClock;
import org.safehouse.server.testing.RawClient;
import org.safehouse.server.testing.TestServers;

/** The server tells a connecting device when everything that was waiting has been pushed. */
@Timeout(60)
class BacklogDeliveredTest {
  private static final Duration WAIT = Duration.ofSeconds(10);
  private static final Duration NOTHING = Duration.ofMillis(300);

  @TempDir Path data;
  private SafehouseServer server;

  @BeforeEach
  void start() throws Exception {
    server =
        SafehouseServer.start(
            TestServers.withLimits(
                TestServers.config(data),
                Limits.defaults().withPerSourceCaps(Limits.DEFAULT_CONNECTIONS_PER_ADDRESS, 1000)),
            new FakeClock());
  }

  @AfterEach
  void stop() {
    server.close();
  }

  private static byte[] id(int n) {
    byte[] b = new byte[16];
    java.nio.ByteBuffer.wrap(b).putLong(System.nanoTime()).putInt(n);
    return b;
  }

  @Test
  void anEmptyMailboxIsAnnouncedDeliveredAtOnceWithTheServersMaximumRetention() throws Exception {
    RawClient.Device worker = TestServers.enroll(server, Role.CASEWORKER);
    try (RawClient c = TestServers.login(server, worker)) {
      RawClient.BacklogNotice notice = c.nextBacklogNotice(WAIT);
      assertNotNull(notice, "an empty backlog is announced too");
      assertEquals(0, notice.deliveriesBefore());
      assertEquals(
          server.config().retentionMax().toSeconds(), notice.frame().getMaxRetentionSeconds());
      assertNull(c.nextBacklogNotice(NOTHING), "once per connection");
    }
  }

  @Test
  void aBacklogLargerThanTheWindowIsAnnouncedOnceAfterItsLastCopy() throws Exception {
    RawClient.Device worker = TestServers.enroll(server, Role.CASEWORKER);
    RawClient.Device client = TestServers.enrollClient(server, worker);
    int queued = 150; // more than two delivery windows (64)
    try (RawClient w = TestServers.login(server, worker)) {
      for (int i = 0; i < queued; i++) {
        byte[] text = ("m" + i).getBytes(StandardCharsets.UTF_8);
        assertEquals(ErrorCode.OK, w.send(client.accountId, text, id(i)).getError());
      }
    }
    try (RawClient c = TestServers.login(server, client)) {
      Set<Long> seen = new HashSet<>();
      for (int i = 0; i < queued; i++) {
        Delivery d = c.nextDelivery(WAIT);
        assertNotNull(d, "delivery " + i);
        seen.add(d.getDeliveryId());
        c.ack(d.getDeliveryId());
      }
      assertEquals(queued, seen.size());
      RawClient.BacklogNotice notice = c.nextBacklogNotice(WAIT);
      assertNotNull(notice);
      assertEquals(queued, notice.deliveriesBefore(), "after every queued copy, not before");
      assertNull(c.nextBacklogNotice(NOTHING), "once per connection");

      // A message that arrives later is pushed, with no second announcement.
      try (RawClient w = TestServers.login(server, worker)) {
        w.send(client.accountId, "later".getBytes(StandardCharsets.UTF_8), id(999));
      }
      assertNotNull(c.nextDelivery(WAIT));
      assertNull(c.nextBacklogNotice(NOTHING));
    }
  }

  @Test
  void theAnnouncementDoesNotWaitForTheAcksOfTheLastWindow() throws Exception {
    RawClient.Device worker = TestServers.enroll(server, Role.CASEWORKER);
    RawClient.Device client = TestServers.enrollClient(server, worker);
    try (RawClient w = TestServers.login(server, worker)) {
      for (int i = 0; i < 10; i++) {
        w.send(client.accountId, ("m" + i).getBytes(StandardCharsets.UTF_8), id(i));
      }
    }
    try (RawClient c = TestServers.login(server, client)) {
      RawClient.BacklogNotice notice = c.nextBacklogNotice(WAIT);
      assertNotNull(notice, "announced with all 10 unacknowledged");
      assertEquals(10, notice.deliveriesBefore());
    }
  }
}
