package org.safehouse.sdk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.safehouse.sdk.SdkTesting.PASSPHRASE;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.safehouse.sdk.SafehouseException.Reason;
import org.safehouse.server.account.Role;
import org.safehouse.server.testing.TestServers;

@Timeout(value = 90, unit = TimeUnit.SECONDS)
class SafehouseClientTest extends ServerAndClients {
  private static final Duration WAIT = Duration.ofSeconds(15);

  @BeforeEach
  void start() throws Exception {
    startServer();
  }

  @Test
  void adminInvitesCaseworkerWhoInvitesClientAndTheyTalkWithoutPlaintextOnDisk() throws Exception {
    String marker = "MARKER-7f3a9c-the-safe-address-is-elm-street";
    SafehouseClient admin = enroll("admin", server.createInvite(Role.ADMIN).toString());
    assertEquals("admin", admin.account().role());
    assertTrue(admin.account().accountId().matches("[0-9a-f]{32}"));
    assertEquals(1, admin.account().deviceId());
    assertEquals("127.0.0.1:" + server.port(), admin.account().server());

    SafehouseClient caseworker = enroll("caseworker", admin.createInvite("caseworker"));
    assertEquals("caseworker", caseworker.account().role());
    Path clientHome = temp.resolve("client");
    SafehouseClient client = enroll("client", caseworker.createInvite("client"));
    assertEquals("client", client.account().role());
    String cw = caseworker.account().accountId();
    String cl = client.account().accountId();

    assertEquals(Set.of(cw), ids(client.contacts()));
    assertTrue(ids(caseworker.contacts()).containsAll(Set.of(cl, admin.account().accountId())));
    SafehouseException forbidden =
        assertThrows(SafehouseException.class, () -> client.createInvite("client"));
    assertEquals(Reason.FORBIDDEN, forbidden.reason());

    // Online: caseworker -> client, then the reply.
    String first = caseworker.sendText(cl, "hello from your caseworker " + marker, null);
    assertTrue(first.matches("[0-9a-f]{32}"));
    List<ReceivedMessage> got = SdkTesting.receive(client, 1, WAIT);
    assertEquals(1, got.size());
    assertEquals("hello from your caseworker " + marker, got.get(0).text());
    assertEquals(cw, got.get(0).senderAccountId());
    assertEquals(first, got.get(0).messageId());
    assertEquals(List.of(), client.receive(Duration.ZERO), "returned messages are gone");

    client.sendText(cw, "thanks " + marker, Duration.ofHours(1));
    List<ReceivedMessage> reply = SdkTesting.receive(caseworker, 1, WAIT);
    assertEquals("thanks " + marker, reply.get(0).text());
    assertEquals(cl, reply.get(0).senderAccountId());

    // Offline: the client is closed while the caseworker writes; it reads after opening again.
    client.close();
    clients.remove(client);
    caseworker.sendText(cl, "while you were away " + marker, null);
    caseworker.sendText(cl, "second " + marker, null);
    SafehouseClient reopened = SafehouseClient.open(clientHome, PASSPHRASE);
    clients.add(reopened);
    assertEquals(cl, reopened.account().accountId());
    reopened.connect();
    List<ReceivedMessage> offline = SdkTesting.receive(reopened, 2, WAIT);
    assertEquals(
        List.of("while you were away " + marker, "second " + marker),
        offline.stream().map(ReceivedMessage::text).toList());

    // Profiles travel end to end; safety numbers agree on both sides.
    reopened.setDisplayName("Robin");
    waitFor(() -> caseworker.contacts().stream().anyMatch(c -> c.displayName().isPresent()));
    Contact robin =
        caseworker.contacts().stream().filter(c -> c.accountId().equals(cl)).findFirst().get();
    assertEquals(Optional.of("Robin"), robin.displayName());
    String number = caseworker.safetyNumber(cl);
    assertTrue(number.matches("(\\d{5} ){11}\\d{5}"), number);
    assertEquals(number, reopened.safetyNumber(cw));

    // Push style.
    LinkedBlockingQueue<ReceivedMessage> pushed = new LinkedBlockingQueue<>();
    reopened.listen(pushed::add);
    caseworker.sendText(cl, "pushed " + marker, null);
    ReceivedMessage push = pushed.poll(WAIT.toSeconds(), TimeUnit.SECONDS);
    assertEquals("pushed " + marker, push.text());

    clients.forEach(SafehouseClient::close);
    clients.clear();
    server.close();
    server = null;
    SdkTesting.assertAbsentEverywhere(marker, temp);
  }

