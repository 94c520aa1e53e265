package org.safehouse.server.transport;

import com.google.protobuf.ByteString;
import java.util.concurrent.CompletableFuture;
import org.safehouse.protocol.wire.PushServerKey;
import org.safehouse.protocol.wire.PushStatus;
import org.safehouse.protocol.wire.RegisterPush;
import org.safehouse.protocol.wire.Response;
import org.safehouse.server.Refusal;
import org.safehouse.server.account.DeviceAddress;
import org.safehouse.server.push.PushService;

/**
 * The push requests of a signed-in device, translated between wire types and {@link PushService}.
 */
final class PushRequests {
  private final PushService push;

  PushRequests(PushService push) {
    this.push = push;
  }

  CompletableFuture<Response.Builder> register(DeviceAddress device, RegisterPush r) {
    if (push == null) {
      return disabled();
    }
    return push.register(
            device, r.getEndpointUrl(), r.getP256Dh().toByteArray(), r.getAuth().toByteArray())
        .thenApply(v -> status(true));
  }

  CompletableFuture<Response.Builder> remove(DeviceAddress device) {
    if (push == null) {
      return disabled();
    }
    return push.remove(device).thenApply(v -> status(false));
  }

  CompletableFuture<Response.Builder> serverKey() {
    if (push == null) {
      return disabled();
    }
    try {
      push.checkEnabled();
    } catch (Refusal r) {
      return CompletableFuture.failedFuture(r);
    }
    return CompletableFuture.completedFuture(
        Response.newBuilder()
            .setPushServerKey(
                PushServerKey.newBuilder()
                    .setVapidPublicKey(ByteString.copyFrom(push.vapidPublicKey()))));
  }

  private Response.Builder status(boolean registered) {
    return Response.newBuilder()
        .setPushStatus(
            PushStatus.newBuilder()
                .setRegistered(registered)
                .setVapidPublicKey(ByteString.copyFrom(push.vapidPublicKey())));
  }

  private static CompletableFuture<Response.Builder> disabled() {
    return CompletableFuture.failedFuture(
        new Refusal(Refusal.Reason.PUSH_DISABLED, "this server sends no wake-ups"));
  }
}
