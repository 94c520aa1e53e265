package org.safehouse.server.transport;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.util.ReferenceCountUtil;
import java.time.Clock;

/**
 * The HTTP side of a connection before its upgrade: lets exactly one kind of request through to the
 * WebSocket handshake, a WebSocket upgrade ({@code GET}, HTTP/1.1, version 13, no body) at the
 * secret path, and answers everything else as nginx answers an unknown path ({@link DecoyPages}),
 * with nginx's keep-alive behaviour. The answer to a wrong path does not depend on how wrong it is:
 * the path is compared in constant time, the upgrade headers are checked whatever the path, and
 * every refused request gets the same page built the same way.
 *
 * <p>Removes itself once it has passed the upgrade on; after that the pipeline carries WebSocket
 * frames only.
 */
final class HttpRoutes extends ChannelInboundHandlerAdapter {
  private final UpgradeSecret secret;
  private final Clock clock;
  private HttpRequest upgrade;

  HttpRoutes(UpgradeSecret secret, Clock clock) {
    this.secret = secret;
    this.clock = clock;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (!(msg instanceof HttpObject)) {
      ctx.fireChannelRead(msg);
      return;
    }
    try {
      if (msg instanceof HttpRequest request) {
        route(ctx, request);
      }
      // The body of a refused request is read and dropped, as nginx discards it.
      if (msg instanceof LastHttpContent && upgrade != null) {
        HttpRequest head = upgrade;
        upgrade = null;
        ctx.fireChannelRead(
            new DefaultFullHttpRequest(
                head.protocolVersion(),
                head.method(),
                head.uri(),
                Unpooled.EMPTY_BUFFER,
                head.headers(),
                EmptyHttpHeaders.INSTANCE));
        ctx.pipeline().remove(this);
      }
    } finally {
      ReferenceCountUtil.release(msg);
    }
  }

  private void route(ChannelHandlerContext ctx, HttpRequest request) {
    if (request.decoderResult().isFailure()) {
      // The decoder now discards everything: nginx, too, closes after a request it cannot parse.
      FullHttpResponse refusal =
          request.decoderResult().cause() instanceof TooLongHttpLineException
              ? DecoyPages.uriTooLong(clock)
              : DecoyPages.badRequest(clock);
      ctx.writeAndFlush(refusal).addListener(ChannelFutureListener.CLOSE);
      return;
    }
    // Both checks always run, and & does not short-circuit: the time to refuse is the same
    // whether the path, the headers or both are wrong.
    boolean atSecretPath = secret.matches(request.uri());
    boolean isUpgrade = isWebSocketUpgrade(request);
    if (atSecretPath & isUpgrade) {
      upgrade = request;
      return;
    }
    boolean keepAlive = HttpUtil.isKeepAlive(request);
    FullHttpResponse notFound =
        DecoyPages.notFound(clock, !HttpMethod.HEAD.equals(request.method()), keepAlive);
    if (keepAlive) {
      ctx.writeAndFlush(notFound);
    } else {
      ctx.writeAndFlush(notFound).addListener(ChannelFutureListener.CLOSE);
    }
  }

  /**
   * Everything Netty's version-13 handshaker requires, so that a request passed on can only end in
   * a 101 and never in one of Netty's own (recognisable) error answers.
   */
  private static boolean isWebSocketUpgrade(HttpRequest r) {
    HttpHeaders h = r.headers();
    String key = h.get(HttpHeaderNames.SEC_WEBSOCKET_KEY);
    String length = h.get(HttpHeaderNames.CONTENT_LENGTH);
    boolean hasKey = key != null && !key.isEmpty();
    boolean noBody =
        !h.contains(HttpHeaderNames.TRANSFER_ENCODING) & (length == null || "0".equals(length));
    return HttpMethod.GET.equals(r.method())
        & HttpVersion.HTTP_1_1.equals(r.protocolVersion())
        & h.contains(HttpHeaderNames.UPGRADE, HttpHeaderValues.WEBSOCKET, true)
        & h.containsValue(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE, true)
        & hasKey
        & "13".equals(h.get(HttpHeaderNames.SEC_WEBSOCKET_VERSION))
        & noBody;
  }
}
