package org.safehouse.bench;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.EventLoop;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.mqtt.MqttConnAckMessage;
import io.netty.handler.codec.mqtt.MqttConnectReturnCode;
import io.netty.handler.codec.mqtt.MqttDecoder;
import io.netty.handler.codec.mqtt.MqttEncoder;
import io.netty.handler.codec.mqtt.MqttFixedHeader;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageBuilders;
import io.netty.handler.codec.mqtt.MqttMessageIdVariableHeader;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.handler.codec.mqtt.MqttVersion;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * Mosquitto over MQTT 3.1.1 with TLS: QoS 1 publishes to {@code inbox/<recipient>}, persistent
 * sessions (clean session off) for every recipient, PUBACK as the send acknowledgement.
 */
final class MqttPeer implements Peer {
  private final ServerProcess server;
  private final int port;
  private final String user;
  private final String password;
  private Sink sink;
  private final List<Conn> senders = new ArrayList<>();
  private final List<Conn> online = new ArrayList<>();
  private final List<Conn> offline = new ArrayList<>();
  private int offlineCount;
  private final List<Conn> idle = new ArrayList<>();

  MqttPeer(ServerProcess server, int port, String user, String password) {
    this.server = server;
    this.port = port;
    this.user = user;
    this.password = password;
  }

  @Override
  public String name() {
    return "mosquitto";
  }

  @Override
  public String durability() {
    return "weaker: periodic snapshot (in memory; whole state to disk every autosave_interval, no"
        + " fsync per message)";
  }

  @Override
  public long serverPid() {
    return server.pid();
  }

  final class Conn extends SimpleChannelInboundHandler<MqttMessage> {
    final String clientId;
    Channel ch;
    final CompletableFuture<Void> connack = new CompletableFuture<>();
    final CompletableFuture<Void> suback = new CompletableFuture<>();
    final AtomicReferenceArray<Runnable> inflight = new AtomicReferenceArray<>(65536);
    private int nextId;

    Conn(String clientId) {
      this.clientId = clientId;
    }

    Conn open(boolean cleanSession) throws Exception {
      ch =
          Net.connect(
              port,
              c ->
                  c.pipeline()
                      .addLast(new MqttDecoder(1 << 20))
                      .addLast(MqttEncoder.INSTANCE)
                      .addLast(this));
      ch.writeAndFlush(
          MqttMessageBuilders.connect()
              .clientId(clientId)
              .protocolVersion(MqttVersion.MQTT_3_1_1)
              .cleanSession(cleanSession)
              .keepAlive(0)
              .hasUser(true)
              .username(user)
              .hasPassword(true)
              .password(password.getBytes(StandardCharsets.UTF_8))
              .build());
      connack.get(20, TimeUnit.SECONDS);
      return this;
    }

    void subscribe(String topic) throws Exception {
      ch.writeAndFlush(
          MqttMessageBuilders.subscribe()
              .messageId(1)
              .addSubscription(MqttQoS.AT_LEAST_ONCE, topic)
              .build());
      suback.get(20, TimeUnit.SECONDS);
    }

    boolean publish(String topic, byte[] payload, Runnable acked) {
      int id;
      synchronized (this) {
        id = nextId % 65535 + 1;
        nextId = id;
        if (!inflight.compareAndSet(id, null, acked)) {
          return false;
        }
      }
      ch.writeAndFlush(
          MqttMessageBuilders.publish()
              .topicName(topic)
              .qos(MqttQoS.AT_LEAST_ONCE)
              .retained(false)
              .messageId(id)
              .payload(Unpooled.wrappedBuffer(payload))
              .build());
      return true;
    }

    void disconnect() {
      if (ch != null && ch.isActive()) {
        ch.writeAndFlush(
                new MqttMessage(
                    new MqttFixedHeader(
                        MqttMessageType.DISCONNECT, false, MqttQoS.AT_MOST_ONCE, false, 0)))
            .addListener(f -> ch.close());
        ch.closeFuture().awaitUninterruptibly(5, TimeUnit.SECONDS);
      }
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, MqttMessage msg) {
      switch (msg.fixedHeader().messageType()) {
        case CONNACK -> {
          MqttConnectReturnCode code =
              ((MqttConnAckMessage) msg).variableHeader().connectReturnCode();
          if (code == MqttConnectReturnCode.CONNECTION_ACCEPTED) {
            connack.complete(null);
          } else {
            connack.completeExceptionally(new IllegalStateException("CONNACK " + code));
          }
        }
        case SUBACK -> suback.complete(null);
        case PUBACK -> {
          int id = ((MqttMessageIdVariableHeader) msg.variableHeader()).messageId();
          Runnable r = inflight.getAndSet(id, null);
          if (r != null) {
            r.run();
          }
        }
        case PUBLISH -> {
          MqttPublishMessage p = (MqttPublishMessage) msg;
          ByteBuf b = p.payload();
          long stamp = b.readableBytes() >= 8 ? b.getLong(b.readerIndex()) : 0;
          if (p.fixedHeader().qosLevel() == MqttQoS.AT_LEAST_ONCE) {
            ctx.writeAndFlush(
                MqttMessageBuilders.pubAck().packetId(p.variableHeader().packetId()).build());
          }
          if (sink != null) {
            sink.delivered(stamp);
          }
        }
        default -> {}
      }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      connack.completeExceptionally(new IllegalStateException("connection closed"));
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      CompareBench.warnOnce("MqttPeer connection: " + cause);
      ctx.close();
    }
  }

  @Override
  public void setUp(int senderCount, int onlineCount, int offlineCount, Sink sink)
      throws Exception {
    this.sink = sink;
    this.offlineCount = offlineCount;
    for (int i = 0; i < onlineCount; i++) {
      Conn c = new Conn("on" + i).open(false);
      c.subscribe("inbox/on" + i);
      online.add(c);
    }
    for (int i = 0; i < offlineCount; i++) {
      // Subscribe once with a persistent session, then leave: the broker queues for it.
      Conn c = new Conn("off" + i).open(false);
      c.subscribe("inbox/off" + i);
      c.disconnect();
    }
    for (int i = 0; i < senderCount; i++) {
      senders.add(new Conn("s" + i).open(true));
    }
  }

  @Override
  public EventLoop senderLoop(int from) {
    return senders.get(from).ch.eventLoop();
  }

  @Override
  public boolean send(int from, boolean offlineSet, int to, byte[] payload, Runnable acked) {
    return senders.get(from).publish((offlineSet ? "inbox/off" : "inbox/on") + to, payload, acked);
  }

  @Override
  public void connectOffline() throws Exception {
    for (int i = 0; i < offlineCount; i++) {
      offline.add(new Conn("off" + i).open(false));
    }
  }

  @Override
  public void disconnectOffline() {
    offline.forEach(Conn::disconnect);
    offline.clear();
  }

  @Override
  public int openIdle(int n) throws Exception {
    int base = idle.size();
    idle.addAll(Net.parallel(n, i -> new Conn("idle" + (base + i)).open(true)));
    return idle.size();
  }

  @Override
  public void closeIdle() {
    Net.closeAll(idle, c -> c.ch);
  }

  @Override
  public void close() {
    senders.forEach(Conn::disconnect);
    online.forEach(Conn::disconnect);
    disconnectOffline();
    closeIdle();
    server.close();
  }
}
