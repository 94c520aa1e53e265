package org.safehouse.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The baselines for moving a file over TLS 1.3 on loopback, each its own process with a self-signed
 * P-256 certificate: nginx (Debian's, with its DAV module) taking {@code curl --upload-file} (HTTP
 * PUT) and serving GET, and {@code openssl s_server -WWW} serving GET. Server CPU is the CPU time
 * of the server's processes (nginx: master and worker), as for the relay.
 */
final class TlsFileServers implements AutoCloseable {
  private final Path dir;
  private final Path www;
  private final ServerProcess nginx;
  private final int nginxPort;
  private final ServerProcess sServer;
  private final int sServerPort;

  private TlsFileServers(
      Path dir, Path www, ServerProcess nginx, int nginxPort, ServerProcess sServer, int port) {
    this.dir = dir;
    this.www = www;
    this.nginx = nginx;
    this.nginxPort = nginxPort;
    this.sServer = sServer;
    this.sServerPort = port;
  }

  /** Starts both servers in {@code dir}, serving the files of {@code www}. */
  static TlsFileServers start(Path dir, Path www) throws Exception {
    Files.createDirectories(dir);
    Path key = dir.resolve("key.pem");
    Path cert = dir.resolve("cert.pem");
    run(
        dir,
        List.of(
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-keyout",
            key.toString(),
            "-out",
            cert.toString(),
            "-days",
            "1",
            "-subj",
            "/CN=bench"));
    int nginxPort = AttachmentBench.freePort();
    Path conf = dir.resolve("nginx.conf");
    Files.createDirectories(dir.resolve("nginx-temp"));
    Files.writeString(conf, nginxConf(dir, www, nginxPort, cert, key));
    Path errors = dir.resolve("nginx-error.log");
    ServerProcess nginx =
        ServerProcess.start(
            List.of("nginx", "-p", dir.toString(), "-c", conf.toString(), "-e", errors.toString()),
            dir.resolve("nginx.out"),
            nginxPort);
    int port = AttachmentBench.freePort();
    ServerProcess sServer;
    try {
      sServer =
          ServerProcess.start(
              List.of(
                  "sh",
                  "-c",
                  "cd \"$0\" && exec \"$@\"",
                  www.toString(),
                  "openssl",
                  "s_server",
                  "-WWW",
                  "-tls1_3",
                  "-accept",
                  String.valueOf(port),
                  "-cert",
                  cert.toString(),
                  "-key",
                  key.toString(),
                  "-quiet"),
              dir.resolve("s_server.log"),
              port);
    } catch (Exception e) {
      nginx.close();
      throw e;
    }
    return new TlsFileServers(dir, www, nginx, nginxPort, sServer, port);
  }

  private static String nginxConf(Path dir, Path www, int port, Path cert, Path key) {
    boolean root = "root".equals(System.getProperty("user.name"));
    String temp = dir.resolve("nginx-temp").toString();
    return String.join(
        "\n",
        "daemon off;",
        "master_process on;",
        "worker_processes 1;",
        // as root, the worker would otherwise run as nobody, who cannot write the folder
        root ? "user root;" : "",
        "pid " + dir.resolve("nginx.pid") + ";",
        "events { worker_connections 64; }",
        "http {",
        "  access_log off;",
        "  client_body_temp_path " + temp + "/body;",
        "  proxy_temp_path " + temp + "/proxy;",
        "  fastcgi_temp_path " + temp + "/fastcgi;",
        "  uwsgi_temp_path " + temp + "/uwsgi;",
        "  scgi_temp_path " + temp + "/scgi;",
        "  server {",
        "    listen 127.0.0.1:" + port + " ssl;",
        "    ssl_certificate " + cert + ";",
        "    ssl_certificate_key " + key + ";",
        "    ssl_protocols TLSv1.3;",
        "    root " + www + ";",
        "    client_max_body_size 0;",
        "    location /up/ { dav_methods PUT; create_full_put_path on; }",
        "  }",
        "}",
        "");
  }

  /** curl --upload-file of {@code file} to nginx (HTTP PUT; stored under www/up/, then deleted). */
  Transfer nginxPut(Path file) throws Exception {
    Transfer t =
        curl(
            nginx,
            List.of("-T", file.toString(), "https://127.0.0.1:" + nginxPort + "/up/put.bin"));
    if (Files.size(www.resolve("up/put.bin")) != Files.size(file)) {
      throw new IOException("nginx stored a different size");
    }
    Files.delete(www.resolve("up/put.bin"));
    return t;
  }

  /** curl fetching {@code name} (a file of www) from nginx, to /dev/null. */
  Transfer nginxGet(String name) throws Exception {
    return curl(nginx, List.of("https://127.0.0.1:" + nginxPort + "/" + name));
  }

  /** curl fetching {@code name} (a file of www) from openssl s_server -WWW, to /dev/null. */
  Transfer sServerGet(String name) throws Exception {
    return curl(sServer, List.of("https://127.0.0.1:" + sServerPort + "/" + name));
  }

  private Transfer curl(ServerProcess server, List<String> args) throws Exception {
    List<String> cmd = new java.util.ArrayList<>();
    cmd.addAll(List.of("curl", "-sS", "-f", "-k", "--tlsv1.3", "-o", "/dev/null"));
    cmd.addAll(args);
    long cpu0 = cpuNanos(server);
    long t0 = System.nanoTime();
    run(dir, cmd);
    long nanos = System.nanoTime() - t0;
    return new Transfer(nanos, cpuNanos(server) - cpu0);
  }

  /**
   * The CPU time of the server process and its children (nginx's worker), from each thread's {@code
   * /proc/PID/task/TID/schedstat} (nanoseconds; the same time as {@code /proc/PID/stat}'s 10 ms
   * ticks, which would be too coarse for a baseline's few milliseconds per MB). These servers start
   * no threads while measured, so none is missed.
   */
  private static long cpuNanos(ServerProcess server) throws IOException {
    long sum = threadsCpuNanos(server.pid());
    for (ProcessHandle child : server.process.children().toList()) {
      sum += threadsCpuNanos(child.pid());
    }
    return sum;
  }

  private static long threadsCpuNanos(long pid) throws IOException {
    long sum = 0;
    try (var tasks = Files.list(Path.of("/proc/" + pid + "/task"))) {
      for (Path task : tasks.toList()) {
        sum += Long.parseLong(Files.readString(task.resolve("schedstat")).split(" ")[0]);
      }
    }
    return sum;
  }

  static void run(Path dir, List<String> cmd) throws Exception {
    Path log = dir.resolve("cmd.log");
    Process p =
        new ProcessBuilder(cmd)
            .directory(dir.toFile())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
    if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
      p.destroyForcibly();
      throw new IOException(cmd.get(0) + " failed: " + Files.readString(log).strip());
    }
  }

  /** The first line that {@code cmd} prints (a version), or "unknown". */
  static String firstLine(Path dir, String... cmd) {
    try {
      run(dir, List.of(cmd));
      return Files.readAllLines(dir.resolve("cmd.log")).get(0).strip();
    } catch (Exception e) {
      return "unknown";
    }
  }

  @Override
  public void close() {
    sServer.close();
    nginx.close();
  }
}
