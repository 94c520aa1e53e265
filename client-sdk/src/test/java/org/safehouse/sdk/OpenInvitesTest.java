package org.safehouse.sdk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.safehouse.sdk.SafehouseException.Reason;
import org.safehouse.server.account.Role;

/** A caseworker lists the invites it made and cancels one; the cancelled link enrolls nobody. */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class OpenInvitesTest extends ServerAndClients {

  @Test
  void aCaseworkerSeesItsOpenInvitesAndACancelledOneEnrollsNobody() throws Exception {
    startServer();
    SafehouseClient admin = enroll("admin", server.createInvite(Role.ADMIN).toString());
    SafehouseClient worker = enroll("worker", admin.createInvite("caseworker"));
    assertEquals(List.of(), admin.listInvites(), "the admin's invite was used");
    assertEquals(List.of(), worker.listInvites());

    Invite cancelled = worker.createInviteWithExpiry("client");
    List<OpenInvite> one = worker.listInvites();
    assertEquals(1, one.size(), one.toString());
    OpenInvite toCancel = one.get(0);
    assertTrue(toCancel.id().matches("[0-9a-f]{16}"), toCancel.id());
    assertEquals("client", toCancel.role());
    assertEquals(cancelled.expiresAt(), toCancel.expiresAt());
    assertTrue(!cancelled.link().contains(toCancel.id()), "the id is not the code");
    Invite kept = worker.createInviteWithExpiry("client");
    assertEquals(2, worker.listInvites().size());
    assertEquals(List.of(), admin.listInvites(), "another account's invites are not listed");

    worker.cancelInvite(toCancel.id());
    List<OpenInvite> left = worker.listInvites();
    assertEquals(1, left.size());
    assertTrue(!left.contains(toCancel));
    SafehouseException gone =
        assertThrows(SafehouseException.class, () -> worker.cancelInvite(toCancel.id()));
    assertEquals(Reason.INVITE_INVALID, gone.reason());
    assertTrue(gone.getMessage().contains("no open invite with that id"), gone.getMessage());
    SafehouseException foreign =
        assertThrows(SafehouseException.class, () -> admin.cancelInvite(left.get(0).id()));
    assertEquals(gone.getMessage(), foreign.getMessage());
    assertEquals(
        Reason.INVITE_INVALID,
        assertThrows(SafehouseException.class, () -> worker.cancelInvite("not-an-id")).reason());

    SafehouseException refused =
        assertThrows(SafehouseException.class, () -> enroll("refused", cancelled.link()));
    assertEquals(Reason.INVITE_INVALID, refused.reason());
    enroll("client", kept.link());
    assertEquals(List.of(), worker.listInvites());
  }
}
