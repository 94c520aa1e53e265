package org.safehouse.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.safehouse.server.config.ConfigFile;

/**
 * Starts a Safehouse server jar as its own process for {@link CompareBench}: the current build as
 * peer "safehouse", or another build (e.g. a commit before a change) as "safehouse@LABEL", each
 * with its own data folder and log under the bench's work folder.
 */
final class SafehouseLauncher {
  static final String NAME = "safehouse";

  private static final Pattern LISTENING =
      Pattern.compile("Safehouse relay listening on 127\\.0\\.0\\.1:(\\d+) .*");

  private SafehouseLauncher() {}

  /** "safehouse" or "safehouse@LABEL": a Safehouse build (JVM heap readings, ratio rows). */
  static boolean isSafehouse(Object peer) {
    String n = String.valueOf(peer);
    return n.equals(NAME) || n.startsWith(NAME + "@");
  }

  /** The label of "safehouse@LABEL", null for the current build. */
  static String label(String peer) {
    return peer.equals(NAME) ? null : peer.substring(NAME.length() + 1);
  }

  /** Files of peer {@code name} under {@code work}: "safehouse-data", "safehouse@old-data", … */
  static Path file(Path work, String name, String suffix) {
    return work.resolve(name + suffix);
  }

  static SafehousePeer start(String name, Path jar, List<String> cpus, String javaOpts, Path work)
      throws Exception {
    Path data = file(work, name, "-data");
    CompareBench.deleteTree(data);
    Files.createDirectories(data);
    Path tmp = Files.createDirectories(work.resolve("safehouse-tmp"));
    Path log = file(work, name, ".log");
    if (!Files.isRegularFile(jar)) {
      throw new IOException("no server jar at " + jar + " for peer " + name);
    }
    List<String> cmd = new ArrayList<>(cpus);
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(List.of(javaOpts.trim().split("\\s+")));
    cmd.addAll(
        List.of(
            "-Djava.io.tmpdir=" + tmp,
            "-jar",
            jar.toAbsolutePath().toString(),
            "serve",
            "--data",
            data.toString(),
            "--listen",
            "127.0.0.1:0",
            "--config",
            work.resolve("safehouse.conf").toString()));
    Files.deleteIfExists(log);
    ServerProcess sp = ServerProcess.start(cmd, log, 0);
    Listening l = awaitListening(sp, log);
    Path socket =
        ConfigFile.load(work.resolve("safehouse.conf"), data.toString(), null).adminSocket();
    String secret = Files.readString(data.resolve("upgrade-secret")).trim();
    return new SafehousePeer(name, sp, l.port(), l.pin(), secret, socket);
  }

  /** Where a started server listens and its certificate pin, as its log states them. */
  record Listening(int port, String pin) {}

  /**
   * Waits (up to a minute) for the server's log to state its port and pin.
   *
   * @throws IOException if the server exits first or does not start in time (it is then stopped)
   */
  static Listening awaitListening(ServerProcess sp, Path log) throws Exception {
    String pin = null;
    int port = 0;
    for (int i = 0; i < 600 && pin == null; i++) {
      for (String l : Files.readAllLines(log)) {
        Matcher m = LISTENING.matcher(l);
        if (m.matches()) {
          port = Integer.parseInt(m.group(1));
        } else if (l.startsWith("Pin: ")) {
          pin = l.substring(5).trim();
        }
      }
      if (pin == null) {
        if (!sp.process.isAlive()) {
          throw new IOException("the Safehouse server exited; see " + log);
        }
        Thread.sleep(100);
      }
    }
    if (pin == null) {
      sp.close();
      throw new IOException("the Safehouse server did not start; see " + log);
    }
    return new Listening(port, pin);
  }
}
