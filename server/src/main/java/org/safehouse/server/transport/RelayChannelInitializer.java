package org.safehouse.server.transport;

import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.socket.SocketChannel;
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
 *  limit -> tls -> backpressure -> flush -> idle -> pinger -> http -> routes (secret path, else
 *  nginx's 404) -> websocket (size cap) -> upgrade-deadline -> frames -> auth (challenge, sign-in
 *  deadline) -> router
 * </pre>
 *
 * {@code routes} and {@code upgrade-deadline} leave at the upgrade, {@code auth} at sign-in. The
 * WebSocket decoder enforces the frame size cap before any payload is buffered or parsed. No
 * compression extension is installed: compressed lengths leak content, and inflating is a bomb.
 */
final class RelayChannelInitializer extends ChannelInitializer<SocketChannel> {
  private final SslContext ssl;
  private final ConnectionLimiter limiter;
  private final Services services;
  private final SecureRandom random;
  private final SessionGuards guards;
  private final UpgradeSecret secret;

  RelayChannelInitializer(
      SslContext ssl,
      ConnectionLimiter limiter,
      Services services,
      SecureRandom random,
      UpgradeSecret secret) {
    this.ssl = ssl;
    this.limiter = limiter;
    this.services = services;
    this.random = random;
    this.guards = SessionGuards.of(services);
    this.secret = secret;
  }

  @Override
  protected void initChannel(SocketChannel ch) {
    ChannelPipeline p = ch.pipeline();
    p.addLast("limit", limiter);
    if (ssl != null) {
      p.addLast("tls", tls(ch));
    }
    addProtocolHandlers(p, services, random, guards, secret);
  }

  private SslHandler tls(SocketChannel ch) {
    SslHandler tls = ssl.newHandler(ch.alloc());
    tls.setHandshakeTimeoutMillis(services.limits().handshakeTimeout().toMillis());
    return tls;
  }

  /**
   * Everything above TLS, from backpressure to the router. Also used by the frame fuzz test, which
   * runs exactly this chain on an in-VM channel.
   */
  static void addProtocolHandlers(
      ChannelPipeline p,
      Services services,
      SecureRandom random,
      SessionGuards guards,
      UpgradeSecret secret) {
    Limits limits = services.limits();
    Responder responder = new Responder(p.channel(), limits, services.clock(), services.metrics());
    p.addLast("backpressure", new Backpressure());
    // Above TLS, so that responses written in one burst share TLS records and syscalls.
    p.addLast("flush", new FlushConsolidationHandler(64, true));
    p.addLast("idle", idle(limits));
    p.addLast("pinger", new IdlePinger());
    p.addLast("http", httpCodec());
    p.addLast("routes", new HttpRoutes(secret, services.clock()));
    p.addLast("websocket", new WebSocketServerProtocolHandler(webSocketConfig(limits, secret)));
    p.addLast("upgrade-deadline", new UpgradeDeadline(limits.upgradeTimeout()));
    p.addLast("frames", new FrameCodec());
    p.addLast("auth", new AuthenticationHandler(services, random, guards.throttle(), responder));
    p.addLast("router", new RequestRouter(services, guards.sends(), responder));
  }

  /** nginx's limits: a request line of up to 8k (longer gets its 414), headers up to 8k. */
  static HttpServerCodec httpCodec() {
    return new HttpServerCodec(8192, 8192, 8192);
  }

  private static IdleStateHandler idle(Limits limits) {
    return new IdleStateHandler(0, 0, limits.idleTimeout().toMillis() / 2, TimeUnit.MILLISECONDS);
  }

  private static WebSocketServerProtocolConfig webSocketConfig(
      Limits limits, UpgradeSecret secret) {
    return WebSocketServerProtocolConfig.newBuilder()
        .websocketPath(secret.path())
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
