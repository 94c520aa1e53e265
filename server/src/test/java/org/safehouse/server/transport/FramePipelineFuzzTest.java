package org.safehouse.server.transport;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.AbstractByteBufAllocator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledHeapByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.DefaultEventLoopGroup;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.local.LocalAddress;
import io.netty.channel.local.LocalChannel;
import io.netty.channel.local.LocalServerChannel;
import io.netty.util.ReferenceCountUtil;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.safehouse.protocol.wire.ClientFrame;
import org.safehouse.protocol.wire.Enroll;
import org.safehouse.protocol.wire.ServerFrame;
import org.safehouse.server.account.AccountDirectory;
import org.safehouse.server.account.Authenticator;
import org.safehouse.server.account.Enrollment;
import org.safehouse.server.account.Invites;
import org.safehouse.server.account.Role;
import org.safehouse.server.cases.CaseTeams;
import org.safehouse.server.config.Limits;
import org.safehouse.server.keys.KeyDirectory;
import org.safehouse.server.message.InProcessDeliveryHub;
import org.safehouse.server.message.MessageService;
import org.safehouse.server.message.RoutingPolicy;
import org.safehouse.server.metrics.RelayMetrics;
import org.safehouse.server.store.RelayStore;
import org.slf4j.LoggerFactory;

/**
 * Fuzzes frame decoding and dispatch: the shipped handler chain above TLS ({@link
 * RelayChannelInitializer#addProtocolHandlers}: HTTP, upgrade, WebSocket decoder with its size cap,
 * {@link FrameCodec}, {@link AuthenticationHandler} and {@link RequestRouter} over a real store) on
 * an in-VM {@link LocalChannel}, no network. The fuzzer chooses the upgrade request (valid or raw
 * bytes), whether the connection first enrolls with a real invite (so authenticated requests are
 * dispatched too), and a sequence of WebSocket frames with any header bits, opcodes, masks and
 * payloads.
 *
 * <p>Invariants: the server never lets an exception other than a codec's protocol violation reach
 * its session handler, never fails a request with an internal error, logs no warning, and every
 * buffer it allocated or received is released once the connection is closed.
 */
class FramePipelineFuzzTest {
  // Generous: a loaded CI machine instruments and loads the whole pipeline on the first input.
  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final long BARRIER_ID = 0x7fff_ffff_ffff_fff0L;
  private static final long ENROLL_ID = 0x7fff_ffff_ffff_fff1L;

  @FuzzTest(maxDuration = "30s")
  void framesNeverEscapeOrLeak(FuzzedDataProvider data) throws Exception {
    Harness h = Harness.get();
    h.reset();
    Client client = h.connect();
    try {
      boolean rawUpgrade = data.consumeBoolean();
      boolean enroll = !rawUpgrade && data.consumeBoolean();
      if (rawUpgrade) {
        client.send(data.consumeBytes(data.consumeInt(0, 600)));
      } else {
        client.send(upgradeRequest());
        if (!client.awaitUpgrade()) {
          throw new AssertionError("a valid upgrade request was not answered with 101");
        }
        if (enroll) {
          byte[] code = h.invites.create(Role.CASEWORKER).get(10, TimeUnit.SECONDS);
          ClientFrame e =
              ClientFrame.newBuilder()
                  .setRequestId(ENROLL_ID)
                  .setEnroll(
                      Enroll.newBuilder()
                          .setInviteCode(ByteString.copyFrom(code))
                          .setAuthPublicKey(ByteString.copyFrom(h.authKey)))
                  .build();
          client.send(frame(true, 0, 2, true, e.toByteArray()));
          client.awaitResponse(ENROLL_ID, WAIT, true);
        }
      }
      for (int i = 0; i < 12 && data.remainingBytes() > 0 && client.open(); i++) {
        client.send(nextChunk(data));
      }
      if (!rawUpgrade && client.open()) {
        // In order after every frame above: once answered (or closed), they were all read.
        client.send(
            frame(
                true,
                0,
                2,
                true,
                ClientFrame.newBuilder()
                    .setRequestId(BARRIER_ID)
                    .setListContacts(org.safehouse.protocol.wire.ListContacts.getDefaultInstance())
                    .build()
                    .toByteArray()));
        // A hostile prefix may legitimately leave the decoder waiting for more bytes of a frame
        // that swallowed the barrier; then the server waits for the idle timeout, and so need not
        // the fuzzer.
        client.awaitResponse(BARRIER_ID, Duration.ofMillis(100), false);
      }
    } finally {
      client.close();
    }
    h.settleAndCheck(client);
  }

