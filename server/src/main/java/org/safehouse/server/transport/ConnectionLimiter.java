package org.safehouse.server.transport;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.util.concurrent.atomic.AtomicInteger;

/** Caps open connections; one over the cap is closed before any byte is read. */
@ChannelHandler.Sharable
final class ConnectionLimiter extends ChannelInboundHandlerAdapter {
  private final int max;
  private final AtomicInteger count = new AtomicInteger();

  ConnectionLimiter(int max) {
    this.max = max;
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) throws Exception {
    if (count.incrementAndGet() > max) {
      count.decrementAndGet();
      ctx.close();
      return;
    }
    ctx.channel().closeFuture().addListener(f -> count.decrementAndGet());
    ctx.pipeline().remove(this);
    super.channelActive(ctx);
  }

  int open() {
    return count.get();
  }
}
