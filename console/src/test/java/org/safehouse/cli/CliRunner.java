package org.safehouse.cli;

import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/** The real CLI run in-process, for the console's journeys: a client at a terminal. */
public final class CliRunner {
  /** What one command printed and returned. */
  public record Run(int exit, String out, String err) {}

  private CliRunner() {}

  public static Run run(String passphrase, String stdin, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int exit =
        SafehouseCli.run(
            new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)),
            new PrintWriter(out, true),
            new PrintWriter(err, true),
            Map.of("SAFEHOUSE_PASSPHRASE", passphrase),
            args);
    return new Run(exit, out.toString(), err.toString());
  }
}
