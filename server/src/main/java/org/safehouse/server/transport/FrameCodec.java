package org.safehouse.server.transport;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.util.ReferenceCountUtil;
import org.safehouse.protocol.wire.ClientFrame;
import org.safehouse.protocol.wire.ServerFrame;

/**
 * WebSocket frames to protocol messages and back. One binary frame is one message. A text frame, a
 * fragmented frame or bytes that are not a {@link ClientFrame} close the connection; the size limit
 * was already enforced by the WebSocket decoder, before any of this runs. HTTP never gets here:
 * {@link HttpRoutes} answers every request but the upgrade.
 */
final class FrameCodec extends ChannelDuplexHandler {

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
    if (!(msg instanceof WebSocketFrame frame)) {
      ReferenceCountUtil.release(msg);
      ctx.close();
      return;
    }
    try {
      if (!(frame instanceof BinaryWebSocketFrame) || !frame.isFinalFragment()) {
        closeWith(
            ctx, WebSocketCloseStatus.INVALID_MESSAGE_TYPE, "binary frames only, unfragmented");
        return;
      }
      ClientFrame parsed;
      try {
        ByteBuf content = frame.content();
        parsed = ClientFrame.parseFrom(CodedInputStream.newInstance(content.nioBuffer()));
      } catch (InvalidProtocolBufferException e) {
        closeWith(ctx, WebSocketCloseStatus.INVALID_PAYLOAD_DATA, "not a ClientFrame");
        return;
      }
      ctx.fireChannelRead(parsed);
    } finally {
      frame.release();
    }
  }

  @Override
  public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise)
      throws Exception {
    if (msg instanceof ServerFrame frame) {
      ctx.write(new BinaryWebSocketFrame(Unpooled.wrappedBuffer(frame.toByteArray())), promise);
    } else {
      ctx.write(msg, promise);
    }
  }

  private static void closeWith(
      ChannelHandlerContext ctx, WebSocketCloseStatus status, String why) {
    ctx.writeAndFlush(new CloseWebSocketFrame(status.code(), why))
        .addListener(ChannelFutureListener.CLOSE);
  }
}
