package org.safehouse.server.transport;

import io.netty.channel.ChannelHandlerContext;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import org.safehouse.protocol.wire.ServerFrame;
import org.safehouse.server.account.DeviceAddress;
import org.safehouse.server.checkin.CheckIns;
import org.safehouse.server.store.CheckInStore;

/**
 * The check-in alerts of one signed-in connection: those waiting for the device are pushed when it
 * signs in, new ones as they are raised, until the device acknowledges them. Alerts are rare and
 * tiny (a few per missed check-in), so they are written without a window.
 */
final class AlertSession {
  private final CheckIns checkIns;
  private final DeviceAddress device;
  private final ChannelHandlerContext ctx;
  private final Consumer<CheckInStore.Alert> sink;

  AlertSession(CheckIns checkIns, DeviceAddress device, ChannelHandlerContext ctx) {
    this.checkIns = checkIns;
    this.device = device;
    this.ctx = ctx;
    this.sink = a -> ctx.executor().execute(() -> push(List.of(a)));
  }

  /** Registers for live alerts, then pushes the waiting ones (read off the event loop). */
  void start(java.util.concurrent.Executor readers) {
    checkIns.alerts().register(device, sink);
    CompletableFuture.supplyAsync(
            () -> {
              try {
                return checkIns.waiting(device);
              } catch (Exception e) {
                return List.<CheckInStore.Alert>of();
              }
            },
            readers)
        .thenAcceptAsync(this::push, ctx.executor());
  }

  void close() {
    checkIns.alerts().unregister(device, sink);
  }

  private void push(List<CheckInStore.Alert> alerts) {
    if (alerts.isEmpty() || !ctx.channel().isActive()) {
      return;
    }
    for (CheckInStore.Alert a : alerts) {
      ctx.write(ServerFrame.newBuilder().setCheckInAlert(CheckInRequests.wire(a)).build());
    }
    ctx.flush();
  }
}
