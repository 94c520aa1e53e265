package org.safehouse.server.transport;

import com.google.protobuf.ByteString;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.safehouse.protocol.wire.CancelInvite;
import org.safehouse.protocol.wire.Invites;
import org.safehouse.protocol.wire.OpenInvite;
import org.safehouse.protocol.wire.Response;
import org.safehouse.server.account.DeviceAddress;

/**
 * Translates a staff account's requests on its own open invites (list, cancel) between wire types
 * and {@link org.safehouse.server.account.Invites}. No rules here.
 */
final class InviteRequests {
  private final Services services;

  InviteRequests(Services services) {
    this.services = services;
  }

  CompletableFuture<Response.Builder> list(DeviceAddress device) {
    return CompletableFuture.supplyAsync(
        () -> {
          try {
            Invites.Builder b = Invites.newBuilder();
            for (var i : services.invites().openInvitesOf(device)) {
              b.addInvites(
                  OpenInvite.newBuilder()
                      .setInviteId(ByteString.copyFrom(i.id()))
                      .setRole(Requests.wireRole(i.role()))
                      .setExpiresAtMillis(i.expiresAtMillis()));
            }
            return Response.newBuilder().setInvites(b);
          } catch (Exception e) {
            throw new CompletionException(e);
          }
        },
        services.readers());
  }

  CompletableFuture<Response.Builder> cancel(DeviceAddress device, CancelInvite c) {
    return services
        .invites()
        .cancel(device, c.getInviteId().toByteArray())
        .thenApply(done -> Response.newBuilder());
  }
}
