package org.safehouse.sdk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.safehouse.sdk.SdkTesting.PASSPHRASE;

import com.google.protobuf.ByteString;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.safehouse.protocol.wire.ClientFrame;
import org.safehouse.protocol.wire.ErrorCode;
import org.safehouse.protocol.wire.FetchKeys;
import org.safehouse.sdk.SafehouseException.Reason;
import org.safehouse.server.SafehouseServer;
import org.safehouse.server.account.Role;
import org.safehouse.server.testing.FakeClock;
import org.safehouse.server.testing.TestServers;

/**
 * One conversation per case, fanned out by the sending device to every member of the case team as
 * the server has it at that moment: add, remove and hand-over change who receives at once.
 *
 * <p>Each caseworker has a second, linked device (a client has one): a case text reaches every
 * device of every other member, and the sender's own other device as a copy filed under the case.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class CaseConversationTest {
  private static final Duration WAIT = Duration.ofSeconds(15);

  @TempDir Path temp;
  private final FakeClock clock = new FakeClock();
  private SafehouseServer server;
  private final List<SafehouseClient> clients = new ArrayList<>();

  @BeforeEach
  void startServer() throws Exception {
    server = TestServers.start(temp.resolve("server"), clock);
  }

  @AfterEach
  void stopAll() {
    clients.forEach(SafehouseClient::close);
    if (server != null) {
      server.close();
    }
  }

  @Test
  void aCaseMessageReachesTheWholeTeamAndFollowsAddRemoveAndHandOver() throws Exception {
    SafehouseClient admin = enroll("admin", server.createInvite(Role.ADMIN).toString());
    SafehouseClient ana = enroll("ana", admin.createInvite("caseworker"));
    SafehouseClient ben = enroll("ben", admin.createInvite("caseworker"));
    SafehouseClient cai = enroll("cai", admin.createInvite("caseworker"));
    SafehouseClient client = enroll("client", ana.createInvite("client"));
    String caseId = client.ownCase().caseId();
    ana.addCaseworker(caseId, id(ben));
    ana.addCaseworker(caseId, id(cai));
    assertEquals(List.of(id(ana), id(ben), id(cai)), client.ownCase().team());
    SafehouseClient ana2 = link(ana, "ana2");
    SafehouseClient ben2 = link(ben, "ben2");
    SafehouseClient cai2 = link(cai, "cai2");

    // The client writes to its case, not to each caseworker: all six team devices get it.
    assertEquals(3, client.sendToCase(null, "hello team", null).size());
    for (ReceivedMessage m : oneEach(List.of(ana, ana2, ben, ben2, cai, cai2))) {
      assertEquals("hello team", m.text());
      assertEquals(caseId, m.caseId(), "filed in the case's thread");
      assertEquals(id(client), m.senderAccountId());
    }

    // A caseworker's reply reaches the client and the rest of the team on every device, and the
    // sender's own other device as sent by this account, in the case's thread.
    assertEquals(3, ben.sendToCase(caseId, "we are on it", null).size());
    for (ReceivedMessage m : oneEach(List.of(client, ana, ana2, cai, cai2, ben2))) {
      assertEquals("we are on it", m.text());
      assertEquals(caseId, m.caseId());
      assertEquals(id(ben), m.senderAccountId());
    }
    assertEquals(List.of(), ben.receive(Duration.ofMillis(300)), "no echo to the sending device");

    // Removed: cai gets nothing more, and the server no longer lets cai reach the client.
    ana.removeCaseworker(caseId, id(cai));
    assertEquals(2, client.sendToCase(null, "after cai left", null).size());
    assertEquals("after cai left", one(ana).text());
    assertEquals("after cai left", one(ben).text());
    assertEquals(List.of(), cai.receive(Duration.ofMillis(500)));
    assertEquals(
        Reason.UNKNOWN_PEER,
        assertThrows(SafehouseException.class, () -> cai.sendText(id(client), "hi", null))
            .reason());
    assertEquals(
        ErrorCode.UNKNOWN_RECIPIENT,
        cai.link()
            .callAllowingErrors(
                ClientFrame.newBuilder()
                    .setFetchKeys(
                        FetchKeys.newBuilder()
                            .setAccountId(
                                ByteString.copyFrom(
                                    java.util.HexFormat.of().parseHex(id(client))))))
            .getError(),
        "no key bundle for a removed caseworker either");
    assertEquals(
        Reason.UNKNOWN_CASE,
        assertThrows(SafehouseException.class, () -> cai.sendToCase(caseId, "x", null)).reason());

    // Handed over from ben to cai: cai receives from then on, ben no more.
    ben.handOver(caseId, id(cai));
    assertEquals(2, client.sendToCase(null, "new team", null).size());
    assertEquals("new team", one(ana).text());
    assertEquals("new team", one(cai).text());
    assertEquals(List.of(), ben.receive(Duration.ofMillis(500)));
    assertEquals(
        Reason.UNKNOWN_CASE,
        assertThrows(SafehouseException.class, () -> ben.sendToCase(caseId, "x", null)).reason());
  }

  private static ReceivedMessage one(SafehouseClient c) throws Exception {
    List<ReceivedMessage> got = SdkTesting.receive(c, 1, WAIT);
    assertEquals(1, got.size(), "one message");
    return got.get(0);
  }

  /**
   * One message from each device, received side by side (a first receive may wait for its
   * connection's backlog notice).
   */
  private static List<ReceivedMessage> oneEach(List<SafehouseClient> devices) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(devices.size());
    try {
      List<Future<ReceivedMessage>> pending = new ArrayList<>();
      for (SafehouseClient device : devices) {
        pending.add(pool.submit(() -> one(device)));
      }
      List<ReceivedMessage> got = new ArrayList<>();
      for (Future<ReceivedMessage> f : pending) {
        try {
          got.add(f.get());
        } catch (ExecutionException e) {
          if (e.getCause() instanceof Error error) {
            throw error;
          }
          throw e;
        }
      }
      return got;
    } finally {
      pool.shutdownNow();
    }
  }

  static String id(SafehouseClient c) {
    return c.account().accountId();
  }

  private SafehouseClient link(SafehouseClient existing, String name) throws Exception {
    LinkRequest request =
        SafehouseClient.requestLink(existing.serverLink(), ClientOptions.defaults());
    assertEquals(2, existing.approveLink(request.code()));
    SafehouseClient linked = request.finish(temp.resolve(name), PASSPHRASE.clone(), WAIT);
    clients.add(linked);
    return linked;
  }

  private SafehouseClient enroll(String name, String link) throws Exception {
    SafehouseClient client = SafehouseClient.enroll(temp.resolve(name), PASSPHRASE, link);
    clients.add(client);
    assertTrue(client.account().accountId().matches("[0-9a-f]{32}"));
    return client;
  }
}
