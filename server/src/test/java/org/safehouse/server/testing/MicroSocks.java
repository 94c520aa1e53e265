package org.safehouse.server.testing;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.safehouse.server.SafehouseServer;
import org.safehouse.server.config.HostPort;
import org.safehouse.server.config.ServerConfig;

/**
 * A real SOCKS5 proxy on 127.0.0.1: Debian's {@code microsocks} as a child process, as Tor's SOCKS
 * port stands in front of a blocked user. It resolves the names clients send it (SOCKS5
 * DOMAINNAME), so a client that reaches a server by name through it never resolved the name itself.
 * CI installs it ({@code .ci/run}); a missing binary fails the test, it never skips.
 */
public final class MicroSocks implements AutoCloseable {
  private final Process process;
  private final int port;
  private final Path log;

  private MicroSocks(Process process, int port, Path log) {
    this.process = process;
    this.port = port;
    this.log = log;
  }

  /**
   * Starts microsocks on a free loopback port, logging to {@code log}, and waits until it is up.
   */
  public static MicroSocks start(Path log) throws Exception {
    int port = freePort();
    Process p;
    try {
      p =
          new ProcessBuilder("microsocks", "-i", "127.0.0.1", "-p", Integer.toString(port))
              .redirectErrorStream(true)
              .redirectOutput(log.toFile())
              .start();
    } catch (IOException e) {
      throw new AssertionError(
          "microsocks is not installed (apt-get install -y microsocks; .ci/run does this)", e);
    }
    MicroSocks proxy = new MicroSocks(p, port, log);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (true) {
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1000);
        return proxy;
      } catch (IOException e) {
        if (!p.isAlive() || System.nanoTime() > deadline) {
          proxy.close();
          throw new AssertionError("microsocks did not start: " + proxy.log(), e);
        }
        Thread.sleep(50);
      }
    }
  }

  /**
   * Starts a server on a loopback address whose invites name it by a host name that the system
   * resolver (and so microsocks) resolves from {@code /etc/hosts}, but that a JVM run with {@code
   * -Djdk.net.hosts.file=<empty file>} cannot: not {@code localhost}, which the JDK answers without
   * any lookup. A client must have the proxy resolve the name to reach it.
   */
  public static SafehouseServer serverReachedByName(Path data, java.time.Clock clock)
      throws IOException {
    String[] alias = loopbackAlias();
    int port = freePort();
    ServerConfig c =
        TestServers.config(data)
            .withListen(new HostPort(alias[0], port), true)
            .withListen(new HostPort(alias[1], port), false);
    return SafehouseServer.start(c, clock);
  }

  /**
   * A name other than {@code localhost} that {@code /etc/hosts} maps to a loopback address, and
   * that address: e.g. Debian's {@code <hostname>} (127.0.1.1) or {@code ip6-localhost} (::1).
   */
  static String[] loopbackAlias() throws IOException {
    for (String line : Files.readAllLines(Path.of("/etc/hosts"), StandardCharsets.UTF_8)) {
      String[] words = line.replaceFirst("#.*", "").trim().split("\\s+");
      if (words.length < 2 || !(words[0].startsWith("127.") || words[0].equals("::1"))) {
        continue;
      }
      for (int i = 1; i < words.length; i++) {
        if (!words[i].equalsIgnoreCase("localhost") && !words[i].endsWith(".")) {
          return new String[] {words[i], words[0]};
        }
      }
    }
    throw new AssertionError(
        "/etc/hosts names no loopback address but localhost; add one (e.g. '127.0.1.1 <hostname>')");
  }

  public int port() {
    return port;
  }

  /** {@code 127.0.0.1:PORT}, as the CLI's {@code --socks} takes it. */
  public String address() {
    return "127.0.0.1:" + port;
  }

  /** What microsocks printed so far. */
  public String log() {
    try {
      return Files.readString(log, StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }

  @Override
  public void close() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(5, TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }
}
