package org.safehouse.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.safehouse.protocol.wire.AddCaseworker;
import org.safehouse.protocol.wire.Case;
import org.safehouse.protocol.wire.ClientFrame;
import org.safehouse.protocol.wire.CloseCase;
import org.safehouse.protocol.wire.DeleteAccount;
import org.safehouse.protocol.wire.Delivery;
import org.safehouse.protocol.wire.ErrorCode;
import org.safehouse.protocol.wire.FetchKeys;
import org.safehouse.protocol.wire.HandOver;
import org.safehouse.protocol.wire.ListCases;
import org.safehouse.protocol.wire.ListContacts;
import org.safehouse.protocol.wire.RemoveCaseworker;
import org.safehouse.protocol.wire.Response;
import org.safehouse.server.account.Role;
import org.safehouse.server.admin.AdminClient;
import org.safehouse.server.store.StoreInspector;
import org.safehouse.server.testing.FakeClock;
import org.safehouse.server.testing.RawClient;
import org.safehouse.server.testing.TestServers;

/**
 * Case teams, hand-over, closing, panic delete, revocation, invites and the audit log, end to end.
 */
@Timeout(60)
class CaseworkTest {
  private static final SecureRandom RANDOM = new SecureRandom();
  @TempDir Path data;
  private final FakeClock clock = new FakeClock();
  private SafehouseServer server;

  @BeforeEach
  void start() throws Exception {
    server = TestServers.start(data, clock);
  }

  @AfterEach
  void stop() {
    server.close();
  }

  // ------------------------------------------------------------------ routing and probing

  @Test
  void aCompromisedClientCannotTellOtherPeopleInHidingFromUnknownAccounts() throws Exception {
    RawClient.Device worker = TestServers.enroll(server, Role.CASEWORKER);
    RawClient.Device otherWorker = TestServers.enroll(server, Role.CASEWORKER);
    RawClient.Device client = TestServers.enrollClient(server, worker);
    RawClient.Device otherClient = TestServers.enrollClient(server, otherWorker);
    uploadKeys(otherClient);
    byte[] otherCase = onlyCase(otherWorker).getCaseId().toByteArray();
    byte[] unknown = random16();
    byte[] myCase = onlyCase(worker).getCaseId().toByteArray();
    try (RawClient c = TestServers.login(server, client)) {
      assertEquals(Set.of(id(worker)), contacts(c));
      assertEquals(List.of(), cases(c));
      for (byte[] target : List.of(otherClient.accountId, otherWorker.accountId)) {
        assertSameRefusal(fetchKeys(c, unknown), fetchKeys(c, target), ErrorCode.UNKNOWN_RECIPIENT);
        assertSameRefusal(
            c.send(unknown, new byte[] {1}, random16()),
            c.send(target, new byte[] {1}, random16()),
            ErrorCode.UNKNOWN_RECIPIENT);
      }
      assertSameRefusal(
          c.request(add(unknown, worker.accountId)),
          c.request(add(otherCase, worker.accountId)),
          ErrorCode.UNKNOWN_CASE);
      assertSameRefusal(
          c.request(close(unknown)), c.request(close(otherCase)), ErrorCode.UNKNOWN_CASE);
    }
    try (RawClient w = TestServers.login(server, worker)) {
      // A caseworker off the team gets the same answer for a real case as for none.
      assertSameRefusal(
          w.request(close(unknown)), w.request(close(otherCase)), ErrorCode.UNKNOWN_CASE);
      assertSameRefusal(
          w.request(remove(unknown, otherWorker.accountId)),
          w.request(remove(otherCase, otherWorker.accountId)),
          ErrorCode.UNKNOWN_CASE);
      assertSameRefusal(
          fetchKeys(w, unknown), fetchKeys(w, otherClient.accountId), ErrorCode.UNKNOWN_RECIPIENT);
      // Nobody can make a client a "caseworker" to learn that the account exists.
      assertSameRefusal(
          w.request(add(myCase, unknown)),
          w.request(add(myCase, otherClient.accountId)),
          ErrorCode.UNKNOWN_RECIPIENT);
    }
    try (RawClient o = TestServers.login(server, otherClient)) {
      assertEquals(Set.of(id(otherWorker)), contacts(o));
    }
  }

