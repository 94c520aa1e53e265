package org.safehouse.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
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

/**
 * Issue 15 from the command line: link, list, both devices receive, a file sent from one device
 * shows on the other, limit, ghost, unlink.
 */
@Timeout(180)
class LinkedDevicesCliTest {
  @TempDir Path dir;
  private SafehouseServer server;
  private CliHomes cli;

  @BeforeEach
  void start() throws Exception {
    server = TestServers.start(dir.resolve("server"), new FakeClock());
    cli = new CliHomes(dir);
  }

  @AfterEach
  void stop() {
    server.close();
  }

  @Test
  void aSecondDeviceIsLinkedReceivesAndIsUnlinked() throws Exception {
    cli.ok("phone", "enroll", server.createInvite(Role.ADMIN).toString());
    cli.ok("colleague", "enroll", cli.ok("phone", "invite", "--role", "caseworker").line());
    String me = cli.accountId("phone");
    String colleague = cli.accountId("colleague");

    // The new device prints its code and waits; the phone approves it.
    String serverLink = cli.ok("phone", "server-link").line();
    StringWriter linkOut = new StringWriter();
    StringWriter linkErr = new StringWriter();
    CompletableFuture<Integer> linking =
        CompletableFuture.supplyAsync(
            () ->
                SafehouseCli.run(
                    new ByteArrayInputStream(new byte[0]),
                    new PrintWriter(linkOut, true),
                    new PrintWriter(linkErr, true),
                    CliHomes.ENV,
                    "--home",
                    dir.resolve("laptop").toString(),
                    "link",
                    serverLink,
                    "--wait",
                    "60s"));
    String code = awaitCode(linkOut);
    assertEquals("approved as device 2", cli.ok("phone", "approve-link", code).line());
    assertEquals(0, linking.get(60, TimeUnit.SECONDS), linkErr.toString());
    assertTrue(
        linkOut.toString().contains("linked as device 2 of admin " + me), linkOut.toString());
    assertEquals(List.of("1\tother\tsigned", "2\tthis\tsigned"), cli.ok("laptop", "devices").out());

    // Both devices receive what is sent to the person.
    assertEquals(0, cli.send("colleague", me, "to both").exit());
    assertEquals(List.of(colleague + "\tto both"), cli.ok("phone", "receive", "--wait", "5").out());
    assertEquals(
        List.of(colleague + "\tto both"), cli.ok("laptop", "receive", "--wait", "5").out());

    // A file sent from the phone is listed on the laptop as sent by this account; it downloads.
    byte[] scan = "passport scan".getBytes(StandardCharsets.UTF_8);
    Path file = Files.write(dir.resolve("scan.pdf"), scan);
    String fileId = cli.ok("phone", "send-file", colleague, file.toString()).line();
    cli.ok("laptop", "receive", "--wait", "1");
    assertEquals(
        List.of(fileId + "\t" + me + "\t" + scan.length + "\tscan.pdf"),
        cli.ok("laptop", "files").out());
    Path got = dir.resolve("on-the-laptop.pdf");
    assertEquals(
        got.toString(), cli.ok("laptop", "download", fileId, "--to", got.toString()).line());
    assertArrayEquals(scan, Files.readAllBytes(got));

    // Unlinked from the phone: the laptop is told, in one line, that it is out.
    assertEquals("device 2 unlinked", cli.ok("phone", "unlink-device", "2").line());
    CliHomes.Run out = cli.fails("laptop", "receive", "--wait", "1");
    assertTrue(out.err().get(0).contains("no longer knows this device"), out.err().toString());
    assertEquals(List.of("1\tthis\tsigned"), cli.ok("phone", "devices").out());
    assertTrue(
        cli.fails("phone", "unlink-device", "1").err().get(0).contains("only device"),
        "the last device cannot be unlinked");
  }

  @Test
  void aClientCannotLinkASecondDeviceAndAGhostDeviceIsReported() throws Exception {
    cli.ok("worker", "enroll", server.createInvite(Role.CASEWORKER).toString());
    cli.ok("client", "enroll", cli.ok("worker", "invite").line());
    String worker = cli.accountId("worker");
    String client = cli.accountId("client");

    String code =
        org.safehouse.sdk.SafehouseClient.requestLink(
                cli.ok("client", "server-link").line(), org.safehouse.sdk.ClientOptions.defaults())
            .code();
    CliHomes.Run limit = cli.fails("client", "approve-link", code);
    assertTrue(limit.err().get(0).contains("as many devices"), limit.err().toString());

    // A device the server adds to the caseworker on its own gets nothing the client could read,
    // and the client is told.
    injectGhost(worker, 2);
    CliHomes.Run sent = cli.send("client", worker, "only for the real device");
    assertEquals(0, sent.exit(), sent.err().toString());
    assertTrue(
        sent.err().stream().anyMatch(l -> l.startsWith("warning: device(s) [2]")),
        sent.err().toString());
    assertEquals(
        List.of(client + "\tonly for the real device"),
        cli.ok("worker", "receive", "--wait", "5").out());
    assertEquals(
        List.of("1\tthis\tsigned", "2\tother\tNOT-SIGNED"), cli.ok("worker", "devices").out());
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
}
