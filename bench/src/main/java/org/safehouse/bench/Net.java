package org.safehouse.bench;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import javax.net.ssl.SSLException;

/** The generator's network side: one event loop group and one TLS 1.3 client context. */
final class Net {
  /**
   * Native epoll where it loads (as the Safehouse server uses): on this VM every syscall is dear,
   * and the JDK selector makes more of them per event than Netty's edge-triggered epoll.
   */
  private static final boolean EPOLL = Epoll.isAvailable();

  static final EventLoopGroup GROUP =
      new MultiThreadIoEventLoopGroup(
          Integer.getInteger("bench.loops", 2),
          new DefaultThreadFactory(Cpu.PREFIX + "loop", true),
          EPOLL ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());

  /** Trusts any certificate: the peers run with a self-signed one made for the run. */
  static final SslContext TLS;

  static {
    try {
      TLS =
          SslContextBuilder.forClient()
              .sslProvider(OpenSsl.isAvailable() ? SslProvider.OPENSSL : SslProvider.JDK)
              .trustManager(InsecureTrustManagerFactory.INSTANCE)
              .endpointIdentificationAlgorithm(null)
              .protocols("TLSv1.3")
              .build();
    } catch (SSLException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private Net() {}

  /** Connects over TLS to 127.0.0.1:port; {@code pipeline} adds the protocol handlers. */
  static Channel connect(int port, Consumer<SocketChannel> pipeline) throws InterruptedException {
    return connect(port, TLS, pipeline);
  }

  /** Connects over TLS with {@code tls} to 127.0.0.1:port. */
  static Channel connect(int port, SslContext tls, Consumer<SocketChannel> pipeline)
      throws InterruptedException {
    return new Bootstrap()
        .group(GROUP)
        .channel(EPOLL ? EpollSocketChannel.class : NioSocketChannel.class)
        .option(ChannelOption.TCP_NODELAY, true)
        .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 10_000)
        .handler(
            new ChannelInitializer<SocketChannel>() {
              @Override
              protected void initChannel(SocketChannel c) {
                c.pipeline().addLast(tls.newHandler(c.alloc(), "127.0.0.1", port));
                pipeline.accept(c);
              }
            })
        .connect("127.0.0.1", port)
        .sync()
        .channel();
  }

  /** A step that opens one connection. */
  interface Opener<T> {
    T open(int index) throws Exception;
  }

  /**
   * Closes every connection's channel, waits up to 5 s for each to finish, and empties the list.
   */
  static <T> void closeAll(List<T> conns, java.util.function.Function<T, Channel> channel) {
    conns.forEach(c -> channel.apply(c).close());
    conns.forEach(c -> channel.apply(c).closeFuture().awaitUninterruptibly(5, TimeUnit.SECONDS));
    conns.clear();
  }

  /**
   * Opens {@code n} connections, 32 at a time (each login takes several round trips); returns the
   * ones that opened. Stops early after 100 failures.
   */
  static <T> List<T> parallel(int n, Opener<T> opener) throws InterruptedException {
    ExecutorService pool =
        Executors.newFixedThreadPool(32, new DefaultThreadFactory(Cpu.PREFIX + "open", true));
    List<T> done = Collections.synchronizedList(new ArrayList<>());
    AtomicInteger failures = new AtomicInteger();
    for (int i = 0; i < n; i++) {
      int k = i;
      pool.execute(
          () -> {
            if (failures.get() >= 100) {
              return;
            }
            try {
              done.add(opener.open(k));
            } catch (Exception e) {
              failures.incrementAndGet();
              CompareBench.warnOnce("opening a connection failed: " + e);
            }
          });
    }
    pool.shutdown();
    pool.awaitTermination(30, TimeUnit.MINUTES);
    return new ArrayList<>(done);
  }

  static void shutdown() {
    GROUP.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
  }

  static long stamp(byte[] payload) {
    long v = 0;
    for (int i = 0; i < 8; i++) {
      v = (v << 8) | (payload[i] & 0xff);
    }
    return v;
  }

  static void stamp(byte[] payload, long nanos) {
    for (int i = 7; i >= 0; i--) {
      payload[i] = (byte) nanos;
      nanos >>>= 8;
    }
  }
}
