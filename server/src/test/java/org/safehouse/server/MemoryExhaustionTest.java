package org.safehouse.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.safehouse.protocol.wire.ErrorCode;
import org.safehouse.server.testing.ChildServer;
import org.safehouse.server.testing.RawClient;

/**
 * One client must not exhaust the server's memory. Several unauthenticated connections upgrade and
 * then flood tiny frames (empty requests, pings) for 20 s without ever reading an answer, against
 * the server as an operator runs it, with a 256 MB heap. Before backpressure every frame's answer
 * queued without limit and the heap filled in seconds. Here a real client still enrolls and sends
 * during and after the flood, {@code admin stats} answers, and SIGTERM stops the server with exit
 * code 0.
 */
@Timeout(180)
class MemoryExhaustionTest {
  private static final int FLOODERS = 8;
  private static final long FLOOD_MILLIS = 20_000;
  private static final byte[] EMPTY_REQUEST = {(byte) 0x82, (byte) 0x80, 1, 2, 3, 4};
  private static final byte[] PING = {(byte) 0x89, (byte) 0x80, 5, 6, 7, 8};

  @TempDir Path tmp;
  private ChildServer server;
  private EventLoopGroup group;

  @AfterEach
  void stop() {
    if (group != null) {
      group.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS).syncUninterruptibly();
    }
    if (server != null) {
      server.close();
    }
  }

  @Test
  void unauthenticatedFloodsThatNeverReadLeaveTheServerServingAndStoppable() throws Exception {
    server = ChildServer.start(tmp.resolve("data"), null);
    server.enroll(server.awaitFirstAdminInvite().orElseThrow().code());
    group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    SslContext tls =
        SslContextBuilder.forClient()
            .trustManager(new RawClient.PinTrustManager(server.pin()))
            .endpointIdentificationAlgorithm(null)
            .protocols("TLSv1.3")
            .build();
    byte[] upgrade = upgradeRequest(server.secret());
    AtomicBoolean flooding = new AtomicBoolean(true);
    AtomicInteger connections = new AtomicInteger();
    List<Thread> flooders = new ArrayList<>();
    for (int i = 0; i < FLOODERS; i++) {
      byte[] frame = i % 2 == 0 ? EMPTY_REQUEST : PING;
      Thread t =
          new Thread(
              () -> floodUntilStopped(tls, upgrade, frame, flooding, connections), "flooder-" + i);
      t.setDaemon(true);
      t.start();
      flooders.add(t);
    }

    long start = System.nanoTime();
    int rounds = 0;
    while (System.nanoTime() - start < TimeUnit.MILLISECONDS.toNanos(FLOOD_MILLIS)) {
      assertStillServing("during the flood, round " + rounds++);
    }
    flooding.set(false);
    for (Thread t : flooders) {
      t.join(10_000);
    }
    assertTrue(rounds >= 1 && connections.get() >= FLOODERS, connections + " flood connections");
    assertStillServing("after the flood");

    ChildServer.Result stopped = server.terminate();
    assertEquals(0, stopped.exitCode(), "exit code after SIGTERM; stderr " + stopped.err());
    assertFalse(
        stopped.err().stream().anyMatch(l -> l.contains("OutOfMemoryError") || l.contains("fatal")),
        "stderr " + stopped.err());
  }

  /** A caseworker and a client enroll through invites, the caseworker sends, stats answers. */
  private void assertStillServing(String when) throws Exception {
    RawClient.Device worker = server.enrollInvited("caseworker");
    RawClient.Device client = server.enrollClient(worker);
    try (RawClient w = server.login(worker)) {
      byte[] id = new byte[16];
      new java.security.SecureRandom().nextBytes(id);
      assertEquals(
          ErrorCode.OK,
          w.send(client.accountId, "still here".getBytes(StandardCharsets.UTF_8), id).getError(),
          when);
    }
    ChildServer.Result stats = server.admin("stats");
    assertEquals(0, stats.exitCode(), when + ": admin stats; stderr " + stats.err());
    assertTrue(stats.out().get(0).startsWith("accounts "), when + ": " + stats.out());
  }

  /**
   * Connects, upgrades and writes {@code frame} over and over, as fast as the socket takes it, and
   * never reads an answer (the channel's reads are off once TLS is up); connects again whenever the
   * server closes the connection.
   */
  private void floodUntilStopped(
      SslContext tls,
      byte[] upgrade,
      byte[] frame,
      AtomicBoolean flooding,
      AtomicInteger connections) {
    ByteBuf chunk = Unpooled.buffer(frame.length * 700);
    while (chunk.writableBytes() >= frame.length) {
      chunk.writeBytes(frame);
    }
    while (flooding.get()) {
      Channel ch = null;
      try {
        ch =
            new Bootstrap()
                .group(group)
                .channel(NioSocketChannel.class)
                .option(ChannelOption.AUTO_READ, false)
                .handler(
                    new ChannelInitializer<SocketChannel>() {
                      @Override
                      protected void initChannel(SocketChannel c) {
                        c.pipeline().addLast(tls.newHandler(c.alloc(), "127.0.0.1", server.port()));
                      }
                    })
                .connect("127.0.0.1", server.port())
                .sync()
                .channel();
        if (!ch.pipeline().get(SslHandler.class).handshakeFuture().await(10_000)) {
          continue;
        }
        connections.incrementAndGet();
        ch.writeAndFlush(Unpooled.wrappedBuffer(upgrade));
        while (flooding.get() && ch.isActive()) {
          if (ch.isWritable()) {
            ch.writeAndFlush(chunk.retainedDuplicate());
          } else {
            Thread.sleep(1);
          }
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } catch (Exception e) {
        // refused or reset: connect again
      } finally {
        if (ch != null) {
          ch.close().awaitUninterruptibly(5_000);
        }
      }
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        return;
      }
    }
    chunk.release();
  }

  private static byte[] upgradeRequest(String secret) {
    return ("GET /"
            + secret
            + " HTTP/1.1\r\n"
            + "Host: 127.0.0.1\r\n"
            + "Upgrade: websocket\r\n"
            + "Connection: Upgrade\r\n"
            + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
            + "Sec-WebSocket-Version: 13\r\n\r\n")
        .getBytes(StandardCharsets.US_ASCII);
  }
}
