package org.safehouse.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.safehouse.protocol.wire.ClientFrame;
import org.safehouse.protocol.wire.CreateInvite;
import org.safehouse.protocol.wire.DeleteAccount;
import org.safehouse.protocol.wire.ErrorCode;
import org.safehouse.protocol.wire.ListContacts;
import org.safehouse.protocol.wire.Response;
import org.safehouse.server.account.Role;
import org.safehouse.server.testing.FakeClock;
import org.safehouse.server.testing.RawClient;
import org.safehouse.server.testing.TestServers;

@Timeout(60)
class CaseAccountsTest {
  @TempDir Path data;
  private SafehouseServer server;

  @BeforeEach
  void start() throws Exception {
    server = TestServers.start(data, new FakeClock());
  }

  @AfterEach
  void stop() {
    server.close();
  }

  private static Set<ByteString> contacts(RawClient c) throws Exception {
    Response r = c.request(ClientFrame.newBuilder().setListContacts(ListContacts.newBuilder()));
    assertEquals(ErrorCode.OK, r.getError());
    return r.getContacts().getContactsList().stream()
        .map(x -> x.getAccountId())
        .collect(Collectors.toSet());
  }

  private static Response invite(RawClient c, org.safehouse.protocol.wire.Role role)
      throws Exception {
    return c.request(
        ClientFrame.newBuilder().setCreateInvite(CreateInvite.newBuilder().setRole(role)));
  }

  private static ByteString id(RawClient.Device d) {
    return ByteString.copyFrom(d.accountId);
  }

  @Test
  void aCaseworkersClientInviteOpensACaseThatOnlyItsTeamSees() throws Exception {
    RawClient.Device worker = TestServers.enroll(server, Role.CASEWORKER);
    RawClient.Device colleague = TestServers.enroll(server, Role.CASEWORKER);
    RawClient.Device admin = TestServers.enroll(server, Role.ADMIN);
    RawClient.Device client = TestServers.enrollClient(server, worker);
    try (RawClient c = TestServers.login(server, client)) {
      assertEquals(Set.of(id(worker)), contacts(c));
    }
    try (RawClient w = TestServers.login(server, worker)) {
      assertEquals(Set.of(id(colleague), id(admin), id(client)), contacts(w));
    }
    try (RawClient o = TestServers.login(server, colleague)) {
      assertEquals(Set.of(id(worker), id(admin)), contacts(o));
      Response r = o.send(client.accountId, new byte[] {1}, new byte[16]);
      assertEquals(ErrorCode.UNKNOWN_RECIPIENT, r.getError());
    }
  }

  @Test
  void onlyAdminsInviteStaffAndClientsInviteNobody() throws Exception {
    RawClient.Device admin = TestServers.enroll(server, Role.ADMIN);
    RawClient.Device worker = TestServers.enroll(server, Role.CASEWORKER);
    RawClient.Device client = TestServers.enrollClient(server, worker);
    try (RawClient a = TestServers.login(server, admin)) {
      assertEquals(ErrorCode.OK, invite(a, org.safehouse.protocol.wire.Role.CASEWORKER).getError());
      assertEquals(ErrorCode.OK, invite(a, org.safehouse.protocol.wire.Role.ADMIN).getError());
    }
    try (RawClient w = TestServers.login(server, worker)) {
      assertEquals(
          ErrorCode.FORBIDDEN, invite(w, org.safehouse.protocol.wire.Role.CASEWORKER).getError());
      Response ok = invite(w, org.safehouse.protocol.wire.Role.CLIENT);
      assertEquals(16, ok.getInviteCreated().getCode().size());
      assertTrue(ok.getInviteCreated().getExpiresAtMillis() > 0);
    }
    try (RawClient c = TestServers.login(server, client)) {
      assertEquals(
          ErrorCode.FORBIDDEN, invite(c, org.safehouse.protocol.wire.Role.CLIENT).getError());
    }
  }

  @Test
  void panicDeleteRemovesTheClientAtOnceAndDropsItsConnections() throws Exception {
    RawClient.Device worker = TestServers.enroll(server, Role.CASEWORKER);
    RawClient.Device client = TestServers.enrollClient(server, worker);
    try (RawClient c = TestServers.login(server, client)) {
      c.request(ClientFrame.newBuilder().setUploadKeys(KeyDirectoryTest.upload(bytes33(), 1, 3)));
    }
    try (RawClient w = TestServers.login(server, worker)) {
      for (int i = 0; i < 3; i++) {
        w.send(client.accountId, new byte[] {(byte) i}, new byte[16]);
      }
    }
    var before = server.store().counters();
    assertEquals(3, before.queuedMessages());
    RawClient other = TestServers.login(server, client); // e.g. the same device reconnecting
    other.close();
    try (RawClient c = TestServers.login(server, client)) {
      assertEquals(
          ErrorCode.OK,
          c.request(ClientFrame.newBuilder().setDeleteAccount(DeleteAccount.newBuilder()))
              .getError());
      assertTrue(c.awaitClosed(Duration.ofSeconds(5)) == null || !c.isOpen());
    }
    var after = server.store().counters();
    assertEquals(before.accounts() - 1, after.accounts());
    assertEquals(before.devices() - 1, after.devices());
    assertEquals(0, after.queuedMessages());
    try (RawClient c = TestServers.connect(server)) {
      assertEquals(ErrorCode.AUTH_FAILED, c.authenticate(client).getError());
    }
    try (RawClient w = TestServers.login(server, worker)) {
      assertEquals(
          ErrorCode.UNKNOWN_RECIPIENT,
          w.send(client.accountId, new byte[] {9}, new byte[16]).getError());
      assertEquals(Set.of(), contacts(w));
    }
  }

  @Test
  void aCaseworkerWithOpenCasesCannotDeleteItsAccount() throws Exception {
    RawClient.Device worker = TestServers.enroll(server, Role.CASEWORKER);
    RawClient.Device client = TestServers.enrollClient(server, worker);
    try (RawClient w = TestServers.login(server, worker)) {
      Response r = w.request(ClientFrame.newBuilder().setDeleteAccount(DeleteAccount.newBuilder()));
      assertEquals(ErrorCode.FORBIDDEN, r.getError());
      assertTrue(w.isOpen());
    }
    try (RawClient c = TestServers.login(server, client)) {
      assertArrayEquals(client.accountId, client.accountId);
      assertEquals(List.of(id(worker)), List.copyOf(contacts(c)));
    }
  }

  private static ByteString bytes33() {
    byte[] b = new byte[33];
    new java.security.SecureRandom().nextBytes(b);
    return ByteString.copyFrom(b);
  }
}
