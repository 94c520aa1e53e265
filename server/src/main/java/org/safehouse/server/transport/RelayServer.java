package org.safehouse.server.transport;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.ServerSocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.ssl.SslContext;
import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.util.concurrent.TimeUnit;

/** The network side: accepts connections and runs their pipelines on the event loops. */
public final class RelayServer implements AutoCloseable {
  private final EventLoopGroup boss;
  private final EventLoopGroup workers;
  private final Channel listener;
  private final ConnectionLimiter limiter;

  private RelayServer(
      EventLoopGroup boss, EventLoopGroup workers, Channel listener, ConnectionLimiter limiter) {
    this.boss = boss;
    this.workers = workers;
    this.listener = listener;
    this.limiter = limiter;
  }

  /**
   * Binds and starts serving.
   *
   * @param ssl null for plaintext mode (behind a TLS proxy or onion service)
   * @param secret the upgrade path's secret; every other request gets nginx's 404
   * @throws IOException with a clear message if the address is in use or cannot be bound
   */
  public static RelayServer start(
      InetSocketAddress address,
      SslContext ssl,
      Services services,
      SecureRandom random,
      UpgradeSecret secret)
      throws IOException {
    boolean epoll = Epoll.isAvailable();
    IoHandlerFactory io = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
    Class<? extends ServerSocketChannel> channel =
        epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
    EventLoopGroup boss = new MultiThreadIoEventLoopGroup(1, io);
    // One event loop per core (Netty's default is two): nothing on a loop blocks, and the store's
    // writer thread and RocksDB's own threads need the rest of the CPU.
    EventLoopGroup workers =
        new MultiThreadIoEventLoopGroup(Runtime.getRuntime().availableProcessors(), io);
    ConnectionLimiter limiter =
        new ConnectionLimiter(
            services.limits().maxConnections(),
            services.limits().connectionsPerAddress(),
            services.limits().maxUnauthenticatedConnections());
    try {
      Channel ch =
          new ServerBootstrap()
              .group(boss, workers)
              .channel(channel)
              .option(ChannelOption.SO_BACKLOG, 1024)
              .childOption(ChannelOption.TCP_NODELAY, true)
              .childOption(
                  ChannelOption.WRITE_BUFFER_WATER_MARK,
                  new WriteBufferWaterMark(32 << 10, 128 << 10))
              .childHandler(new RelayChannelInitializer(ssl, limiter, services, random, secret))
              .bind(address)
              .sync()
              .channel();
      return new RelayServer(boss, workers, ch, limiter);
    } catch (Exception e) {
      boss.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
      workers.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
      if (e instanceof BindException || String.valueOf(e.getMessage()).contains("in use")) {
        throw new IOException(
            "the address "
                + address.getHostString()
                + ":"
                + address.getPort()
                + " is already in use; stop whatever uses it or choose another --listen",
            e);
      }
      throw new IOException(
          "cannot listen on "
              + address.getHostString()
              + ":"
              + address.getPort()
              + " ("
              + e.getMessage()
              + ")",
          e);
    }
  }

  public int port() {
    return ((InetSocketAddress) listener.localAddress()).getPort();
  }

  /** Whether the listening socket is open and accepting. */
  public boolean listening() {
    return listener.isActive();
  }

  /** Open connections, signed in or not (a count only). */
  public int openConnections() {
    return limiter.open();
  }

  /** Open connections not signed in yet (a count only). */
  public int unauthenticatedConnections() {
    return limiter.unauthenticated();
  }

  /** Stops accepting new connections. */
  public void stopAccepting() {
    listener.close().syncUninterruptibly();
  }

  @Override
  public void close() {
    stopAccepting();
    workers.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    boss.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
  }
}
