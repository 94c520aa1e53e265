package org.safehouse.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.safehouse.server.SafehouseServer;
import org.safehouse.server.account.Role;
import org.safehouse.server.testing.FakeClock;
import org.safehouse.server.testing.TestServers;
import picocli.CommandLine;

/** What a newcomer expects of the CLI: help everywhere, visible work, no silent changes. */
@Timeout(180)
class CliNewcomerTest {
  private static final Map<String, String> ENV = Map.of("SAFEHOUSE_PASSPHRASE", "correct horse");

  @TempDir Path dir;
  private SafehouseServer server;

  record Run(int exit, List<String> out, List<String> err) {}

  @BeforeEach
  void start() throws Exception {
    server = TestServers.start(dir.resolve("server"), new FakeClock());
  }

  @AfterEach
  void stop() {
    server.close();
  }

  private Run run(boolean interactive, String stdin, String home, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    String[] full =
        home == null
            ? args
            : Stream.concat(Stream.of("--home", dir.resolve(home).toString()), Stream.of(args))
                .toArray(String[]::new);
    int exit =
        SafehouseCli.run(
            new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)),
            new PrintWriter(out, true),
            new PrintWriter(err, true),
            ENV,
            interactive,
            full);
    return new Run(exit, lines(out.toString()), lines(err.toString()));
  }

  private static List<String> lines(String s) {
    List<String> l = new ArrayList<>(Arrays.asList(s.split("\n", -1)));
    if (l.get(l.size() - 1).isEmpty()) {
      l.remove(l.size() - 1);
    }
    return l;
  }

  private Run ok(String home, String... args) {
    Run r = run(false, "", home, args);
    assertEquals(0, r.exit(), String.join(" ", args) + ": " + r.err());
    return r;
  }

  private static String lastWord(String line) {
    String[] w = line.trim().split("\\s+");
    return w[w.length - 1];
  }

  @Test
  void everySubcommandAnswersHelpWithItsUsage() {
    CommandLine root = new CommandLine(new SafehouseCli());
    assertFalse(root.getSubcommands().isEmpty());
    for (String name : root.getSubcommands().keySet()) {
      for (String[] args :
          new String[][] {
            {"--home", dir.resolve("none").toString(), name, "--help"}, {name, "--help"}
          }) {
        Run r = run(false, "", null, args);
        assertEquals(0, r.exit(), name + " --help: " + r.err());
        assertTrue(
            r.out().get(0).startsWith("Usage: safehouse " + name)
                || r.out().get(0).startsWith("Usage: safehouse --home"),
            name + ": " + r.out());
        assertTrue(String.join("\n", r.out()).contains("--help"), name + ": " + r.out());
      }
    }
    // Help needs no --home; every command that does work still does.
    Run noHome = run(false, "", null, "whoami");
    assertEquals(2, noHome.exit());
    assertEquals(1, noHome.err().size(), noHome.err().toString());
    assertTrue(noHome.err().get(0).contains("--home"), noHome.err().toString());
    Run version = run(false, "", null, "--version");
    assertEquals(0, version.exit());
    assertTrue(version.out().get(0).startsWith("safehouse "), version.out().toString());
  }

  @Test
  void unlockingTellsAPersonAtATerminalOnStderrAndLeavesStdoutAndScriptsAlone() throws Exception {
    ok("admin", "enroll", server.createInvite(Role.ADMIN).toString());
    Run atTerminal = run(true, "", "admin", "whoami");
    assertEquals(0, atTerminal.exit(), atTerminal.err().toString());
    assertEquals(1, atTerminal.out().size(), atTerminal.out().toString());
    assertTrue(atTerminal.out().get(0).startsWith("admin "), atTerminal.out().toString());
    assertEquals(1, atTerminal.err().size(), atTerminal.err().toString());
    assertTrue(atTerminal.err().get(0).startsWith("Unlocking"), atTerminal.err().toString());
    // A script (no terminal) keeps stderr for errors only.
    assertEquals(List.of(), ok("admin", "whoami").err());
    Run enrolling =
        run(true, "", "worker", "enroll", server.createInvite(Role.CASEWORKER).toString());
    assertEquals(0, enrolling.exit(), enrolling.err().toString());
    assertTrue(enrolling.err().get(0).contains("takes a few seconds"), enrolling.err().toString());
  }

  @Test
  void aTtlAboveTheServersMaximumIsReportedAsCappedAndOneWithinIsNot() throws Exception {
    ok("admin", "enroll", server.createInvite(Role.ADMIN).toString());
    ok("worker", "enroll", ok("admin", "invite", "--role", "caseworker").out().get(0));
    ok("client", "enroll", ok("worker", "invite").out().get(0));
    String client = lastWord(ok("client", "whoami").out().get(0));
    String max = SafehouseCli.formatDuration(server.config().retentionMax());

    Run capped = run(false, "hello\n", "worker", "send", client, "--ttl", "3650d");
    assertEquals(0, capped.exit(), capped.err().toString());
    assertEquals(
        List.of(
            "note: the server keeps messages at most "
                + max
                + "; --ttl 3650d was capped to "
                + max),
        capped.err());
    Run within = run(false, "hello\n", "worker", "send", client, "--ttl", "1h");
    assertEquals(0, within.exit(), within.err().toString());
    assertEquals(List.of(), within.err());
  }

  @Test
  void approveSaysWhetherItApprovedAChangedIdentity() throws Exception {
    ok("admin", "enroll", server.createInvite(Role.ADMIN).toString());
    ok("worker", "enroll", ok("admin", "invite", "--role", "caseworker").out().get(0));
    String worker = lastWord(ok("worker", "whoami").out().get(0));
    Run r = ok("admin", "safety-number", worker, "--approve");
    assertEquals(2, r.out().size(), r.out().toString());
    assertEquals(
        "nothing to approve: the identity of " + worker + " did not change", r.out().get(1));
  }

  @Test
  void aDeviceWhoseAccountWasDeletedIsToldToWipeAndEnrollAgain() throws Exception {
    ok("admin", "enroll", server.createInvite(Role.ADMIN).toString());
    ok("worker", "enroll", ok("admin", "invite", "--role", "caseworker").out().get(0));
    ok("client", "enroll", ok("worker", "invite").out().get(0));
    String caseId = ok("worker", "cases").out().get(0).substring(0, 32);
    ok("worker", "close-case", caseId);

    Run gone = run(false, "", "client", "receive", "--wait", "1");
    assertEquals(1, gone.exit());
    assertEquals(1, gone.err().size(), gone.err().toString());
    assertTrue(gone.err().get(0).contains("wipe"), gone.err().toString());
    assertTrue(gone.err().get(0).contains("enroll again"), gone.err().toString());
    assertEquals(List.of("wiped"), ok("client", "wipe").out());
  }
}