  // ------------------------------------------------------------------ hand-over

  @Test
  void handOverKeepsTheConversationGoingWithTheNewCaseworkerAndCutsOffTheOld() throws Exception {
    RawClient.Device oldWorker = TestServers.enroll(server, Role.CASEWORKER);
    RawClient.Device newWorker = TestServers.enroll(server, Role.CASEWORKER);
    RawClient.Device client = TestServers.enrollClient(server, oldWorker);
    uploadKeys(client);
    byte[] caseId = onlyCase(oldWorker).getCaseId().toByteArray();
    try (RawClient c = TestServers.login(server, client);
        RawClient old = TestServers.login(server, oldWorker)) {
      assertEquals(ErrorCode.OK, old.send(client.accountId, new byte[] {1}, random16()).getError());
      assertNotNull(c.nextDelivery(Duration.ofSeconds(5)));
      Response r = old.request(handOver(caseId, newWorker.accountId));
      assertEquals(ErrorCode.OK, r.getError());
      assertEquals(
          List.of(ByteString.copyFrom(newWorker.accountId)), r.getCaseTeam().getTeamList());
      // The old caseworker is cut off at once, on its open connection.
      assertSameRefusal(
          old.send(random16(), new byte[] {2}, random16()),
          old.send(client.accountId, new byte[] {2}, random16()),
          ErrorCode.UNKNOWN_RECIPIENT);
      assertSameRefusal(
          fetchKeys(old, random16()),
          fetchKeys(old, client.accountId),
          ErrorCode.UNKNOWN_RECIPIENT);
      assertFalse(contacts(old).contains(id(client)));
      assertEquals(List.of(), cases(old));
      assertEquals(ErrorCode.UNKNOWN_CASE, old.request(close(caseId)).getError());
      assertEquals(
          ErrorCode.UNKNOWN_RECIPIENT,
          c.send(oldWorker.accountId, new byte[] {3}, random16()).getError());
      // The new one reaches the client at once, and the client reaches it.
      try (RawClient fresh = TestServers.login(server, newWorker)) {
        assertTrue(contacts(fresh).contains(id(client)));
        assertEquals(ErrorCode.OK, fetchKeys(fresh, client.accountId).getError());
        assertEquals(
            ErrorCode.OK, fresh.send(client.accountId, new byte[] {4}, random16()).getError());
        Delivery d = c.nextDelivery(Duration.ofSeconds(5));
        assertEquals(ByteString.copyFrom(newWorker.accountId), d.getSenderAccountId());
        assertEquals(Set.of(id(newWorker)), contacts(c));
        assertEquals(
            ErrorCode.OK, c.send(newWorker.accountId, new byte[] {5}, random16()).getError());
        assertEquals(
            ByteString.copyFrom(client.accountId),
            fresh.nextDelivery(Duration.ofSeconds(5)).getSenderAccountId());
        assertEquals(ByteString.copyFrom(caseId), onlyCase(newWorker).getCaseId());
      }
    }
    assertTrue(audit().stream().anyMatch(l -> l.contains("case.handover case=" + hex(caseId))));
  }

