package org.safehouse.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The admin's backup and restore with the shipped jars: {@code admin backup} of a running server,
 * the disk lost, {@code restore} into a new data folder, and the enrolled admin signs in again.
 */
@Timeout(300)
class BackupJarJourneyTest {
  private static final Map<String, String> ENV = Map.of(SafehouseCli.PASSPHRASE_ENV, "horse");
  private static final Pattern LISTENING =
      Pattern.compile("Safehouse relay listening on 127\\.0\\.0\\.1:(\\d+) \\(TLS 1\\.3, .*\\)");
  private static final String BACKUP_PASSPHRASE = "a long backup passphrase\n";

  @TempDir Path dir;
  private Process server;

  @BeforeEach
  void requireJars() {
    Assumptions.assumeTrue(ShippedJars.available(), "runs in the jar-journey execution");
  }

  @AfterEach
  void stop() throws Exception {
    if (server != null && server.isAlive()) {
      server.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
  }

  private ShippedJars.Run serverJar(String stdin, String... args) throws Exception {
    return ShippedJars.run(
        ShippedJars.jar(ShippedJars.SERVER), dir, Map.of(), stdin, List.of(args));
  }

  private ShippedJars.Run cli(String... args) throws Exception {
    List<String> all = new ArrayList<>(List.of("--home", dir.resolve("admin").toString()));
    all.addAll(List.of(args));
    ShippedJars.Run r = ShippedJars.run(ShippedJars.jar(ShippedJars.CLI), dir, ENV, "", all);
    assertEquals(0, r.exit(), "safehouse " + String.join(" ", args) + ": " + r.err());
    return r;
  }

  /** Starts the server jar on {@code port} (0: any) and returns its port and pin line. */
  private String[] startServer(int port) throws Exception {
    List<String> args =
        List.of("serve", "--data", dir.resolve("data").toString(), "--listen", "127.0.0.1:" + port);
    server =
        new ProcessBuilder(ShippedJars.command(ShippedJars.jar(ShippedJars.SERVER), dir, args))
            .redirectErrorStream(true)
            .start();
    BufferedReader out =
        new BufferedReader(new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8));
    String listening = null;
    List<String> screen = new ArrayList<>();
    for (String line; (line = out.readLine()) != null; ) {
      screen.add(line);
      if (LISTENING.matcher(line).matches()) {
        listening = line;
      }
      if (line.startsWith("Pin: ")) {
        Thread drain =
            new Thread(
                () -> {
                  try {
                    out.transferTo(java.io.Writer.nullWriter());
                  } catch (Exception e) {
                    // the process ended
                  }
                });
        drain.setDaemon(true);
        drain.start();
        Matcher m = LISTENING.matcher(listening);
        assertTrue(m.matches(), screen.toString());
        return new String[] {m.group(1), line};
      }
    }
    throw new AssertionError("the server did not start: " + screen);
  }

  private void stopServer() throws Exception {
    server.destroy(); // SIGTERM
    assertTrue(server.waitFor(30, TimeUnit.SECONDS), "the server stops on SIGTERM");
    assertEquals(0, server.exitValue());
  }

  @Test
  void anAdminBacksUpTheRunningRelayLosesTheDiskRestoresAndIsStillSignedIn() throws Exception {
    String[] first = startServer(0);
    Path data = dir.resolve("data");
    String invite = Files.readString(data.resolve("first-admin-invite.txt")).trim();
    cli("enroll", invite);

    Path backup = dir.resolve("backups").resolve("relay.backup");
    ShippedJars.Run b =
        serverJar(
            BACKUP_PASSPHRASE, "admin", "--data", data.toString(), "backup", backup.toString());
    assertEquals(0, b.exit(), b.err());
    assertTrue(b.out().startsWith("backup written to " + backup), b.out());
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(backup)));

    // The disk is lost.
    stopServer();
    try (Stream<Path> s = Files.walk(data)) {
      for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }

    ShippedJars.Run wrong =
        serverJar("not the passphrase\n", "restore", backup.toString(), "--data", data.toString());
    assertEquals(1, wrong.exit());
    assertEquals(List.of("error: wrong passphrase for this backup"), wrong.err().lines().toList());
    ShippedJars.Run r =
        serverJar(BACKUP_PASSPHRASE, "restore", backup.toString(), "--data", data.toString());
    assertEquals(0, r.exit(), r.err());
    assertTrue(r.out().startsWith("restored into " + data + ": accounts 1, devices 1"), r.out());

    String[] again = startServer(Integer.parseInt(first[0]));
    assertEquals(first[1], again[1], "the same pin");
    assertFalse(Files.exists(data.resolve("first-admin-invite.txt")), "not a fresh server");
    // The admin's home folder signs in with its old credentials and works.
    assertTrue(cli("invite", "--role", "caseworker").out().trim().startsWith("safehouse://"));
    stopServer();
  }
}
