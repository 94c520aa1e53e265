package org.safehouse.server.testing;

import com.google.protobuf.ByteString;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketVersion;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import java.io.IOException;
import java.net.URI;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.Signature;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.X509TrustManager;
import org.safehouse.protocol.wire.Ack;
import org.safehouse.protocol.wire.Authenticate;
import org.safehouse.protocol.wire.ClientFrame;
import org.safehouse.protocol.wire.Copy;
import org.safehouse.protocol.wire.Delivery;
import org.safehouse.protocol.wire.Enroll;
import org.safehouse.protocol.wire.KeysStatus;
import org.safehouse.protocol.wire.Response;
import org.safehouse.protocol.wire.Send;
import org.safehouse.protocol.wire.ServerFrame;

/**
 * A small raw protocol client for tests and benchmarks: TLS 1.3 with the server's pin (no CAs), a
 * WebSocket to the server's secret upgrade path, protobuf frames. It can also send what a real
 * client never would.
 */
public final class RawClient implements AutoCloseable {
  private static final byte[] AUTH_CONTEXT =
      "safehouse-auth-v1\0".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

  /** A device's identity as the client knows it. */
  public static final class Device {
    public final KeyPair authKey;
    public byte[] accountId;
    public int deviceId;

    public Device() {
      try {
        authKey = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }

    /** A device whose auth key was kept (a test fixture's). */
    public Device(KeyPair authKey) {
      this.authKey = authKey;
    }

    public byte[] rawPublicKey() {
      byte[] spki = authKey.getPublic().getEncoded();
      return Arrays.copyOfRange(spki, spki.length - 32, spki.length);
    }

    public byte[] sign(byte[] nonce) {
      try {
        Signature s = Signature.getInstance("Ed25519");
        s.initSign(authKey.getPrivate());
        s.update(AUTH_CONTEXT);
        s.update(nonce);
        return s.sign();
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }
  }

  private final EventLoopGroup group;
  private final Channel channel;
  private final CompletableFuture<byte[]> challenge = new CompletableFuture<>();
  private final ConcurrentHashMap<Long, CompletableFuture<Response>> pending =
      new ConcurrentHashMap<>();
  private final LinkedBlockingQueue<Delivery> deliveries = new LinkedBlockingQueue<>();
  private final LinkedBlockingQueue<KeysStatus> prekeyNotices = new LinkedBlockingQueue<>();
  // For each BacklogDelivered frame: how many deliveries had arrived before it, and its body.
  private final LinkedBlockingQueue<BacklogNotice> backlogNotices = new LinkedBlockingQueue<>();
  private final AtomicLong deliveriesSeen = new AtomicLong();
  private final CompletableFuture<Integer> closed = new CompletableFuture<>();
  private final AtomicLong ids = new AtomicLong();

  private RawClient(EventLoopGroup group, Channel channel) {
    this.group = group;
    this.channel = channel;
  }

  /**
   * Connects over TLS, checks the pin, upgrades at {@code "/" + secret}, and waits for the
   * challenge.
   */
  public static RawClient connect(String host, int port, String pin, String secret)
      throws IOException {
    return connect(host, port, pin, secret, true, null);
  }

  /**
   * @param secret the server's upgrade secret, as invite links carry it
   * @param tls false for a plaintext server
   * @param shared an event loop group to share, or null for a private one
   */
  public static RawClient connect(
      String host, int port, String pin, String secret, boolean tls, EventLoopGroup shared)
      throws IOException {
    EventLoopGroup group =
        shared != null ? shared : new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    RawClient[] self = new RawClient[1];
    CompletableFuture<RawClient> ready = new CompletableFuture<>();
    try {
      SslContext ssl =
          tls
              ? SslContextBuilder.forClient()
                  .trustManager(new PinTrustManager(pin))
                  // The pin authenticates the server; its certificate need not name the host.
                  .endpointIdentificationAlgorithm(null)
                  .protocols("TLSv1.3")
                  .build()
              : null;
      URI uri = URI.create((tls ? "wss://" : "ws://") + host + ":" + port + "/" + secret);
      WebSocketClientProtocolConfig ws =
          WebSocketClientProtocolConfig.newBuilder()
              .webSocketUri(uri)
              .version(WebSocketVersion.V13)
              .customHeaders(new DefaultHttpHeaders())
              .maxFramePayloadLength(16 << 20)
              .handshakeTimeoutMillis(10_000)
              // Let Handler see the server's close frame, so tests can check its status.
              .handleCloseFrames(false)
              .build();
      Channel ch =
          new Bootstrap()
              .group(group)
              .channel(NioSocketChannel.class)
              .handler(
                  new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel c) {
                      if (ssl != null) {
                        c.pipeline().addLast(ssl.newHandler(c.alloc(), host, port));
                      }
                      c.pipeline()
                          .addLast(new HttpClientCodec())
                          .addLast(new HttpObjectAggregator(8192))
                          .addLast(new WebSocketClientProtocolHandler(ws))
                          .addLast(new Handler(ready, self));
                    }
                  })
              .connect(host, port)
              .sync()
              .channel();
      self[0] = new RawClient(shared != null ? null : group, ch);
      ch.closeFuture()
          .addListener(
              f -> {
                self[0].closed.complete(self[0].closeStatus);
                self[0].failPending();
              });
      ready.complete(self[0]);
      CompletableFuture.anyOf(self[0].challenge, self[0].closed).get(10, TimeUnit.SECONDS);
      if (!self[0].challenge.isDone()) {
        throw new IOException("the server closed the connection before its challenge");
      }
      return self[0];
    } catch (Exception e) {
      if (shared == null) {
        group.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
      }
      throw new IOException("cannot connect: " + e, e);
    }
  }