  @Test
  void clientReconnectsByItselfWhenTheServerRestartsMidConversation() throws Exception {
    SafehouseClient caseworker =
        enroll("caseworker", server.createInvite(Role.CASEWORKER).toString());
    SafehouseClient client = enroll("client", caseworker.createInvite("client"));
    String cl = client.account().accountId();
    String cw = caseworker.account().accountId();
    caseworker.sendText(cl, "before the restart", null);
    assertEquals(1, SdkTesting.receive(client, 1, WAIT).size());

    server = TestServers.restart(server, clock);

    // Neither side calls connect(): both come back by themselves.
    caseworker.sendText(cl, "after the restart", null);
    List<ReceivedMessage> got = SdkTesting.receive(client, 1, WAIT);
    assertEquals("after the restart", got.get(0).text());
    client.sendText(cw, "reply after the restart", null);
    assertEquals("reply after the restart", SdkTesting.receive(caseworker, 1, WAIT).get(0).text());
  }

  @Test
  void tamperedPinIsRefusedBeforeAnythingIsCreated() throws Exception {
    String link = server.createInvite(Role.ADMIN).toString();
    String otherPin = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
    String tampered = link.replaceFirst("pin=[^&]+", "pin=" + otherPin);
    Path home = temp.resolve("victim");

    SafehouseException e =
        assertThrows(
            SafehouseException.class, () -> SafehouseClient.enroll(home, PASSPHRASE, tampered));

    assertEquals(Reason.PIN_MISMATCH, e.reason());
    assertFalse(Files.exists(home.resolve("store.key")));
    // The invite was not spent on the impostor: it still works against the real server.
    SafehouseClient admin = enroll("admin", link);
    assertEquals("admin", admin.account().role());
  }

  @Test
  void badOrSpentInvitesAreRefused() throws Exception {
    String link = server.createInvite(Role.CASEWORKER).toString();
    enroll("first", link);
    SafehouseException spent =
        assertThrows(
            SafehouseException.class,
            () -> SafehouseClient.enroll(temp.resolve("second"), PASSPHRASE, link));
    assertEquals(Reason.INVITE_INVALID, spent.reason());
    assertFalse(Files.exists(temp.resolve("second").resolve("store.key")));
    SafehouseException garbage =
        assertThrows(
            SafehouseException.class,
            () -> SafehouseClient.enroll(temp.resolve("third"), PASSPHRASE, "https://example"));
    assertEquals(Reason.INVITE_INVALID, garbage.reason());
  }

  @Test
  void wrongPassphraseIsRefusedAndWipeLeavesNothing() throws Exception {
    Path home = temp.resolve("caseworker");
    SafehouseClient caseworker =
        enroll("caseworker", server.createInvite(Role.CASEWORKER).toString());
    String id = caseworker.account().accountId();
    caseworker.close();
    clients.remove(caseworker);

    assertThrows(
        WrongPassphraseException.class,
        () -> SafehouseClient.open(home, "wrong passphrase".toCharArray()));
    SafehouseClient again = SafehouseClient.open(home, PASSPHRASE);
    assertEquals(id, again.account().accountId());

    again.wipe();

    assertFalse(Files.exists(home) && Files.list(home).findAny().isPresent(), "home is empty");
    assertThrows(NoStoreException.class, () -> SafehouseClient.open(home, PASSPHRASE));
  }

  @Test
  void deleteAccountRemovesItOnTheServerAndWipesTheDevice() throws Exception {
    SafehouseClient caseworker =
        enroll("caseworker", server.createInvite(Role.CASEWORKER).toString());
    SafehouseClient client = enroll("client", caseworker.createInvite("client"));
    String cl = client.account().accountId();

    client.deleteAccount();

    assertThrows(
        NoStoreException.class, () -> SafehouseClient.open(temp.resolve("client"), PASSPHRASE));
    SafehouseException e =
        assertThrows(SafehouseException.class, () -> caseworker.sendText(cl, "anyone?", null));
    assertEquals(Reason.UNKNOWN_PEER, e.reason());
  }

  private static Set<String> ids(List<Contact> contacts) {
    return contacts.stream().map(Contact::accountId).collect(Collectors.toSet());
  }

  interface Condition {
    boolean holds() throws Exception;
  }

  static void waitFor(Condition condition) throws Exception {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (!condition.holds()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("condition not met within " + WAIT);
      }
      Thread.sleep(50);
    }
  }
}