  @Test
  void teamMembersAndAdminsChangeTeamsButACaseNeverLosesItsLastCaseworker() throws Exception {
    RawClient.Device worker = TestServers.enroll(server, Role.CASEWORKER);
    RawClient.Device colleague = TestServers.enroll(server, Role.CASEWORKER);
    RawClient.Device outsider = TestServers.enroll(server, Role.CASEWORKER);
    RawClient.Device admin = TestServers.enroll(server, Role.ADMIN);
    RawClient.Device client = TestServers.enrollClient(server, worker);
    byte[] caseId = onlyCase(worker).getCaseId().toByteArray();
    try (RawClient w = TestServers.login(server, worker)) {
      Response r = w.request(add(caseId, colleague.accountId));
      assertEquals(2, r.getCaseTeam().getTeamCount());
      assertEquals(ErrorCode.OK, w.send(client.accountId, new byte[] {1}, random16()).getError());
    }
    try (RawClient o = TestServers.login(server, outsider)) {
      assertEquals(ErrorCode.UNKNOWN_CASE, o.request(add(caseId, outsider.accountId)).getError());
    }
    try (RawClient c = TestServers.login(server, colleague)) {
      assertEquals(ErrorCode.OK, c.send(client.accountId, new byte[] {2}, random16()).getError());
      assertEquals(ErrorCode.OK, c.request(remove(caseId, worker.accountId)).getError());
      Response last = c.request(remove(caseId, colleague.accountId));
      assertEquals(ErrorCode.LAST_CASEWORKER, last.getError());
    }
    try (RawClient w = TestServers.login(server, worker)) {
      assertEquals(
          ErrorCode.UNKNOWN_RECIPIENT,
          w.send(client.accountId, new byte[] {3}, random16()).getError());
    }
    // An admin who is not on the team may still change it.
    try (RawClient a = TestServers.login(server, admin)) {
      assertEquals(2, a.request(add(caseId, outsider.accountId)).getCaseTeam().getTeamCount());
    }
    try (RawClient c = TestServers.login(server, client)) {
      assertEquals(Set.of(id(colleague), id(outsider)), contacts(c));
    }
    List<String> audit = audit();
    assertTrue(audit.stream().anyMatch(l -> l.contains("case.add case=" + hex(caseId))));
    assertTrue(audit.stream().anyMatch(l -> l.contains("case.remove case=" + hex(caseId))));
    assertTrue(audit.stream().noneMatch(l -> l.contains(hex(client.accountId))));
  }

  // ------------------------------------------------------------------ close and panic delete

  @Test
  void closingACaseLeavesNothingOfTheClientInTheStore() throws Exception {
    RawClient.Device worker = TestServers.enroll(server, Role.CASEWORKER);
    RawClient.Device client = TestServers.enrollClient(server, worker);
    byte[] caseId = onlyCase(worker).getCaseId().toByteArray();
    var before = server.store().counters();
    try (RawClient c = TestServers.login(server, client)) {
      uploadKeys(c);
      // Queued both ways: to the client, and from it to the (offline) caseworker.
      assertEquals(ErrorCode.OK, c.send(worker.accountId, new byte[] {1}, random16()).getError());
      try (RawClient w = TestServers.login(server, worker)) {
        w.nextDelivery(Duration.ofSeconds(5)); // delivered but not acknowledged: still queued
        assertEquals(ErrorCode.OK, w.send(client.accountId, new byte[] {2}, random16()).getError());
        assertEquals(ErrorCode.OK, w.request(close(caseId)).getError());
        assertEquals(List.of(), cases(w));
        assertFalse(contacts(w).contains(id(client)));
      }
      c.awaitClosed(Duration.ofSeconds(5));
      assertFalse(c.isOpen());
    }
    var after = server.store().counters();
    assertEquals(before.accounts() - 1, after.accounts());
    assertEquals(before.devices() - 1, after.devices());
    assertEquals(0, after.queuedMessages());
    try (RawClient c = TestServers.connect(server)) {
      assertEquals(ErrorCode.AUTH_FAILED, c.authenticate(client).getError());
    }
    assertNothingOf(client.accountId);
    assertTrue(audit().stream().anyMatch(l -> l.contains("case.close case=" + hex(caseId))));
  }

  @Test
  void aPanicDeleteRemovesTheCaseAndLeavesNothingOfTheClient() throws Exception {
    RawClient.Device worker = TestServers.enroll(server, Role.CASEWORKER);
    RawClient.Device client = TestServers.enrollClient(server, worker);
    byte[] caseId = onlyCase(worker).getCaseId().toByteArray();
    try (RawClient c = TestServers.login(server, client)) {
      uploadKeys(c);
      c.send(worker.accountId, new byte[] {1}, random16());
      assertEquals(
          ErrorCode.OK,
          c.request(ClientFrame.newBuilder().setDeleteAccount(DeleteAccount.newBuilder()))
              .getError());
    }
    assertEquals(0, server.store().counters().queuedMessages());
    assertEquals(List.of(), adminLines("cases"));
    try (RawClient w = TestServers.login(server, worker)) {
      assertEquals(List.of(), cases(w));
      assertEquals(ErrorCode.UNKNOWN_CASE, w.request(close(caseId)).getError());
    }
    assertNothingOf(client.accountId);
  }

