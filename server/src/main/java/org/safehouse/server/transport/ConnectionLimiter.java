package org.safehouse.server.transport;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Caps open connections, in total and per source address; one over a cap is closed before any byte
 * is read.
 *
 * <p>The per-address counts live in memory only: never logged, stored or exposed. An address is
 * forgotten when its last connection closes, so the map holds at most one entry per open
 * connection. Behind a TLS proxy or onion service every connection has the proxy's address, so
 * {@code limits.connections-per-address} must be raised there.
 */
@ChannelHandler.Sharable
final class ConnectionLimiter extends ChannelInboundHandlerAdapter {
  private final int max;
  private final int perAddress;
  private final AtomicInteger count = new AtomicInteger();
  private final ConcurrentHashMap<InetAddress, Integer> byAddress = new ConcurrentHashMap<>();

  ConnectionLimiter(int max, int perAddress) {
    this.max = max;
    this.perAddress = perAddress;
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) throws Exception {
    if (count.incrementAndGet() > max) {
      count.decrementAndGet();
      ctx.close();
      return;
    }
    InetAddress address =
        ctx.channel().remoteAddress() instanceof InetSocketAddress a ? a.getAddress() : null;
    if (address != null && !takeSlot(address)) {
      count.decrementAndGet();
      ctx.close();
      return;
    }
    ctx.channel()
        .closeFuture()
        .addListener(
            f -> {
              if (address != null) {
                releaseSlot(address);
              }
              count.decrementAndGet();
            });
    ctx.pipeline().remove(this);
    super.channelActive(ctx);
  }

  private boolean takeSlot(InetAddress address) {
    boolean[] taken = {false};
    byAddress.compute(
        address,
        (a, n) -> {
          int open = n == null ? 0 : n;
          if (open >= perAddress) {
            return n;
          }
          taken[0] = true;
          return open + 1;
        });
    return taken[0];
  }

  private void releaseSlot(InetAddress address) {
    byAddress.computeIfPresent(address, (a, n) -> n <= 1 ? null : n - 1);
  }

  int open() {
    return count.get();
  }

  /** How many distinct addresses have open connections (for tests; never the addresses). */
  int addresses() {
    return byAddress.size();
  }
}
