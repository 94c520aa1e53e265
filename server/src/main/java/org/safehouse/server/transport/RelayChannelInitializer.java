package org.safehouse.server.transport;

import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.netty.handler.flush.FlushConsolidationHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.timeout.IdleStateHandler;
import java.security.SecureRandom;
import java.util.concurrent.TimeUnit;
import org.safehouse.server.config.Limits;

/**
 * The pipeline of one connection, in order:
 *
 * <pre>
 *  limit -> tls -> flush -> idle -> http -> aggregate -> websocket (/v1/ws, size cap) -> upgrade deadline
 *        -> frames -> session
 * </pre>
 *
 * The WebSocket decoder enforces the frame size cap before any payload is buffered or parsed. No
 * compression extension is installed: compressed lengths leak content, and inflating is a bomb.
 */
final class RelayChannelInitializer extends ChannelInitializer<SocketChannel> {
  static final String PATH = "/v1/ws";

  private final SslContext ssl;
  private final ConnectionLimiter limiter;
  private final Services services;
  private final SecureRandom random;
  private final SessionGuards guards;

  RelayChannelInitializer(
      SslContext ssl, ConnectionLimiter limiter, Services services, SecureRandom random) {
    this.ssl = ssl;
    this.limiter = limiter;
    this.services = services;
    this.random = random;
    this.guards = SessionGuards.of(services);
  }

  @Override
  protected void initChannel(SocketChannel ch) {
    Limits limits = services.limits();
    ChannelPipeline p = ch.pipeline();
    p.addLast("limit", limiter);
    if (ssl != null) {
      SslHandler tls = ssl.newHandler(ch.alloc());
      tls.setHandshakeTimeoutMillis(limits.handshakeTimeout().toMillis());
      p.addLast("tls", tls);
    }
    addProtocolHandlers(p, services, random, guards);
  }

  /**
   * Everything above TLS, from the flush consolidation to the session. Also used by the frame fuzz
   * test, which runs exactly this chain on an in-VM channel.
   */
  static void addProtocolHandlers(
      ChannelPipeline p, Services services, SecureRandom random, SessionGuards guards) {
    Limits limits = services.limits();
    // Above TLS, so that responses written in one burst share TLS records and syscalls.
    p.addLast("flush", new FlushConsolidationHandler(64, true));
    p.addLast(
        "idle",
        new IdleStateHandler(0, 0, limits.idleTimeout().toMillis() / 2, TimeUnit.MILLISECONDS));
    p.addLast("pinger", new IdlePinger());
    p.addLast("http", new HttpServerCodec(4096, 8192, 8192));
    p.addLast("aggregate", new HttpObjectAggregator(8192));
    p.addLast("websocket", new WebSocketServerProtocolHandler(webSocketConfig(limits)));
    p.addLast("upgrade-deadline", new UpgradeDeadline(limits.upgradeTimeout()));
    p.addLast("frames", new FrameCodec());
    p.addLast("session", new SessionHandler(services, random, guards.throttle(), guards.sends()));
  }

  private static WebSocketServerProtocolConfig webSocketConfig(Limits limits) {
    return WebSocketServerProtocolConfig.newBuilder()
        .websocketPath(PATH)
        .checkStartsWith(false)
        .handshakeTimeoutMillis(limits.upgradeTimeout().toMillis())
        .handleCloseFrames(true)
        .dropPongFrames(true)
        .decoderConfig(
            WebSocketDecoderConfig.newBuilder()
                .maxFramePayloadLength(limits.maxFrameBytes())
                .allowExtensions(false)
                .expectMaskedFrames(true)
                .allowMaskMismatch(false)
                .closeOnProtocolViolation(true)
                .build())
        .build();
  }
}
