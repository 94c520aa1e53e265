package org.safehouse.sdk;

import com.google.protobuf.ByteString;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.safehouse.protocol.wire.CancelInvite;
import org.safehouse.protocol.wire.ClientFrame;
import org.safehouse.protocol.wire.ListInvites;
import org.safehouse.protocol.wire.Response;
import org.safehouse.sdk.SafehouseException.Reason;
import org.safehouse.sdk.internal.store.Hex;

/** The requests of {@link SafehouseClient} on this account's own open invites: list, cancel. */
final class OpenInvites {
  /** Bytes in an invite id (the first bytes of the SHA-256 of its code). */
  private static final int ID_BYTES = 8;

  private final ServerLink link;

  OpenInvites(ServerLink link) {
    this.link = link;
  }

  List<OpenInvite> list() throws IOException, SafehouseException {
    Response r = link.call(ClientFrame.newBuilder().setListInvites(ListInvites.newBuilder()));
    List<OpenInvite> out = new ArrayList<>();
    for (org.safehouse.protocol.wire.OpenInvite i : r.getInvites().getInvitesList()) {
      out.add(
          new OpenInvite(
              Hex.format(i.getInviteId().toByteArray()),
              Roles.name(i.getRole()),
              Instant.ofEpochMilli(i.getExpiresAtMillis())));
    }
    return out;
  }

  void cancel(String inviteId) throws IOException, SafehouseException {
    byte[] id = parse(inviteId);
    try {
      link.call(
          ClientFrame.newBuilder()
              .setCancelInvite(CancelInvite.newBuilder().setInviteId(ByteString.copyFrom(id))));
    } catch (SafehouseException e) {
      if (e.reason() != Reason.INVITE_INVALID) {
        throw e;
      }
      // The server's words are about redeeming; these are about cancelling.
      throw new SafehouseException(
          Reason.INVITE_INVALID,
          "You have no open invite with that id: it was used, cancelled or has expired"
              + " ('invites' lists the open ones).",
          e);
    }
  }

  private static byte[] parse(String inviteId) throws SafehouseException {
    String h = inviteId == null ? "" : inviteId.trim().toLowerCase(Locale.ROOT);
    try {
      if (h.length() == 2 * ID_BYTES) {
        return Hex.parse(h);
      }
    } catch (IllegalArgumentException e) {
      // fall through
    }
    throw new SafehouseException(
        Reason.INVITE_INVALID,
        "An invite id is 16 hex characters, as 'invites' lists it; check it.");
  }
}
