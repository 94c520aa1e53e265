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
 * <p>The server does not yet let an account have a second device (linking is issue 15), so each
 * member here has one device; the per-recipient send this fans out through encrypts to every device
 * of a recipient and is tested with several devices where that path is tested.
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

    // The client writes to its case, not to each caseworker.
    assertEquals(3, client.sendToCase(null, "hello team", null).size());
    for (SafehouseClient member : List.of(ana, ben, cai)) {
      ReceivedMessage m = one(member);
      assertEquals("hello team", m.text());
      assertEquals(caseId, m.caseId(), "filed in the case's thread");
      assertEquals(id(client), m.senderAccountId());
    }

    // A caseworker's reply reaches the client and the rest of the team, not the sender.
    assertEquals(3, ben.sendToCase(caseId, "we are on it", null).size());
    for (SafehouseClient member : List.of(client, ana, cai)) {
      ReceivedMessage m = one(member);
      assertEquals("we are on it", m.text());
      assertEquals(caseId, m.caseId());
    }

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

  static String id(SafehouseClient c) {
    return c.account().accountId();
  }

  private SafehouseClient enroll(String name, String link) throws Exception {
    SafehouseClient client = SafehouseClient.enroll(temp.resolve(name), PASSPHRASE, link);
    clients.add(client);
    assertTrue(client.account().accountId().matches("[0-9a-f]{32}"));
    return client;
  }
}
