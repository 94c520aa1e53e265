package org.safehouse.sdk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.safehouse.sdk.SdkTesting.PASSPHRASE;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.safehouse.server.SafehouseServer;
import org.safehouse.server.account.Role;
import org.safehouse.server.config.Limits;
import org.safehouse.server.testing.FakeClock;
import org.safehouse.server.testing.TestServers;

/** One receive returns everything that was waiting, each message once, and nothing twice. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ReceiveDrainTest {
  @TempDir Path temp;
  private SafehouseServer server;
  private final List<SafehouseClient> clients = new ArrayList<>();
  private SafehouseClient worker;
  private String clientId;

  @BeforeEach
  void setUp() throws Exception {
    // Some tests send 80 in a burst from one account: above the default per-account send rate.
    server =
        SafehouseServer.start(
            TestServers.withLimits(
                TestServers.config(temp.resolve("server")),
                Limits.defaults().withPerSourceCaps(Limits.DEFAULT_CONNECTIONS_PER_ADDRESS, 1000)),
            new FakeClock());
    worker = open(SafehouseClient.enroll(temp.resolve("worker"), PASSPHRASE, invite()));
    SafehouseClient client =
        SafehouseClient.enroll(temp.resolve("client"), PASSPHRASE, worker.createInvite("client"));
    clientId = client.account().accountId();
    // First contact, so the worker has a session and the client knows the worker.
    worker.sendText(clientId, "welcome", null);
    assertEquals(1, SdkTesting.receive(client, 1, Duration.ofSeconds(15)).size());
    client.confirmReceived();
    client.close();
  }

  private String invite() throws Exception {
    return server.createInvite(Role.CASEWORKER).toString();
  }

  private SafehouseClient open(SafehouseClient c) {
    clients.add(c);
    return c;
  }

  @AfterEach
  void tearDown() {
    clients.forEach(SafehouseClient::close);
    server.close();
  }

  private SafehouseClient reopenClient() throws Exception {
    SafehouseClient c = open(SafehouseClient.open(temp.resolve("client"), PASSPHRASE));
    c.connect();
    return c;
  }

  @Test
  void theFirstReceiveAfterEnrollingDoesNotWaitForABacklogNoticeThatAlreadyCame() throws Exception {
    // The enrollment's connection announces its empty backlog at once, before the new client
    // listens; a receive that missed it would wait DRAIN_STALL for it, on every new device.
    SafehouseClient fresh =
        open(
            SafehouseClient.enroll(
                temp.resolve("fresh"), PASSPHRASE, worker.createInvite("client")));
    long start = System.nanoTime();
    assertEquals(List.of(), fresh.receive(Duration.ZERO));
    Duration took = Duration.ofNanos(System.nanoTime() - start);
    assertTrue(took.compareTo(Inbox.DRAIN_STALL) < 0, "the first receive took " + took);
  }

  @Test
  void oneReceiveReturnsAllTenMessagesSentWhileAwayEachOnce() throws Exception {
    List<String> sent = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      sent.add("away " + i);
      worker.sendText(clientId, "away " + i, null);
    }
    SafehouseClient client = reopenClient();

    List<ReceivedMessage> got = client.receive(Duration.ofSeconds(10));

    assertEquals(sent, got.stream().map(ReceivedMessage::text).toList(), "all 10, in order, once");
    assertEquals(List.of(), client.receive(Duration.ofMillis(200)), "nothing twice");
  }

  @Test
  void aBacklogLargerThanTheDeliveryWindowComesInOneReceive() throws Exception {
    int count = 80; // more than the server's window of 64 unacknowledged deliveries
    for (int i = 0; i < count; i++) {
      worker.sendText(clientId, "m" + i, null);
    }
    SafehouseClient client = reopenClient();

    List<ReceivedMessage> got = client.receive(Duration.ofSeconds(1));

    assertEquals(count, got.size());
    assertEquals(count, got.stream().map(ReceivedMessage::messageId).distinct().count());
  }

  @Test
  void withNothingWaitingReceiveReturnsEmptyAfterItsWait() throws Exception {
    SafehouseClient client = reopenClient();
    // The test's timeout bounds it: a receive that waited for a backlog that never comes would
    // not return within it (Inbox.DRAIN_STALL is 10 s per call).
    for (int i = 0; i < 3; i++) {
      assertEquals(List.of(), client.receive(Duration.ofMillis(300)));
    }
  }

  @Test
  void aTextReturnedButNotConfirmedIsReturnedAgainAfterARestartAndNeverAfterConfirming()
      throws Exception {
    worker.sendText(clientId, "keep me", null);
    SafehouseClient client = reopenClient();
    assertEquals(
        List.of("keep me"),
        client.receive(Duration.ofSeconds(5)).stream().map(ReceivedMessage::text).toList());
    // The app died before it showed it: not confirmed.
    client.close();
    clients.remove(client);

    client = reopenClient();
    List<ReceivedMessage> again = client.receive(Duration.ofSeconds(5));
    assertEquals(List.of("keep me"), again.stream().map(ReceivedMessage::text).toList());
    client.confirmReceived();
    client.close();
    clients.remove(client);

    client = reopenClient();
    assertEquals(List.of(), client.receive(Duration.ofMillis(300)), "confirmed: gone for good");
  }

  @Test
  void aListenerGetsTheBacklogOnce() throws Exception {
    for (int i = 0; i < 5; i++) {
      worker.sendText(clientId, "l" + i, null);
    }
    SafehouseClient client = reopenClient();
    java.util.concurrent.LinkedBlockingQueue<ReceivedMessage> heard =
        new java.util.concurrent.LinkedBlockingQueue<>();
    client.listen(heard::add);
    List<String> texts = new ArrayList<>();
    while (texts.size() < 5) {
      ReceivedMessage m = heard.poll(15, TimeUnit.SECONDS);
      assertTrue(m != null, "heard " + texts);
      texts.add(m.text());
    }
    assertEquals(List.of("l0", "l1", "l2", "l3", "l4"), texts);
    client.close();
    clients.remove(client);
    client = reopenClient();
    assertEquals(List.of(), client.receive(Duration.ofMillis(300)), "the listener confirmed them");
  }
}
