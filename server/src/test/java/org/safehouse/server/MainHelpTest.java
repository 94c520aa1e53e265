package org.safehouse.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** Every command of the server jar, down to each admin subcommand, answers --help. */
class MainHelpTest {

  @Test
  void everyCommandAndAdminSubcommandAnswersHelpWithItsUsage() {
    CommandLine root = new CommandLine(new Main());
    List<List<String>> paths = new ArrayList<>();
    for (Map.Entry<String, CommandLine> e : root.getSubcommands().entrySet()) {
      paths.add(List.of(e.getKey()));
      for (String sub : e.getValue().getSubcommands().keySet()) {
        paths.add(List.of(e.getKey(), sub));
      }
    }
    assertTrue(paths.size() > 5, paths.toString());
    for (List<String> path : paths) {
      CommandLine cl = new CommandLine(new Main());
      StringWriter out = new StringWriter();
      cl.setOut(new PrintWriter(out, true));
      List<String> args = new ArrayList<>(path);
      args.add("--help");
      assertEquals(0, cl.execute(args.toArray(new String[0])), path.toString());
      assertTrue(
          out.toString().startsWith("Usage: safehouse-server " + String.join(" ", path)),
          path + ": " + out);
    }
  }

  @Test
  void serveAloneAnswersHelpAndVersionAsTheWholeCommandDoes() {
    for (String option : List.of("--help", "--version")) {
      CommandLine whole = new CommandLine(new Main());
      StringWriter expected = new StringWriter();
      whole.setOut(new PrintWriter(expected, true));
      assertEquals(0, whole.execute("serve", option));
      PrintStream stdout = System.out;
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
      try {
        assertEquals(0, Main.run("serve", option));
      } finally {
        System.setOut(stdout);
      }
      assertEquals(
          expected.toString().replace(System.lineSeparator(), "\n"),
          out.toString(StandardCharsets.UTF_8).replace(System.lineSeparator(), "\n"));
    }
  }
}
