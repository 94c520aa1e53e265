package org.safehouse.bench;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.EventLoop;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketVersion;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.safehouse.protocol.wire.Ack;
import org.safehouse.protocol.wire.ClientFrame;
import org.safehouse.protocol.wire.ErrorCode;
import org.safehouse.protocol.wire.Response;
import org.safehouse.protocol.wire.ServerFrame;
import org.safehouse.server.account.InviteLink;
import org.safehouse.server.admin.AdminClient;
import org.safehouse.server.testing.RawClient;

/**
 * The Safehouse relay, run as its own process: caseworker accounts enrolled with invites from the
 * admin socket, sends acknowledged after the server's synced commit, deliveries acked by id.
 */
final class SafehousePeer implements Peer {
  private final String name;
  private final ServerProcess server;
  private final int port;
  private final String secret;
  private final Path adminSocket;
  // The server serves at most 16 admin connections at once and tells the rest to retry; the
  // enrolling threads of one bench run share fewer than that.
  private static final Semaphore ADMIN_SLOTS = new Semaphore(8);
  private final SslContext tls;
  private Sink sink;
  private final List<Conn> senders = new ArrayList<>();
  private final List<RawClient.Device> senderDevices = new ArrayList<>();
  private final List<Conn> online = new ArrayList<>();
  private final List<RawClient.Device> offlineDevices = new ArrayList<>();
  private final List<byte[]> onlineIds = new ArrayList<>();
  private final List<Conn> offline = new ArrayList<>();
  private final List<Conn> idle = new ArrayList<>();

