package org.safehouse.sdk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.safehouse.sdk.SdkTesting.PASSPHRASE;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.safehouse.protocol.InviteLink;
import org.safehouse.sdk.SafehouseException.Reason;
import org.safehouse.server.SafehouseServer;
import org.safehouse.server.account.Role;
import org.safehouse.server.testing.FakeClock;
import org.safehouse.server.testing.TestServers;
import org.signal.libsignal.protocol.SignalProtocolAddress;

/**
 * Item 6: the identity of the person who made an invite is pinned by the invite, so a server that
 * swaps keys at first contact is caught; every other contact is unverified until the user compares
 * the safety number.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class VerifiedFirstContactTest {
  private static final Duration WAIT = Duration.ofSeconds(15);

  @TempDir Path temp;
  private SafehouseServer server;
  private SafehouseClient worker;
  private SafehouseClient client;
  private SafehouseClient colleague;

  @BeforeEach
  void startServer() throws Exception {
    server = TestServers.start(temp.resolve("server"), new FakeClock());
    worker = enrollStaff("worker");
  }

  @AfterEach
  void stopAll() {
    for (SafehouseClient c : new SafehouseClient[] {worker, client, colleague}) {
      if (c != null) {
        c.close();
      }
    }
    server.close();
  }

  private SafehouseClient enrollStaff(String home) throws Exception {
    return SafehouseClient.enroll(
        temp.resolve(home), PASSPHRASE, server.createInvite(Role.CASEWORKER).toString());
  }

  private static Verification verificationOf(SafehouseClient self, String peer) throws Exception {
    return self.contacts().stream()
        .filter(c -> c.accountId().equals(peer))
        .findFirst()
        .orElseThrow(() -> new AssertionError(peer + " is not a contact"))
        .verification();
  }

  @Test
  void anSdkInviteNamesItsMakerAndTheirIdentity() throws Exception {
    InviteLink link = InviteLink.parse(worker.createInvite("client"));
    assertTrue(link.inviterIfAny().isPresent());
    assertEquals(
        worker.account().accountId(),
        java.util.HexFormat.of().formatHex(link.inviter().accountId()));
    assertTrue(
        java.util.Arrays.equals(
            org.safehouse.sdk.internal.store.SignalStore.fingerprint(
                worker.signalStore().getIdentityKeyPair().getPublicKey()),
            link.inviter().identityFingerprint()));
  }

  @Test
  void firstContactWithTheInviterIsVerifiedByTheInvite() throws Exception {
    client =
        SafehouseClient.enroll(temp.resolve("client"), PASSPHRASE, worker.createInvite("client"));
    String w = worker.account().accountId();
    String c = client.account().accountId();
    assertEquals(Verification.VERIFIED_BY_INVITE, verificationOf(client, w));

    client.sendText(w, "hello from the client", null);
    assertEquals("hello from the client", SdkTesting.receive(worker, 1, WAIT).get(0).text());
    worker.sendText(c, "hello back", null);
    assertEquals("hello back", SdkTesting.receive(client, 1, WAIT).get(0).text());
    assertEquals(Verification.VERIFIED_BY_INVITE, verificationOf(client, w));
    // The invite pinned nothing on the inviter's side: the client is theirs to verify.
    assertEquals(Verification.UNVERIFIED, verificationOf(worker, c));
  }

  @Test
  void inviterKeysSwappedByTheServerAtFirstContactAreRefusedAndNothingIsSent() throws Exception {
    String link = worker.createInvite("client");
    String w = worker.account().accountId();
    // A compelled server publishes its own identity for the caseworker before the client's first
    // contact.
    SdkTesting.swapKeys(server, w);
    client = SafehouseClient.enroll(temp.resolve("client"), PASSPHRASE, link);

    SafehouseException refused =
        assertThrows(SafehouseException.class, () -> client.sendText(w, "where I live", null));
    assertEquals(Reason.IDENTITY_MISMATCH, refused.reason());
    assertEquals(
        Reason.IDENTITY_MISMATCH,
        assertThrows(SafehouseException.class, () -> client.safetyNumber(w)).reason());
    SignalProtocolAddress address = new SignalProtocolAddress(w, 1);
    assertNull(client.signalStore().getIdentity(address), "the impostor's identity is not kept");
    assertFalse(client.signalStore().containsSession(address), "no session with the impostor");
    assertEquals(List.of(), worker.receive(Duration.ofMillis(500)));
  }

  @Test
  void firstMessageFromAnImpostorOfTheInviterIsDroppedAndTheRealInviterStillGetsThrough()
      throws Exception {
    client =
        SafehouseClient.enroll(temp.resolve("client"), PASSPHRASE, worker.createInvite("client"));
    String w = worker.account().accountId();
    String c = client.account().accountId();

    // Someone holding the caseworker's login (or the server itself) writes first, with its own
    // identity.
    SdkTesting.impostorSends(server, worker.credentials(), c, "IMPOSTOR-9c1e come to the station");
    SafehouseException refused =
        assertThrows(SafehouseException.class, () -> SdkTesting.receive(client, 1, WAIT));
    assertEquals(Reason.IDENTITY_MISMATCH, refused.reason());
    assertEquals(List.of(), client.receive(Duration.ofMillis(300)), "nothing decrypted");
    assertNull(client.signalStore().getIdentity(new SignalProtocolAddress(w, 1)));
    SdkTesting.assertAbsentEverywhere("IMPOSTOR-9c1e", temp.resolve("client"));

    // The impostor's sign-in displaced the real caseworker's app, which signs in again by hand.
    worker.connect();
    worker.sendText(c, "the real caseworker", null);
    assertEquals("the real caseworker", SdkTesting.receive(client, 1, WAIT).get(0).text());
    assertEquals(Verification.VERIFIED_BY_INVITE, verificationOf(client, w));
  }

  @Test
  void aColleagueIsUnverifiedUntilMarkedAndAgainAfterItsIdentityChanges() throws Exception {
    colleague = enrollStaff("colleague");
    String w = worker.account().accountId();
    String other = colleague.account().accountId();
    assertEquals(Verification.UNVERIFIED, verificationOf(worker, other));
    assertEquals(
        Reason.IDENTITY_CHANGED,
        assertThrows(SafehouseException.class, () -> worker.markVerified(other)).reason(),
        "the number must be shown before it is marked verified");

    assertEquals(worker.safetyNumber(other), colleague.safetyNumber(w));
    worker.markVerified(other);
    assertEquals(Verification.VERIFIED, verificationOf(worker, other));
    assertEquals(Verification.UNVERIFIED, verificationOf(colleague, w), "each side marks its own");

    // The mark is kept in the home folder.
    worker.close();
    worker = SafehouseClient.open(temp.resolve("worker"), PASSPHRASE);
    worker.connect();
    assertEquals(Verification.VERIFIED, verificationOf(worker, other));

    // A new identity for the colleague (here: swapped by the server) is not verified. The
    // colleague's app is closed first: its own key upload after enrolling could otherwise land
    // after the swap and put real keys back.
    colleague.close();
    colleague = null;
    worker.sendText(other, "before", null);
    SdkTesting.swapKeys(server, other);
    worker.signalStore().deleteAllSessions(other);
    assertEquals(
        Reason.IDENTITY_CHANGED,
        assertThrows(SafehouseException.class, () -> worker.sendText(other, "after", null))
            .reason());
    assertEquals(Verification.UNVERIFIED, verificationOf(worker, other));
    worker.safetyNumber(other);
    worker.markVerified(other);
    assertEquals(Verification.VERIFIED, verificationOf(worker, other));
  }

  @Test
  void aCaseworkerAfterAHandOverIsUnverifiedForTheClient() throws Exception {
    colleague = enrollStaff("colleague");
    client =
        SafehouseClient.enroll(temp.resolve("client"), PASSPHRASE, worker.createInvite("client"));
    String caseId = worker.cases().get(0).caseId();
    worker.handOver(caseId, colleague.account().accountId());
    Contact next = client.contacts().get(0);
    assertEquals(colleague.account().accountId(), next.accountId());
    assertEquals(Verification.UNVERIFIED, next.verification());
  }
}
