package org.safehouse.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.safehouse.server.SafehouseServer;
import org.safehouse.server.account.AccountId;
import org.safehouse.server.account.AccountRecord;
import org.safehouse.server.account.DeviceAddress;
import org.safehouse.server.account.Role;
import org.safehouse.server.testing.FakeClock;
import org.safehouse.server.testing.RawClient;
import org.safehouse.server.testing.TestServers;

/** Issue 15 from the command line: link, list, both devices receive, limit, ghost, unlink. */
@Timeout(180)
class LinkedDevicesCliTest {
  private static final Map<String, String> ENV = Map.of("SAFEHOUSE_PASSPHRASE", "correct horse");

  @TempDir Path dir;
  private SafehouseServer server;

  record Run(int exit, List<String> out, List<String> err) {
    String line() {
      assertEquals(1, out.size(), "expected one line, got " + out + " / " + err);
      return out.get(0);
    }
  }

  @BeforeEach
  void start() throws Exception {
    server = TestServers.start(dir.resolve("server"), new FakeClock());
  }

  @AfterEach
  void stop() {
    server.close();
  }

  @Test
  void aSecondDeviceIsLinkedReceivesAndIsUnlinked() throws Exception {
    ok("phone", "enroll", server.createInvite(Role.ADMIN).toString());
    ok("colleague", "enroll", ok("phone", "invite", "--role", "caseworker").line());
    String me = lastWord(ok("phone", "whoami").line());
    String colleague = lastWord(ok("colleague", "whoami").line());

    // The new device prints its code and waits; the phone approves it.
    String serverLink = ok("phone", "server-link").line();
    StringWriter linkOut = new StringWriter();
    StringWriter linkErr = new StringWriter();
    CompletableFuture<Integer> linking =
        CompletableFuture.supplyAsync(
            () ->
                SafehouseCli.run(
                    new ByteArrayInputStream(new byte[0]),
                    new PrintWriter(linkOut, true),
                    new PrintWriter(linkErr, true),
                    ENV,
                    "--home",
                    dir.resolve("laptop").toString(),
                    "link",
                    serverLink,
                    "--wait",
                    "60s"));
    String code = awaitCode(linkOut);
    assertEquals("approved as device 2", ok("phone", "approve-link", code).line());
    assertEquals(0, linking.get(60, TimeUnit.SECONDS), linkErr.toString());
    assertTrue(
        linkOut.toString().contains("linked as device 2 of admin " + me), linkOut.toString());
    assertEquals(List.of("1\tother\tsigned", "2\tthis\tsigned"), ok("laptop", "devices").out());

    // Both devices receive what is sent to the person.
    assertEquals(0, send("colleague", me, "to both").exit());
    assertEquals(List.of(colleague + "\tto both"), ok("phone", "receive", "--wait", "5").out());
    assertEquals(List.of(colleague + "\tto both"), ok("laptop", "receive", "--wait", "5").out());

    // Unlinked from the phone: the laptop is told, in one line, that it is out.
    assertEquals("device 2 unlinked", ok("phone", "unlink-device", "2").line());
    Run out = fails("laptop", "receive", "--wait", "1");
    assertTrue(out.err().get(0).contains("no longer knows this device"), out.err().toString());
    assertEquals(List.of("1\tthis\tsigned"), ok("phone", "devices").out());
    assertTrue(
        fails("phone", "unlink-device", "1").err().get(0).contains("only device"),
        "the last device cannot be unlinked");
  }

  @Test
  void aClientCannotLinkASecondDeviceAndAGhostDeviceIsReported() throws Exception {
    ok("worker", "enroll", server.createInvite(Role.CASEWORKER).toString());
    ok("client", "enroll", ok("worker", "invite").line());
    String worker = lastWord(ok("worker", "whoami").line());
    String client = lastWord(ok("client", "whoami").line());

    String code =
        org.safehouse.sdk.SafehouseClient.requestLink(
                ok("client", "server-link").line(), org.safehouse.sdk.ClientOptions.defaults())
            .code();
    Run limit = fails("client", "approve-link", code);
    assertTrue(limit.err().get(0).contains("as many devices"), limit.err().toString());

    // A device the server adds to the caseworker on its own gets nothing the client could read,
    // and the client is told.
    injectGhost(worker, 2);
    Run sent = send("client", worker, "only for the real device");
    assertEquals(0, sent.exit(), sent.err().toString());
    assertTrue(
        sent.err().stream().anyMatch(l -> l.startsWith("warning: device(s) [2]")),
        sent.err().toString());
    assertEquals(
        List.of(client + "\tonly for the real device"),
        ok("worker", "receive", "--wait", "5").out());
    assertEquals(List.of("1\tthis\tsigned", "2\tother\tNOT-SIGNED"), ok("worker", "devices").out());
  }

  /** Writes a device straight into the store, as a compelled host could (no keys, no list). */
  private void injectGhost(String accountHex, int deviceId) throws Exception {
    AccountId account = AccountId.of(HexFormat.of().parseHex(accountHex));
    RawClient.Device ghost = new RawClient.Device();
    server
        .store()
        .write(
            tx -> {
              AccountRecord a = tx.account(account).orElseThrow();
              tx.putDevice(new DeviceAddress(account, deviceId), ghost.rawPublicKey());
              tx.putAccount(
                  new AccountRecord(
                      a.id(),
                      a.role(),
                      deviceId + 1,
                      new int[] {1, deviceId},
                      a.team(),
                      a.caseId()),
                  false);
              return null;
            })
        .get();
  }

  private static String awaitCode(StringWriter out) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (System.nanoTime() < deadline) {
      for (String line : out.toString().lines().toList()) {
        if (line.startsWith("link code: ")) {
          return line.substring("link code: ".length());
        }
      }
      Thread.sleep(50);
    }
    throw new AssertionError("no link code printed: " + out);
  }

  private Run cli(String home, String stdin, String... args) {
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

  private Run send(String home, String peer, String text) {
    return cli(home, text + "\n", "send", peer);
  }

  private Run ok(String home, String... args) {
    Run r = cli(home, "", args);
    assertEquals(0, r.exit(), "safehouse " + String.join(" ", args) + ": " + r.err());
    return r;
  }

  private Run fails(String home, String... args) {
    Run r = cli(home, "", args);
    assertEquals(1, r.exit(), "safehouse " + String.join(" ", args) + " should fail: " + r.out());
    assertEquals(1, r.err().size(), r.err().toString());
    return r;
  }

  private static String lastWord(String line) {
    String[] w = line.trim().split("\\s+");
    return w[w.length - 1];
  }
}
