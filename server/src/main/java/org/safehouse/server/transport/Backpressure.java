package org.safehouse.server.transport;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.ChannelPromise;
import io.netty.util.ReferenceCountUtil;
import java.nio.channels.ClosedChannelException;

/**
 * Keeps what one connection makes the server queue bounded, whatever the peer does. While the
 * channel is not writable (more than the write buffer's high-water mark queued, because the peer
 * does not read), the server stops reading from it, so it produces no more answers; reading resumes
 * once the queue drains below the low-water mark. A connection whose queue still grows past a hard
 * cap (one read's worth of requests can each earn an answer) is closed.
 *
 * <p>Before sign-in the cap is small: an honest client has only a challenge and a few answers to
 * read. After it, deliveries already respect writability (see {@code DeliverySession}), and the cap
 * leaves room for a burst of large responses.
 */
final class Backpressure extends ChannelDuplexHandler {
  static final long MAX_QUEUED_BEFORE_SIGN_IN = 64 << 10;
  static final long MAX_QUEUED_AFTER_SIGN_IN = 4 << 20;

  private long maxQueued = MAX_QUEUED_BEFORE_SIGN_IN;

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) throws Exception {
    ctx.channel().config().setAutoRead(ctx.channel().isWritable());
    super.channelWritabilityChanged(ctx);
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
    if (evt instanceof SignedIn) {
      maxQueued = MAX_QUEUED_AFTER_SIGN_IN;
    }
    super.userEventTriggered(ctx, evt);
  }

  @Override
  public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
    ChannelOutboundBuffer queued = ctx.channel().unsafe().outboundBuffer();
    if (queued != null && queued.totalPendingWriteBytes() > maxQueued) {
      ReferenceCountUtil.release(msg);
      promise.tryFailure(new ClosedChannelException());
      ctx.close();
      return;
    }
    ctx.write(msg, promise);
  }
}