  private volatile Integer closeStatus;

  private static final class Handler extends SimpleChannelInboundHandler<WebSocketFrame> {
    private final CompletableFuture<RawClient> ready;
    private final RawClient[] self;

    Handler(CompletableFuture<RawClient> ready, RawClient[] self) {
      this.ready = ready;
      this.self = self;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, WebSocketFrame frame) throws Exception {
      RawClient c = ready.get(10, TimeUnit.SECONDS);
      if (frame instanceof CloseWebSocketFrame close) {
        c.closeStatus = close.statusCode();
        ctx.close();
        return;
      }
      if (!(frame instanceof BinaryWebSocketFrame)) {
        return;
      }
      byte[] bytes = new byte[frame.content().readableBytes()];
      frame.content().readBytes(bytes);
      ServerFrame f = ServerFrame.parseFrom(bytes);
      switch (f.getBodyCase()) {
        case CHALLENGE -> c.challenge.complete(f.getChallenge().getNonce().toByteArray());
        case RESPONSE -> {
          CompletableFuture<Response> p = c.pending.remove(f.getResponse().getRequestId());
          if (p != null) {
            p.complete(f.getResponse());
          }
        }
        case DELIVERY -> {
          c.deliveriesSeen.incrementAndGet();
          c.deliveries.add(f.getDelivery());
        }
        case BACKLOG_DELIVERED ->
            c.backlogNotices.add(
                new BacklogNotice(c.deliveriesSeen.get(), f.getBacklogDelivered()));
        case PREKEYS_LOW -> c.prekeyNotices.add(f.getPrekeysLow());
        default -> {}
      }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      ctx.close();
    }
  }

  /** The client's own port (what a server would see as the source port). */
  public int localPort() {
    return ((java.net.InetSocketAddress) channel.localAddress()).getPort();
  }

  public byte[] nonce() {
    return challenge.join();
  }

  /**
   * Sends a request with a fresh id; completes with its response, or fails with an {@link
   * IOException} if the connection closes first.
   */
  public CompletableFuture<Response> requestAsync(ClientFrame.Builder frame) {
    long id = ids.incrementAndGet();
    CompletableFuture<Response> f = new CompletableFuture<>();
    pending.put(id, f);
    channel.writeAndFlush(
        new BinaryWebSocketFrame(
            Unpooled.wrappedBuffer(frame.setRequestId(id).build().toByteArray())));
    if (!channel.isActive()) {
      failPending();
    }
    return f;
  }

  private void failPending() {
    for (Long id : pending.keySet()) {
      CompletableFuture<Response> p = pending.remove(id);
      if (p != null) {
        p.completeExceptionally(new IOException("the connection closed before the response"));
      }
    }
  }

  public Response request(ClientFrame.Builder frame) throws Exception {
    // Generous: a loaded CI machine can stall a child server for seconds (see SeizureDrillTest).
    return requestAsync(frame).get(30, TimeUnit.SECONDS);
  }