  /** One chunk of what a hostile client writes after its upgrade request. */
  private static byte[] nextChunk(FuzzedDataProvider data) {
    int kind = data.consumeInt(0, 5);
    return switch (kind) {
      case 0 -> frame(true, 0, 2, true, data.consumeBytes(data.consumeInt(0, 300)));
      case 1 ->
          frame(
              data.consumeBoolean(),
              data.consumeInt(0, 7),
              data.consumeInt(0, 15),
              data.consumeBoolean(),
              data.consumeBytes(data.consumeInt(0, 300)));
      case 2 -> frame(true, 0, data.consumeInt(8, 10), true, data.consumeBytes(125));
      case 3 -> frame(false, 0, 2, true, data.consumeBytes(data.consumeInt(0, 100)));
      case 4 -> frame(true, 0, 0, true, data.consumeBytes(data.consumeInt(0, 100)));
      default -> data.consumeBytes(data.consumeInt(0, 64));
    };
  }

  /** The upgrade secret of the harness's pipeline. */
  static final UpgradeSecret SECRET = UpgradeSecret.of("VqpfbwW0G2Tpb9VR0W6P2g");

  static byte[] upgradeRequest() {
    return ("GET "
            + SECRET.path()
            + " HTTP/1.1\r\n"
            + "Host: relay\r\n"
            + "Upgrade: websocket\r\n"
            + "Connection: Upgrade\r\n"
            + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
            + "Sec-WebSocket-Version: 13\r\n\r\n")
        .getBytes(StandardCharsets.US_ASCII);
  }

