package org.safehouse.sdk.net;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketVersion;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.safehouse.protocol.wire.Ack;
import org.safehouse.protocol.wire.BacklogDelivered;
import org.safehouse.protocol.wire.ClientFrame;
import org.safehouse.protocol.wire.Delivery;
import org.safehouse.protocol.wire.KeysStatus;
import org.safehouse.protocol.wire.Response;
import org.safehouse.protocol.wire.ServerFrame;

/**
 * One WebSocket connection to a Safehouse server: TLS 1.3 pinned to the invite's key, the upgrade
 * at the server's secret path {@code "/" + secret}, then protobuf frames. Requests get fresh ids
 * and complete with their responses; deliveries and prekey notices go to a {@link Listener} on the
 * connection's event loop, which must not block. Internal to the SDK; it never logs frame contents.
 *
 * <pre>
 * TLS 1.3 (pin) -> HTTP codec -> WebSocket (binary frames) -> FrameHandler -> Listener
 * </pre>
 */
public final class Connection implements AutoCloseable {
  private static final int MAX_FRAME_BYTES = 1 << 20;

  /** Receives what the server pushes. Called on the event loop: hand work off, never block. */
  public interface Listener {
    void delivery(Connection connection, Delivery delivery);

    void prekeysLow(Connection connection, KeysStatus status);

    void closed(Connection connection);

    /** Everything that was waiting for this device has been pushed (once per connection). */
    default void backlogDelivered(Connection connection, BacklogDelivered notice) {}
  }

  private final Channel channel;
  private final CompletableFuture<byte[]> challenge = new CompletableFuture<>();
  private final Map<Long, CompletableFuture<Response>> pending = new ConcurrentHashMap<>();
  private final AtomicLong ids = new AtomicLong();
  private volatile Listener listener;

  private Connection(Channel channel) {
    this.channel = channel;
  }

