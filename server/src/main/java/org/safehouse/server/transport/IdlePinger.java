package org.safehouse.server.transport;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrameEncoder;
import io.netty.handler.timeout.IdleStateEvent;

/**
 * After half the idle timeout with nothing read, pings; after the other half still with nothing
 * read (not even the pong), closes. Sits on the raw byte stream, so every read counts.
 */
final class IdlePinger extends ChannelDuplexHandler {
  private boolean pinged;

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
    pinged = false;
    super.channelRead(ctx, msg);
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
    if (!(evt instanceof IdleStateEvent)) {
      super.userEventTriggered(ctx, evt);
      return;
    }
    if (pinged || ctx.pipeline().get(WebSocketFrameEncoder.class) == null) {
      ctx.close();
      return;
    }
    pinged = true;
    ctx.channel().writeAndFlush(new PingWebSocketFrame());
  }
}