  /** A WebSocket frame (RFC 6455 section 5.2) with the given header bits; masked as clients do. */
  static byte[] frame(boolean fin, int rsv, int opcode, boolean masked, byte[] payload) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write((fin ? 0x80 : 0) | (rsv & 7) << 4 | (opcode & 15));
    int maskBit = masked ? 0x80 : 0;
    if (payload.length < 126) {
      out.write(maskBit | payload.length);
    } else if (payload.length < 65536) {
      out.write(maskBit | 126);
      out.write(payload.length >>> 8);
      out.write(payload.length & 0xff);
    } else {
      out.write(maskBit | 127);
      for (int shift = 56; shift >= 0; shift -= 8) {
        out.write((int) ((long) payload.length >>> shift) & 0xff);
      }
    }
    byte[] mask = {0x11, 0x22, 0x33, 0x44};
    if (masked) {
      out.writeBytes(mask);
    }
    for (int i = 0; i < payload.length; i++) {
      out.write(masked ? payload[i] ^ mask[i & 3] : payload[i]);
    }
    return out.toByteArray();
  }

  // ------------------------------------------------------------------ harness

  /** One store, one server-side event loop and one in-VM listener for the whole fuzzing run. */
  static final class Harness {
    private static Harness instance;

    final RelayStore store;
    final Invites invites;
    final ExecutorService readers;
    final EventLoopGroup loops;
    final TrackingAllocator allocator = new TrackingAllocator();
    final LocalAddress address = new LocalAddress("frame-fuzz");
    final LinkedBlockingQueue<Channel> accepted = new LinkedBlockingQueue<>();
    final ListAppender<ILoggingEvent> logs = new ListAppender<>();
    final byte[] authKey;

    static synchronized Harness get() throws Exception {
      if (instance == null) {
        instance = new Harness();
        Runtime.getRuntime().addShutdownHook(new Thread(instance::close));
      }
      return instance;
    }

    private Harness() throws Exception {
      Path dir = Files.createTempDirectory("frame-fuzz");
      store = RelayStore.open(dir.resolve("store"));
      Clock clock = Clock.systemUTC();
      SecureRandom random = new SecureRandom();
      readers = Executors.newSingleThreadExecutor(daemon("fuzz-reader"));
      invites = new Invites(store, clock, random, Duration.ofHours(1));
      InProcessDeliveryHub hub = new InProcessDeliveryHub();
      RoutingPolicy policy = new RoutingPolicy();
      Limits d = Limits.defaults();
      Services services =
          new Services(
              store,
              new Enrollment(store, clock, random),
              new Authenticator(store),
              new MessageService(store, clock, policy, hub, Duration.ofDays(1), Duration.ofDays(2)),
              new KeyDirectory(store, policy, hub),
              invites,
              new AccountDirectory(store, policy, hub, clock),
              new CaseTeams(store, clock, hub),
              hub,
              readers,
              clock,
              // The shipped limits, but timers that a loaded machine instrumenting classes on the
              // first input cannot trip: timeouts are TransportLimitsTest's subject, not this
              // one's.
              new Limits(
                  d.maxFrameBytes(),
                  d.handshakeTimeout(),
                  Duration.ofMinutes(5),
                  Duration.ofMinutes(10),
                  d.requestsPerSecond(),
                  d.maxConnections(),
                  d.deliveryWindow()),
              RelayMetrics.OFF,
              null,
              null,
              null);
      byte[] spki =
          KeyPairGenerator.getInstance("Ed25519").generateKeyPair().getPublic().getEncoded();
      authKey = Arrays.copyOfRange(spki, spki.length - 32, spki.length);
      loops = new DefaultEventLoopGroup(1, daemon("fuzz-loop"));
      new ServerBootstrap()
          .group(loops)
          .channel(LocalServerChannel.class)
          .childOption(ChannelOption.ALLOCATOR, allocator)
          .childHandler(
              new ChannelInitializer<LocalChannel>() {
                @Override
                protected void initChannel(LocalChannel ch) {
                  accepted.add(ch);
                  RelayChannelInitializer.addProtocolHandlers(
                      ch.pipeline(), services, random, SessionGuards.of(services), SECRET);
                }
              })
          .bind(address)
          .sync();
      Logger session = (Logger) LoggerFactory.getLogger(RequestRouter.class);
      session.setLevel(Level.DEBUG);
      Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
      logs.start();
      root.addAppender(logs);
      session.addAppender(logs);
      session.setAdditive(false);
    }

    void reset() {
      allocator.allocated.clear();
      accepted.clear();
      logs.list.clear();
    }

    Client connect() throws Exception {
      Client c = new Client();
      Channel ch =
          new Bootstrap()
              .group(loops)
              .channel(LocalChannel.class)
              .handler(c)
              .connect(address)
              .sync()
              .channel();
      c.channel = ch;
      return c;
    }

    /**
     * Waits until the server side of the connection is closed and the store and reader pool have
     * finished what it started, then checks every buffer and the log.
     */
    void settleAndCheck(Client client) throws Exception {
      Channel server = accepted.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
      if (server == null) {
        throw new AssertionError("no server channel was accepted");
      }
      if (!server.closeFuture().await(WAIT.toMillis())) {
        throw new AssertionError("the server side did not close after the client did");
      }
      long deadline = System.nanoTime() + WAIT.toNanos();
      List<String> leaks;
      do {
        store.write(tx -> null).get(10, TimeUnit.SECONDS);
        readers.submit(() -> {}).get(10, TimeUnit.SECONDS);
        server.eventLoop().submit(() -> {}).get(10, TimeUnit.SECONDS);
        leaks = leaks(client);
      } while (!leaks.isEmpty() && System.nanoTime() < deadline);
      if (!leaks.isEmpty()) {
        throw new AssertionError("buffers not released: " + leaks);
      }
      for (ILoggingEvent e : logs.list) {
        if (e.getLevel().isGreaterOrEqual(Level.WARN)) {
          throw new AssertionError("the server logged " + e.getLevel() + ": " + format(e));
        }
        if (e.getLoggerName().equals(RequestRouter.class.getName())
            && e.getMessage().startsWith("closing a connection after")) {
          String type = String.valueOf(e.getArgumentArray()[0]);
          if (!EXPECTED.contains(type)) {
            throw new AssertionError("a connection failed with an unexpected " + type);
          }
        }
      }
    }

    private List<String> leaks(Client client) {
      List<String> leaks = new ArrayList<>();
      for (ByteBuf b : allocator.allocated) {
        if (b.refCnt() != 0) {
          leaks.add(b.getClass().getSimpleName() + " refCnt=" + b.refCnt());
        }
      }
      for (ByteBuf b : client.sent) {
        if (b.refCnt() != 0) {
          leaks.add("sent " + b.capacity() + " bytes, refCnt=" + b.refCnt());
        }
      }
      return leaks;
    }

    private static String format(ILoggingEvent e) {
      return e.getFormattedMessage()
          + (e.getThrowableProxy() == null ? "" : " " + e.getThrowableProxy().getClassName());
    }

    void close() {
      loops.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS).syncUninterruptibly();
      readers.shutdownNow();
      store.close();
    }
  }

  /** What a protocol violation looks like when it reaches the session: the codec's own types. */
  private static final Set<String> EXPECTED =
      Set.of(
          "CorruptedWebSocketFrameException",
          "CorruptedFrameException",
          "TooLongFrameException",
          "TooLongHttpLineException",
          "TooLongHttpHeaderException",
          "TooLongHttpContentException",
          "DecoderException",
          "WebSocketHandshakeException",
          "ClosedChannelException");

  /** The hostile client's side: writes raw bytes, reads just enough of the answers. */
  static final class Client extends ChannelInboundHandlerAdapter {
    final ConcurrentLinkedQueue<ByteBuf> sent = new ConcurrentLinkedQueue<>();
    private final CompletableFuture<Boolean> upgraded = new CompletableFuture<>();
    private final ConcurrentLinkedQueue<Long> answered = new ConcurrentLinkedQueue<>();
    private final ByteArrayOutputStream received = new ByteArrayOutputStream();
    private int parsed = -1;
    volatile Channel channel;

    void send(byte[] bytes) {
      if (bytes.length == 0) {
        return; // Unpooled.EMPTY_BUFFER is never released; writing nothing sends nothing anyway
      }
      ByteBuf b = Unpooled.wrappedBuffer(bytes);
      sent.add(b);
      channel.writeAndFlush(b);
    }

    boolean open() {
      return channel.isActive();
    }

    boolean awaitUpgrade() throws Exception {
      try {
        return upgraded.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
      } catch (java.util.concurrent.TimeoutException e) {
        return false;
      }
    }

    void awaitResponse(long id, Duration wait, boolean required) throws InterruptedException {
      long deadline = System.nanoTime() + wait.toNanos();
      while (!answered.contains(id) && channel.isActive()) {
        if (System.nanoTime() > deadline) {
          if (required) {
            throw new AssertionError("request " + id + " was neither answered nor closed");
          }
          return;
        }
        Thread.sleep(0, 100_000);
      }
    }

    void close() {
      channel.close().syncUninterruptibly();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      try {
        if (msg instanceof ByteBuf b) {
          byte[] bytes = new byte[b.readableBytes()];
          b.readBytes(bytes);
          received.writeBytes(bytes);
          parse();
        }
      } finally {
        ReferenceCountUtil.release(msg);
      }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      upgraded.complete(false);
    }

    /** Finds the end of the 101 response, then reads server frames (never masked). */
    private void parse() {
      byte[] all = received.toByteArray();
      if (parsed < 0) {
        String text = new String(all, StandardCharsets.ISO_8859_1);
        int end = text.indexOf("\r\n\r\n");
        if (end < 0) {
          return;
        }
        upgraded.complete(text.startsWith("HTTP/1.1 101"));
        parsed = end + 4;
      }
      while (all.length - parsed >= 2) {
        int len = all[parsed + 1] & 0x7f;
        int header = 2;
        if (len == 126) {
          if (all.length - parsed < 4) {
            return;
          }
          len = (all[parsed + 2] & 0xff) << 8 | (all[parsed + 3] & 0xff);
          header = 4;
        } else if (len == 127) {
          return; // the server never sends frames that large here
        }
        if (all.length - parsed < header + len) {
          return;
        }
        if ((all[parsed] & 0x0f) == 2) {
          try {
            ServerFrame f =
                ServerFrame.parseFrom(
                    Arrays.copyOfRange(all, parsed + header, parsed + header + len));
            if (f.hasResponse()) {
              answered.add(f.getResponse().getRequestId());
            }
          } catch (InvalidProtocolBufferException e) {
            throw new AssertionError("the server sent a frame that is not a ServerFrame", e);
          }
        }
        parsed += header + len;
      }
    }
  }

  /** Heap buffers whose every allocation is remembered, to prove each one is released. */
  static final class TrackingAllocator extends AbstractByteBufAllocator {
    final ConcurrentLinkedQueue<ByteBuf> allocated = new ConcurrentLinkedQueue<>();

    TrackingAllocator() {
      super(false);
    }

    private <T extends ByteBuf> T track(T b) {
      allocated.add(b);
      return b;
    }

    @Override
    protected ByteBuf newHeapBuffer(int initialCapacity, int maxCapacity) {
      return track(new UnpooledHeapByteBuf(this, initialCapacity, maxCapacity));
    }

    @Override
    protected ByteBuf newDirectBuffer(int initialCapacity, int maxCapacity) {
      return newHeapBuffer(initialCapacity, maxCapacity);
    }

    @Override
    public CompositeByteBuf compositeHeapBuffer(int maxNumComponents) {
      return track(new CompositeByteBuf(this, false, maxNumComponents));
    }

    @Override
    public CompositeByteBuf compositeDirectBuffer(int maxNumComponents) {
      return compositeHeapBuffer(maxNumComponents);
    }

    @Override
    public boolean isDirectBufferPooled() {
      return false;
    }
  }

  private static java.util.concurrent.ThreadFactory daemon(String name) {
    return r -> {
      Thread t = new Thread(r, name);
      t.setDaemon(true);
      return t;
    };
  }
}
