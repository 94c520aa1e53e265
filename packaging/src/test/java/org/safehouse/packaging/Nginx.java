package org.safehouse.packaging;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real nginx (Debian's) as a child process: not a daemon, its own prefix folder and main config,
 * which includes one site file (the guide's {@code docs/nginx/safehouse.conf}) as Debian's {@code
 * nginx.conf} includes {@code sites-enabled/*}. Loopback ports only.
 */
final class Nginx implements AutoCloseable {
  private final Process process;
  final Path prefix;

  private Nginx(Process process, Path prefix) {
    this.process = process;
    this.prefix = prefix;
  }

  /**
   * Starts nginx with {@code site} and waits until it accepts on 127.0.0.1:{@code port}.
   *
   * @throws IOException if it fails to start (its error log is in the message)
   */
  static Nginx start(Path binary, Path prefix, Path site, int port)
      throws IOException, InterruptedException {
    Files.createDirectories(prefix.resolve("tmp"));
    String t = prefix.resolve("tmp").toString();
    String main =
        String.join(
            "\n",
            "daemon off;",
            "worker_processes 1;",
            "pid " + prefix.resolve("nginx.pid") + ";",
            "error_log " + prefix.resolve("error.log") + " info;",
            "events { worker_connections 64; }",
            "http {",
            "  access_log " + prefix.resolve("access.log") + ";",
            "  client_body_temp_path " + t + "/body;",
            "  proxy_temp_path " + t + "/proxy;",
            "  fastcgi_temp_path " + t + "/fastcgi;",
            "  uwsgi_temp_path " + t + "/uwsgi;",
            "  scgi_temp_path " + t + "/scgi;",
            "  include " + site + ";",
            "}",
            "");
    Path conf = prefix.resolve("nginx.conf");
    Files.writeString(conf, main, StandardCharsets.UTF_8);
    Process p =
        new ProcessBuilder(
                binary.toString(),
                "-p",
                prefix + "/",
                "-c",
                conf.toString(),
                "-e",
                prefix.resolve("startup-error.log").toString())
            .redirectErrorStream(true)
            .redirectOutput(prefix.resolve("stdout.log").toFile())
            .start();
    Nginx nginx = new Nginx(p, prefix);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
    while (System.nanoTime() < deadline) {
      if (!p.isAlive()) {
        throw new IOException("nginx exited (" + p.exitValue() + "): " + nginx.logs());
      }
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress("127.0.0.1", port), 200);
        return nginx;
      } catch (IOException notYet) {
        Thread.sleep(50);
      }
    }
    nginx.close();
    throw new IOException("nginx did not listen on 127.0.0.1:" + port + ": " + nginx.logs());
  }

  /** Every log nginx wrote in its prefix folder, for a failure message. */
  String logs() throws IOException {
    StringBuilder b = new StringBuilder();
    for (String name : List.of("startup-error.log", "error.log", "stdout.log")) {
      Path f = prefix.resolve(name);
      if (Files.exists(f)) {
        b.append("\n--- ").append(name).append('\n').append(Files.readString(f));
      }
    }
    return b.toString();
  }

  /** SIGTERM (nginx's fast shutdown), then waits for it to exit. */
  @Override
  public void close() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(10, TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
  }
}