  /** Enrolls {@code device} with an invite code; fills in its ids on success. */
  public Response enroll(byte[] code, Device device) throws Exception {
    Response r =
        request(
            ClientFrame.newBuilder()
                .setEnroll(
                    Enroll.newBuilder()
                        .setInviteCode(ByteString.copyFrom(code))
                        .setAuthPublicKey(ByteString.copyFrom(device.rawPublicKey()))));
    if (r.hasEnrolled()) {
      device.accountId = r.getEnrolled().getAccountId().toByteArray();
      device.deviceId = r.getEnrolled().getDeviceId();
    }
    return r;
  }

  public ClientFrame.Builder authenticateFrame(Device device) {
    return ClientFrame.newBuilder()
        .setAuthenticate(
            Authenticate.newBuilder()
                .setAccountId(ByteString.copyFrom(device.accountId))
                .setDeviceId(device.deviceId)
                .setSignature(ByteString.copyFrom(device.sign(nonce()))));
  }

  public Response authenticate(Device device) throws Exception {
    return request(authenticateFrame(device));
  }

  /** A send frame with one copy for device 1 of {@code to}. */
  public static ClientFrame.Builder sendFrame(
      byte[] to, byte[] ciphertext, byte[] messageId, int ttl) {
    return ClientFrame.newBuilder()
        .setSend(
            Send.newBuilder()
                .setRecipientAccountId(ByteString.copyFrom(to))
                .addCopies(
                    Copy.newBuilder().setDeviceId(1).setCiphertext(ByteString.copyFrom(ciphertext)))
                .setTtlSeconds(ttl)
                .setClientMessageId(ByteString.copyFrom(messageId)));
  }

  public Response send(byte[] to, byte[] ciphertext, byte[] messageId) throws Exception {
    return request(sendFrame(to, ciphertext, messageId, 0));
  }

  public void ack(long... deliveryIds) {
    Ack.Builder a = Ack.newBuilder();
    for (long id : deliveryIds) {
      a.addDeliveryIds(id);
    }
    channel.writeAndFlush(
        new BinaryWebSocketFrame(
            Unpooled.wrappedBuffer(ClientFrame.newBuilder().setAck(a).build().toByteArray())));
  }

  /** The next delivery, or null after {@code timeout}. */
  public Delivery nextDelivery(Duration timeout) throws InterruptedException {
    return deliveries.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** The next "one-time prekeys low" notice, or null after {@code timeout}. */
  public KeysStatus nextPrekeyNotice(Duration timeout) throws InterruptedException {
    return prekeyNotices.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** A BacklogDelivered frame, and how many deliveries this connection had received before it. */
  public record BacklogNotice(
      long deliveriesBefore, org.safehouse.protocol.wire.BacklogDelivered frame) {}

  /** The next "backlog delivered" notice, or null after {@code timeout}. */
  public BacklogNotice nextBacklogNotice(Duration timeout) throws InterruptedException {
    return backlogNotices.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  public int pendingDeliveries() {
    return deliveries.size();
  }

  public void sendBinary(byte[] payload) {
    channel.writeAndFlush(new BinaryWebSocketFrame(Unpooled.wrappedBuffer(payload)));
  }

  public void sendText(String text) {
    channel.writeAndFlush(new TextWebSocketFrame(text));
  }

  /** Waits for the server to close the connection; returns the close status, or null if none. */
  public Integer awaitClosed(Duration timeout) throws Exception {
    return closed.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  public boolean isOpen() {
    return channel.isActive();
  }

  private final java.util.concurrent.atomic.AtomicBoolean closing =
      new java.util.concurrent.atomic.AtomicBoolean();

  /** Closes the connection and its event loop; closing again does nothing. */
  @Override
  public void close() {
    if (!closing.compareAndSet(false, true)) {
      return;
    }
    channel.close().syncUninterruptibly();
    if (group != null) {
      group.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS).syncUninterruptibly();
    }
  }

  /** Trusts exactly the certificate whose public key has this SHA-256; checks the leaf only. */
  public static final class PinTrustManager implements X509TrustManager {
    private final String pin;

    public PinTrustManager(String pin) {
      this.pin = pin;
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType)
        throws CertificateException {
      try {
        byte[] h =
            MessageDigest.getInstance("SHA-256").digest(chain[0].getPublicKey().getEncoded());
        if (!Base64.getUrlEncoder().withoutPadding().encodeToString(h).equals(pin)) {
          throw new CertificateException("server key does not match the pin");
        }
      } catch (java.security.NoSuchAlgorithmException e) {
        throw new CertificateException(e);
      }
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType)
        throws CertificateException {
      throw new CertificateException("not a server");
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return new X509Certificate[0];
    }
  }
}
