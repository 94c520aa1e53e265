package org.safehouse.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The real CLI run in-process, one {@code --home} folder per person under a test's folder, with the
 * passphrase in the environment: what the CLI tests that need no shipped jar share.
 */
final class CliHomes {
  static final Map<String, String> ENV = Map.of(SafehouseCli.PASSPHRASE_ENV, "correct horse");

  /** What one command printed, line by line, and returned. */
  record Run(int exit, List<String> out, List<String> err) {
    /** The one line printed on stdout. */
    String line() {
      assertEquals(1, out.size(), "expected one line, got " + out + " / " + err);
      return out.get(0);
    }
  }

  private final Path dir;

  CliHomes(Path dir) {
    this.dir = dir;
  }

  /** {@code safehouse --home DIR/HOME ARGS}, with {@code stdin} as its standard input. */
  Run run(String home, String stdin, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    String[] full =
        Stream.concat(Stream.of("--home", dir.resolve(home).toString()), Stream.of(args))
            .toArray(String[]::new);
    int exit =
        SafehouseCli.run(
            new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)),
            new PrintWriter(out, true),
            new PrintWriter(err, true),
            ENV,
            full);
    return new Run(exit, out.toString().lines().toList(), err.toString().lines().toList());
  }

  /** {@code echo TEXT | safehouse --home DIR/HOME send PEER}. */
  Run send(String home, String peer, String text) {
    return run(home, text + "\n", "send", peer);
  }

  /** Runs a command that must succeed. */
  Run ok(String home, String... args) {
    Run r = run(home, "", args);
    assertEquals(0, r.exit(), "safehouse " + String.join(" ", args) + ": " + r.err());
    return r;
  }

  /** Runs a command that must fail with exit 1 and one line on stderr. */
  Run fails(String home, String... args) {
    Run r = run(home, "", args);
    assertEquals(1, r.exit(), "safehouse " + String.join(" ", args) + " should fail: " + r.out());
    assertEquals(1, r.err().size(), r.err().toString());
    return r;
  }

  /** The account id of {@code home}, from {@code whoami}. */
  String accountId(String home) {
    String[] w = ok(home, "whoami").line().trim().split("\\s+");
    return w[w.length - 1];
  }
}