  // ------------------------------------------------------------------ admin commands

  @Test
  void adminListsCasesAssignsAndRevokes() throws Exception {
    RawClient.Device worker = TestServers.enroll(server, Role.CASEWORKER);
    RawClient.Device colleague = TestServers.enroll(server, Role.CASEWORKER);
    RawClient.Device client = TestServers.enrollClient(server, worker);
    String caseHex = hex(onlyCase(worker).getCaseId().toByteArray());
    try (RawClient w = TestServers.login(server, worker)) {
      w.send(client.accountId, new byte[] {1}, random16());
      w.send(client.accountId, new byte[] {2}, random16());
    }
    assertEquals(List.of(caseHex + "\tteam=1\tqueued=2"), adminLines("cases"));
    assertEquals(
        List.of(caseHex + "\tteam=2"),
        adminLines("assign " + caseHex + " " + hex(colleague.accountId)));
    assertEquals(
        List.of(caseHex + "\tteam=1"),
        adminLines("unassign " + caseHex + " " + hex(worker.accountId)));
    AdminClient.AdminException last =
        assertThrows(
            AdminClient.AdminException.class,
            () -> adminLines("unassign " + caseHex + " " + hex(colleague.accountId)));
    assertTrue(last.getMessage().contains("at least one caseworker"), last.getMessage());
    // The only caseworker of a case cannot be revoked as an account (only its devices).
    assertThrows(
        AdminClient.AdminException.class, () -> adminLines("revoke " + hex(colleague.accountId)));

    // Revoking a device drops its connection at once and deletes its queue.
    var before = server.store().counters();
    try (RawClient c = TestServers.login(server, client)) {
      assertEquals(
          List.of("revoked; 2 queued messages deleted"),
          adminLines("revoke " + hex(client.accountId) + ":1"));
      c.awaitClosed(Duration.ofSeconds(5));
      assertFalse(c.isOpen());
    }
    var afterDevice = server.store().counters();
    assertEquals(before.devices() - 1, afterDevice.devices());
    assertEquals(before.accounts(), afterDevice.accounts());
    assertEquals(0, afterDevice.queuedMessages());
    try (RawClient c = TestServers.connect(server)) {
      assertEquals(ErrorCode.AUTH_FAILED, c.authenticate(client).getError());
    }
    // Revoking the client's account removes its case.
    adminLines("revoke " + hex(client.accountId));
    assertEquals(before.accounts() - 1, server.store().counters().accounts());
    assertEquals(List.of(), adminLines("cases"));
    assertNothingOf(client.accountId);
    // A caseworker with no cases can be revoked.
    try (RawClient w = TestServers.login(server, worker)) {
      adminLines("revoke " + hex(worker.accountId));
      w.awaitClosed(Duration.ofSeconds(5));
      assertFalse(w.isOpen());
    }
    assertEquals(before.accounts() - 2, server.store().counters().accounts());
    assertThrows(AdminClient.AdminException.class, () -> adminLines("revoke " + hex(random16())));

    List<String> audit = adminLines("audit");
    assertTrue(
        audit.stream().anyMatch(l -> l.endsWith("revoke.device case=" + caseHex + " device=1")));
    assertTrue(audit.stream().anyMatch(l -> l.endsWith("revoke.account case=" + caseHex)));
    assertTrue(
        audit.stream()
            .anyMatch(l -> l.endsWith("revoke.account account=" + hex(worker.accountId))));
    assertTrue(audit.stream().noneMatch(l -> l.contains(hex(client.accountId))));
  }

