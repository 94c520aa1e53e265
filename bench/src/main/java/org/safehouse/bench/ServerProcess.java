package org.safehouse.bench;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** A server under test, started as its own process (under taskset if asked). */
final class ServerProcess implements AutoCloseable {
  final Process process;

  private ServerProcess(Process process) {
    this.process = process;
  }

  /** Starts {@code command}, output to {@code log}, and waits until {@code port} accepts. */
  static ServerProcess start(List<String> command, Path log, int port) throws Exception {
    if (port > 0 && accepts(port)) {
      throw new IOException("something else already listens on 127.0.0.1:" + port);
    }
    Process p =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
            .start();
    ServerProcess s = new ServerProcess(p);
    CompareBench.RUNNING.add(s);
    if (port > 0) {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (true) {
        if (!p.isAlive()) {
          throw new IOException(command.get(0) + " exited; see " + log);
        }
        if (accepts(port)) {
          break;
        } else {
          if (System.nanoTime() > deadline) {
            s.close();
            throw new IOException("nothing listens on " + port + "; see " + log);
          }
          Thread.sleep(100);
        }
      }
    }
    return s;
  }

  /** A server process started elsewhere, stopped with the others if this JVM stops. */
  static ServerProcess adopt(Process p) {
    ServerProcess s = new ServerProcess(p);
    CompareBench.RUNNING.add(s);
    return s;
  }

  static boolean accepts(int port) {
    try (Socket sock = new Socket()) {
      sock.connect(new InetSocketAddress("127.0.0.1", port), 200);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  long pid() {
    return process.pid();
  }

  @Override
  public void close() {
    CompareBench.RUNNING.remove(this);
    process.destroy();
    try {
      if (!process.waitFor(20, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    }
  }
}