  /**
   * Connects, checks the pin, upgrades to WebSocket at {@code "/" + secret} and waits for the
   * server's challenge. A server reached with a wrong secret answers like a plain web server, and
   * this fails with an {@link IOException}.
   *
   * @throws PinMismatchException if the server's leaf key is not the pinned one
   * @throws IOException if the server cannot be reached or does not answer within {@code timeout}
   */
  public static Connection open(
      EventLoopGroup group,
      String host,
      int port,
      String pin,
      String secret,
      Listener listener,
      Duration timeout)
      throws IOException {
    PinTrustManager trust = new PinTrustManager(pin);
    SslContext ssl;
    try {
      ssl =
          SslContextBuilder.forClient()
              .trustManager(trust)
              // The pin authenticates the server; its certificate need not name the host.
              .endpointIdentificationAlgorithm(null)
              .protocols("TLSv1.3")
              .build();
    } catch (javax.net.ssl.SSLException e) {
      throw new IOException("TLS 1.3 is not available: " + e.getMessage(), e);
    }
    String authority = host.contains(":") ? "[" + host + "]" : host;
    WebSocketClientProtocolConfig ws =
        WebSocketClientProtocolConfig.newBuilder()
            .webSocketUri(URI.create("wss://" + authority + ":" + port + "/" + secret))
            .version(WebSocketVersion.V13)
            .customHeaders(new DefaultHttpHeaders())
            .maxFramePayloadLength(MAX_FRAME_BYTES)
            .handshakeTimeoutMillis(timeout.toMillis())
            .build();
    CompletableFuture<Connection> created = new CompletableFuture<>();
    ChannelFuture connect =
        new Bootstrap()
            .group(group)
            .channel(NioSocketChannel.class)
            .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) timeout.toMillis())
            .handler(
                new ChannelInitializer<SocketChannel>() {
                  @Override
                  protected void initChannel(SocketChannel c) {
                    Connection self = new Connection(c);
                    self.listener = listener;
                    created.complete(self);
                    c.pipeline()
                        .addLast(ssl.newHandler(c.alloc(), host, port))
                        .addLast(new HttpClientCodec())
                        .addLast(new HttpObjectAggregator(8192))
                        .addLast(new WebSocketClientProtocolHandler(ws))
                        .addLast(self.new FrameHandler());
                  }
                })
            .connect(host, port);
    Connection connection;
    try {
      if (!connect.await(timeout.toMillis() + 1000) || !connect.isSuccess()) {
        connect.channel().close();
        Throwable cause = connect.cause();
        throw new IOException(
            "Cannot reach the server at "
                + authority
                + ":"
                + port
                + (cause == null ? " (timed out)" : ": " + cause.getMessage()),
            cause);
      }
      connection = created.getNow(null);
      CompletableFuture<Void> closed = new CompletableFuture<>();
      connection.channel.closeFuture().addListener(f -> closed.complete(null));
      CompletableFuture.anyOf(connection.challenge, closed)
          .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      connect.channel().close();
      throw new IOException("Interrupted while connecting", e);
    } catch (ExecutionException | TimeoutException e) {
      connect.channel().close();
      throw new IOException("The server did not complete the connection in " + timeout, e);
    }
    if (!connection.challenge.isDone()) {
      connection.channel.close();
      if (trust.mismatchSeen()) {
        throw new PinMismatchException(
            "The server's key does not match the pin of the invite", null);
      }
      throw new IOException("The server closed the connection before its challenge");
    }
    return connection;
  }

  /** The nonce of this connection's challenge, to sign for authentication. */
  public byte[] nonce() {
    return challenge.join().clone();
  }

  /**
   * Sends a request with a fresh id. The future completes with the response, or fails with an
   * {@link IOException} if the connection closes first.
   */
  public CompletableFuture<Response> request(ClientFrame.Builder frame) {
    long id = ids.incrementAndGet();
    CompletableFuture<Response> response = new CompletableFuture<>();
    pending.put(id, response);
    if (!channel.isActive()) {
      pending.remove(id);
      response.completeExceptionally(new IOException("The connection to the server is closed"));
      return response;
    }
    write(frame.setRequestId(id).build())
        .addListener(
            f -> {
              if (!f.isSuccess()) {
                pending.remove(id);
                response.completeExceptionally(
                    new IOException("Cannot write to the server", f.cause()));
              }
            });
    return response;
  }

  /** Acknowledges deliveries; the server then deletes them. No response. */
  public void ack(List<Long> deliveryIds) {
    write(ClientFrame.newBuilder().setAck(Ack.newBuilder().addAllDeliveryIds(deliveryIds)).build());
  }

  public boolean isOpen() {
    return channel.isActive();
  }

  /** Closes the connection; pending requests fail. Idempotent. */
  @Override
  public void close() {
    channel.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
  }

  private ChannelFuture write(ClientFrame frame) {
    return channel.writeAndFlush(
        new BinaryWebSocketFrame(Unpooled.wrappedBuffer(frame.toByteArray())));
  }

  private final class FrameHandler extends SimpleChannelInboundHandler<WebSocketFrame> {
    @Override
    protected void channelRead0(ChannelHandlerContext ctx, WebSocketFrame frame) throws Exception {
      if (!(frame instanceof BinaryWebSocketFrame)) {
        return;
      }
      ServerFrame f = ServerFrame.parseFrom(ByteBufUtil.getBytes(frame.content()));
      switch (f.getBodyCase()) {
        case CHALLENGE -> challenge.complete(f.getChallenge().getNonce().toByteArray());
        case RESPONSE -> {
          CompletableFuture<Response> waiting = pending.remove(f.getResponse().getRequestId());
          if (waiting != null) {
            waiting.complete(f.getResponse());
          }
        }
        case DELIVERY -> listener.delivery(Connection.this, f.getDelivery());
        case PREKEYS_LOW -> listener.prekeysLow(Connection.this, f.getPrekeysLow());
        case BACKLOG_DELIVERED ->
            listener.backlogDelivered(Connection.this, f.getBacklogDelivered());
        default -> {}
      }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
      IOException closed = new IOException("The connection to the server closed");
      for (Long id : List.copyOf(pending.keySet())) {
        CompletableFuture<Response> waiting = pending.remove(id);
        if (waiting != null) {
          waiting.completeExceptionally(closed);
        }
      }
      if (challenge.isDone()) {
        listener.closed(Connection.this);
      }
      super.channelInactive(ctx);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      // Garbage from the server or a TLS failure: nothing to recover on this connection.
      ctx.close();
    }
  }
}