  @Test
  void adminListsAndCancelsInvitesWithoutEverSeeingACode() throws Exception {
    byte[] code = server.createInvite(Role.CLIENT).code();
    server.createInvite(Role.CASEWORKER);
    List<String> invites = adminLines("invites");
    assertEquals(3, invites.size()); // with the first admin invite
    String codeHex = hex(code);
    assertTrue(invites.stream().noneMatch(l -> l.contains(codeHex)));
    String clientInvite =
        invites.stream().filter(l -> l.contains("\tclient\t")).findFirst().orElseThrow();
    String inviteId = clientInvite.substring(0, clientInvite.indexOf('\t'));
    assertEquals(16, inviteId.length());
    assertEquals(List.of("cancelled"), adminLines("cancel-invite " + inviteId));
    assertEquals(2, adminLines("invites").size());
    assertThrows(AdminClient.AdminException.class, () -> adminLines("cancel-invite " + inviteId));
    try (RawClient c = TestServers.connect(server)) {
      assertEquals(ErrorCode.INVITE_INVALID, c.enroll(code, new RawClient.Device()).getError());
    }
    assertTrue(
        adminLines("audit").stream()
            .anyMatch(l -> l.endsWith("invite.cancel invite=" + inviteId + " by=admin-socket")));
  }

  @Test
  void theAdminSubcommandsTalkToTheRunningServer() throws Exception {
    RawClient.Device worker = TestServers.enroll(server, Role.CASEWORKER);
    TestServers.enrollClient(server, worker);
    String out = main("admin", "--data", data.toString(), "cases");
    assertTrue(out.matches("[0-9a-f]{32}\tteam=1\tqueued=0\n"), out);
    String audit = main("admin", "--data", data.toString(), "audit");
    assertTrue(audit.contains("case.open case="), audit);
    String invites = main("admin", "--data", data.toString(), "invites");
    assertTrue(invites.matches("[0-9a-f]{16}\tadmin\texpires=\\S+\tby=admin-socket\n"), invites);
  }

  @Test
  void auditEntriesArePrunedAfterTheirRetention() throws Exception {
    RawClient.Device worker = TestServers.enroll(server, Role.CASEWORKER);
    TestServers.enrollClient(server, worker);
    assertEquals(1, adminLines("audit").size());
    clock.advance(Duration.ofDays(364));
    server.sweeper().sweep().get();
    assertEquals(1, adminLines("audit").size());
    clock.advance(Duration.ofDays(2));
    server.sweeper().sweep().get();
    assertEquals(List.of(), adminLines("audit"));
  }

  // ------------------------------------------------------------------ guessing

  @Test
  void inviteGuessingIsThrottledPerAddressAcrossConnections() throws Exception {
    byte[] good = server.createInvite(Role.CLIENT).code();
    int failures = 0;
    // The throttle's allowance per address (AuthThrottle.MAX_FAILURES), sized for shared NAT.
    int allowed = 100;
    while (failures < allowed) {
      try (RawClient c = TestServers.connect(server)) {
        for (int i = 0; i < 3 && failures < allowed; i++, failures++) {
          assertEquals(
              ErrorCode.INVITE_INVALID, c.enroll(random16(), new RawClient.Device()).getError());
        }
      }
    }
    try (RawClient c = TestServers.connect(server)) {
      // Not even checked: a valid code is refused the same way while the address is held.
      assertEquals(ErrorCode.RATE_LIMITED, c.enroll(good, new RawClient.Device()).getError());
      RawClient.Device stranger = new RawClient.Device();
      stranger.accountId = random16();
      stranger.deviceId = 1;
      assertEquals(ErrorCode.RATE_LIMITED, c.authenticate(stranger).getError());
    }
    clock.advance(Duration.ofSeconds(61));
    try (RawClient c = TestServers.connect(server)) {
      assertTrue(c.enroll(good, new RawClient.Device()).hasEnrolled());
    }
  }

  // ------------------------------------------------------------------ helpers

  /**
   * No column family holds the account id in a key or value; once compacted, no store file holds
   * its bytes except RocksDB's MANIFEST (file-boundary keys of past files), which the next start
   * rewrites without them.
   */
  private void assertNothingOf(byte[] accountId) throws Exception {
    assertEquals(List.of(), StoreInspector.occurrences(server.store(), accountId));
    StoreInspector.compact(server.store());
    Path store = server.config().storeDir();
    assertTrue(
        StoreInspector.filesContaining(store, accountId).stream()
            .allMatch(p -> p.getFileName().toString().startsWith("MANIFEST-")));
    server = TestServers.restart(server, clock);
    assertEquals(List.of(), StoreInspector.filesContaining(store, accountId));
  }