  SafehousePeer(
      String name, ServerProcess server, int port, String pin, String secret, Path adminSocket)
      throws Exception {
    this.name = name;
    this.server = server;
    this.port = port;
    this.secret = secret;
    this.adminSocket = adminSocket;
    this.tls =
        SslContextBuilder.forClient()
            .sslProvider(OpenSsl.isAvailable() ? SslProvider.OPENSSL : SslProvider.JDK)
            .trustManager(new RawClient.PinTrustManager(pin))
            .endpointIdentificationAlgorithm(null)
            .protocols("TLSv1.3")
            .build();
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public String durability() {
    return "RocksDB, WAL synced (group commit) before the send is acknowledged";
  }

  @Override
  public long serverPid() {
    return server.pid();
  }

  final class Conn extends SimpleChannelInboundHandler<WebSocketFrame> {
    Channel ch;
    final CompletableFuture<byte[]> challenge = new CompletableFuture<>();
    final ConcurrentHashMap<Long, Consumer<Response>> pending = new ConcurrentHashMap<>();
    final AtomicLong ids = new AtomicLong();
    private final Ack.Builder acks = Ack.newBuilder();
    boolean receiving;

    Conn open() throws Exception {
      URI uri = URI.create("wss://127.0.0.1:" + port + "/" + secret);
      WebSocketClientProtocolConfig ws =
          WebSocketClientProtocolConfig.newBuilder()
              .webSocketUri(uri)
              .version(WebSocketVersion.V13)
              .customHeaders(new DefaultHttpHeaders())
              .maxFramePayloadLength(1 << 20)
              .handshakeTimeoutMillis(20_000)
              .build();
      ch =
          Net.connect(
              port,
              tls,
              c -> {
                c.pipeline()
                    .addLast(new HttpClientCodec())
                    .addLast(new HttpObjectAggregator(8192))
                    .addLast(new WebSocketClientProtocolHandler(ws))
                    .addLast(this);
              });
      challenge.get(20, TimeUnit.SECONDS);
      return this;
    }

    void request(ClientFrame.Builder f, Consumer<Response> done) {
      long id = ids.incrementAndGet();
      pending.put(id, done);
      ch.writeAndFlush(
          new BinaryWebSocketFrame(
              Unpooled.wrappedBuffer(f.setRequestId(id).build().toByteArray())));
    }

    Response call(ClientFrame.Builder f) throws Exception {
      CompletableFuture<Response> r = new CompletableFuture<>();
      request(f, r::complete);
      return r.get(20, TimeUnit.SECONDS);
    }

    /** Enrolls a new caseworker account on this connection, which is then logged in. */
    RawClient.Device enroll() throws Exception {
      List<String> out;
      ADMIN_SLOTS.acquire();
      try {
        out = AdminClient.request(adminSocket, "invite caseworker");
      } finally {
        ADMIN_SLOTS.release();
      }
      String link =
          out.stream().filter(l -> l.startsWith("safehouse://")).findFirst().orElseThrow();
      RawClient.Device d = new RawClient.Device();
      Response r =
          call(
              ClientFrame.newBuilder()
                  .setEnroll(
                      org.safehouse.protocol.wire.Enroll.newBuilder()
                          .setInviteCode(
                              com.google.protobuf.ByteString.copyFrom(
                                  InviteLink.parse(link).code()))
                          .setAuthPublicKey(
                              com.google.protobuf.ByteString.copyFrom(d.rawPublicKey()))));
      if (!r.hasEnrolled()) {
        throw new IllegalStateException("enroll failed: " + r.getError() + " " + r.getMessage());
      }
      d.accountId = r.getEnrolled().getAccountId().toByteArray();
      d.deviceId = r.getEnrolled().getDeviceId();
      return d;
    }

    void authenticate(RawClient.Device d) throws Exception {
      Response r =
          call(
              ClientFrame.newBuilder()
                  .setAuthenticate(
                      org.safehouse.protocol.wire.Authenticate.newBuilder()
                          .setAccountId(com.google.protobuf.ByteString.copyFrom(d.accountId))
                          .setDeviceId(d.deviceId)
                          .setSignature(
                              com.google.protobuf.ByteString.copyFrom(d.sign(challenge.get())))));
      if (!r.hasAuthenticated()) {
        throw new IllegalStateException("authenticate failed: " + r.getError());
      }
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, WebSocketFrame frame) throws Exception {
      if (!(frame instanceof BinaryWebSocketFrame)) {
        return;
      }
      ServerFrame f = ServerFrame.parseFrom(frame.content().nioBuffer());
      switch (f.getBodyCase()) {
        case CHALLENGE -> challenge.complete(f.getChallenge().getNonce().toByteArray());
        case RESPONSE -> {
          Consumer<Response> p = pending.remove(f.getResponse().getRequestId());
          if (p != null) {
            p.accept(f.getResponse());
          }
        }
        case DELIVERY -> {
          acks.addDeliveryIds(f.getDelivery().getDeliveryId());
          if (sink != null) {
            sink.delivered(f.getDelivery().getCiphertext().asReadOnlyByteBuffer().getLong(0));
          }
        }
        default -> {}
      }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
      if (acks.getDeliveryIdsCount() > 0) {
        ctx.writeAndFlush(
            new BinaryWebSocketFrame(
                Unpooled.wrappedBuffer(
                    ClientFrame.newBuilder().setAck(acks).build().toByteArray())));
        acks.clear();
      }
      ctx.fireChannelReadComplete();
    }

    void close() {
      if (ch != null) {
        ch.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
      }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      CompareBench.warnOnce("SafehousePeer connection: " + cause);
      ctx.close();
    }
  }

  @Override
  public void setUp(int senderCount, int onlineCount, int offlineCount, Sink sink)
      throws Exception {
    this.sink = sink;
    for (int i = 0; i < onlineCount; i++) {
      Conn c = new Conn().open();
      onlineIds.add(c.enroll().accountId);
      online.add(c);
    }
    for (int i = 0; i < offlineCount; i++) {
      Conn c = new Conn().open();
      offlineDevices.add(c.enroll());
      c.close();
    }
    for (int i = 0; i < senderCount; i++) {
      Conn c = new Conn().open();
      senderDevices.add(c.enroll());
      senders.add(c);
    }
  }

  /** The device of sender {@code i}, to sign in again later (StartBench). */
  RawClient.Device senderDevice(int i) {
    return senderDevices.get(i);
  }

  @Override
  public EventLoop senderLoop(int from) {
    return senders.get(from).ch.eventLoop();
  }

  @Override
  public boolean send(int from, boolean offlineSet, int to, byte[] payload, Runnable acked) {
    byte[] id = new byte[16];
    ThreadLocalRandom.current().nextBytes(id);
    byte[] recipient = offlineSet ? offlineDevices.get(to).accountId : onlineIds.get(to);
    senders
        .get(from)
        .request(
            RawClient.sendFrame(recipient, payload, id, 0),
            r -> {
              if (r.getError() == ErrorCode.OK) {
                acked.run();
              }
            });
    return true;
  }

  @Override
  public void connectOffline() throws Exception {
    for (RawClient.Device d : offlineDevices) {
      Conn c = new Conn().open();
      c.authenticate(d);
      offline.add(c);
    }
  }

  @Override
  public void disconnectOffline() {
    offline.forEach(Conn::close);
    offline.clear();
  }

  @Override
  public int openIdle(int n) throws Exception {
    idle.addAll(
        Net.parallel(
            n,
            i -> {
              Conn c = new Conn().open();
              try {
                c.enroll();
              } catch (Exception e) {
                c.close();
                throw e;
              }
              return c;
            }));
    return idle.size();
  }

  @Override
  public void closeIdle() {
    Net.closeAll(idle, c -> c.ch);
  }

  @Override
  public void close() {
    senders.forEach(Conn::close);
    online.forEach(Conn::close);
    disconnectOffline();
    closeIdle();
    server.close();
  }
}
