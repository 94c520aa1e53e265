package org.safehouse.packaging;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Debian programs the deployment tests drive (nginx, tor, dpkg-deb, systemd-analyze). */
final class Programs {
  private Programs() {}

  /** The program's path in the usual folders (sbin included: nginx and tor live there). */
  static Path find(String name) {
    for (String dir : List.of("/usr/sbin", "/usr/bin", "/sbin", "/bin", "/usr/local/bin")) {
      Path p = Path.of(dir, name);
      if (Files.isExecutable(p)) {
        return p;
      }
    }
    return null;
  }

  /** Exit code and output (stdout and stderr together) of a finished program. */
  record Result(int exitCode, String output) {}

  /**
   * Runs {@code command} to its end, at most 60 s.
   *
   * @throws IOException if it cannot start or does not end in time
   */
  static Result run(List<String> command) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    p.getOutputStream().close();
    byte[] out = p.getInputStream().readAllBytes();
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IOException(command + " did not end within 60 s");
    }
    return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
  }
}
