package org.safehouse.server.transport;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.AttributeKey;
import java.net.InetSocketAddress;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Caps open connections: in total, per source {@link AddressGroup} (an IPv4 address or an IPv6
 * /64), and those not yet signed in. One over a cap is closed before any byte is read.
 *
 * <p>A connection counts as unauthenticated from accept until {@link #signedIn} (TLS, upgrade and
 * sign-in included), so connections that never sign in cannot take the slots of those that do.
 *
 * <p>The per-address counts live in memory only: never logged, stored or exposed. A group is
 * forgotten when its last connection closes, so the map holds at most one entry per open
 * connection. Behind a TLS proxy or onion service every connection has the proxy's address, so
 * {@code limits.connections-per-address} must be raised there.
 */
@ChannelHandler.Sharable
final class ConnectionLimiter extends ChannelInboundHandlerAdapter {
  private static final AttributeKey<SignInSlot> SIGN_IN_SLOT =
      AttributeKey.valueOf(ConnectionLimiter.class, "sign-in-slot");

  /** One connection's place among the unauthenticated ones, given back once. */
  private final class SignInSlot {
    private final AtomicBoolean held = new AtomicBoolean(true);

    void release() {
      if (held.getAndSet(false)) {
        unauthenticated.decrementAndGet();
      }
    }
  }

  private final int max;
  private final int perAddress;
  private final int maxUnauthenticated;
  private final AtomicInteger count = new AtomicInteger();
  private final AtomicInteger unauthenticated = new AtomicInteger();
  private final ConcurrentHashMap<AddressGroup, Integer> byAddress = new ConcurrentHashMap<>();

  ConnectionLimiter(int max, int perAddress, int maxUnauthenticated) {
    this.max = max;
    this.perAddress = perAddress;
    this.maxUnauthenticated = maxUnauthenticated;
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) throws Exception {
    if (count.incrementAndGet() > max) {
      count.decrementAndGet();
      ctx.close();
      return;
    }
    if (unauthenticated.incrementAndGet() > maxUnauthenticated) {
      unauthenticated.decrementAndGet();
      count.decrementAndGet();
      ctx.close();
      return;
    }
    AddressGroup group =
        ctx.channel().remoteAddress() instanceof InetSocketAddress a
            ? AddressGroup.of(a.getAddress())
            : null;
    if (group != null && !takeSlot(group)) {
      unauthenticated.decrementAndGet();
      count.decrementAndGet();
      ctx.close();
      return;
    }
    SignInSlot slot = new SignInSlot();
    ctx.channel().attr(SIGN_IN_SLOT).set(slot);
    ctx.channel()
        .closeFuture()
        .addListener(
            f -> {
              if (group != null) {
                releaseSlot(group);
              }
              slot.release();
              count.decrementAndGet();
            });
    ctx.pipeline().remove(this);
    super.channelActive(ctx);
  }

  /**
   * Frees the unauthenticated slot of {@code channel}, once it has signed in. Does nothing for a
   * channel no limiter counted, or a second time.
   */
  static void signedIn(Channel channel) {
    SignInSlot slot = channel.attr(SIGN_IN_SLOT).get();
    if (slot != null) {
      slot.release();
    }
  }

  private boolean takeSlot(AddressGroup group) {
    boolean[] taken = {false};
    byAddress.compute(
        group,
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

  private void releaseSlot(AddressGroup group) {
    byAddress.computeIfPresent(group, (a, n) -> n <= 1 ? null : n - 1);
  }

  int open() {
    return count.get();
  }

  /** Connections not signed in yet (for tests). */
  int unauthenticated() {
    return unauthenticated.get();
  }

  /** How many distinct address groups have open connections (for tests; never the addresses). */
  int addresses() {
    return byAddress.size();
  }
}