  private static void assertSameRefusal(Response unknown, Response real, ErrorCode code) {
    assertEquals(code, unknown.getError());
    assertEquals(unknown.getError(), real.getError());
    assertEquals(unknown.getMessage(), real.getMessage());
    assertEquals(unknown.getResultCase(), real.getResultCase());
  }

  private List<String> adminLines(String line) throws Exception {
    return AdminClient.request(server.config().adminSocket(), line);
  }

  private List<String> audit() throws Exception {
    return adminLines("audit");
  }

  private static String main(String... args) {
    PrintStream old = System.out;
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
    try {
      assertEquals(0, Main.run(args));
    } finally {
      System.setOut(old);
    }
    return buf.toString(StandardCharsets.UTF_8);
  }

  private Case onlyCase(RawClient.Device worker) throws Exception {
    try (RawClient w = TestServers.login(server, worker)) {
      List<Case> cs = cases(w);
      assertEquals(1, cs.size());
      return cs.get(0);
    }
  }

  private static List<Case> cases(RawClient c) throws Exception {
    Response r = c.request(ClientFrame.newBuilder().setListCases(ListCases.newBuilder()));
    assertEquals(ErrorCode.OK, r.getError());
    return r.getCases().getCasesList();
  }

  private static Set<ByteString> contacts(RawClient c) throws Exception {
    Response r = c.request(ClientFrame.newBuilder().setListContacts(ListContacts.newBuilder()));
    return r.getContacts().getContactsList().stream()
        .map(x -> x.getAccountId())
        .collect(Collectors.toSet());
  }

  private static Response fetchKeys(RawClient c, byte[] account) throws Exception {
    return c.request(
        ClientFrame.newBuilder()
            .setFetchKeys(FetchKeys.newBuilder().setAccountId(ByteString.copyFrom(account))));
  }

  private void uploadKeys(RawClient.Device d) throws Exception {
    try (RawClient c = TestServers.login(server, d)) {
      uploadKeys(c);
    }
  }

  private static void uploadKeys(RawClient c) throws Exception {
    byte[] identity = new byte[33];
    RANDOM.nextBytes(identity);
    assertEquals(
        ErrorCode.OK,
        c.request(
                ClientFrame.newBuilder()
                    .setUploadKeys(KeyDirectoryTest.upload(ByteString.copyFrom(identity), 1, 3)))
            .getError());
  }

  private static ClientFrame.Builder add(byte[] caseId, byte[] worker) {
    return ClientFrame.newBuilder()
        .setAddCaseworker(
            AddCaseworker.newBuilder()
                .setCaseId(ByteString.copyFrom(caseId))
                .setCaseworkerAccountId(ByteString.copyFrom(worker)));
  }

  private static ClientFrame.Builder remove(byte[] caseId, byte[] worker) {
    return ClientFrame.newBuilder()
        .setRemoveCaseworker(
            RemoveCaseworker.newBuilder()
                .setCaseId(ByteString.copyFrom(caseId))
                .setCaseworkerAccountId(ByteString.copyFrom(worker)));
  }

  private static ClientFrame.Builder handOver(byte[] caseId, byte[] worker) {
    return ClientFrame.newBuilder()
        .setHandOver(
            HandOver.newBuilder()
                .setCaseId(ByteString.copyFrom(caseId))
                .setCaseworkerAccountId(ByteString.copyFrom(worker)));
  }

  private static ClientFrame.Builder close(byte[] caseId) {
    return ClientFrame.newBuilder()
        .setCloseCase(CloseCase.newBuilder().setCaseId(ByteString.copyFrom(caseId)));
  }

  private static ByteString id(RawClient.Device d) {
    return ByteString.copyFrom(d.accountId);
  }

  private static String hex(byte[] b) {
    return HexFormat.of().formatHex(b);
  }

  private static byte[] random16() {
    byte[] b = new byte[16];
    RANDOM.nextBytes(b);
    return b;
  }
}
