package org.safehouse.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.safehouse.protocol.wire.Delivery;
import org.safehouse.protocol.wire.ErrorCode;
import org.safehouse.protocol.wire.Response;
import org.safehouse.protocol.wire.Role;
import org.safehouse.server.account.InviteLink;
import org.safehouse.server.testing.ChildServer;
import org.safehouse.server.testing.ChildServer.Result;
import org.safehouse.server.testing.RawClient;

/** The server as an operator runs it: {@code serve} and {@code admin} as separate processes. */
@Timeout(60)
class ServerProcessTest {
  private static final Duration RUN = Duration.ofSeconds(30);
  private static final Duration WAIT = Duration.ofSeconds(5);

  @TempDir Path tmp;
  private final List<ChildServer> children = new ArrayList<>();

  @AfterEach
  void killChildren() {
    children.forEach(ChildServer::close);
  }

  private ChildServer start(Path data) throws Exception {
    return start(data, null);
  }

  private ChildServer start(Path data, Path config) throws Exception {
    ChildServer s = ChildServer.start(data, config);
    children.add(s);
    return s;
  }

  private static void assertRefusedWithOneLine(Result r, String expected) {
    assertNotEquals(0, r.exitCode(), "exit code; stderr " + r.err());
    assertEquals(1, r.err().size(), "stderr lines: " + r.err());
    assertTrue(r.err().get(0).startsWith("error: "), r.err().get(0));
    assertTrue(r.err().get(0).contains(expected), r.err().get(0));
    assertEquals(List.of(), r.out());
  }

  private Result serve(String... extra) throws Exception {
    List<String> args = new ArrayList<>(List.of("serve", "--listen", "127.0.0.1:0"));
    args.addAll(List.of(extra));
    return ChildServer.run(tmp, RUN, args.toArray(String[]::new));
  }

  private Path configFile(String text) throws Exception {
    return Files.writeString(tmp.resolve("safehouse.conf"), text, StandardCharsets.UTF_8);
  }

  private static long count(List<String> lines, String prefix) {
    return lines.stream().filter(l -> l.startsWith(prefix)).count();
  }

  @Test
  void firstStartWritesTheAdminInviteToAnOwnerOnlyFilePrintsOnlyWhereItIsAndDeletesItOnceUsed()
      throws Exception {
    ChildServer server = start(tmp.resolve("data"));
    InviteLink invite = server.awaitFirstAdminInvite().orElseThrow();
    assertEquals(
        PosixFilePermissions.fromString("rw-------"),
        Files.getPosixFilePermissions(server.firstAdminInviteFile()));
    assertEquals("127.0.0.1", invite.server().host());
    assertEquals(server.port(), invite.server().port());
    assertEquals(server.pin(), invite.pin());
    try (RawClient c = server.connect()) {
      Response r = c.enroll(invite.code(), new RawClient.Device());
      assertEquals(ErrorCode.OK, r.getError());
      assertEquals(Role.ADMIN, r.getEnrolled().getRole());
    }

    Result stopped = server.terminate();
    assertEquals(0, stopped.exitCode(), "stderr " + stopped.err());
    assertTrue(stopped.out().get(0).startsWith("Safehouse relay listening on 127.0.0.1:"));
    // The jar's Linux natives carry TLS and the listener (packaging/arm64-check.sh: on aarch64).
    assertTrue(
        stopped
            .out()
            .get(0)
            .endsWith(" (TLS 1.3, BoringSSL, epoll on " + System.getProperty("os.arch") + ")"),
        stopped.out().get(0));
    assertEquals("Pin: " + server.pin(), stopped.out().get(1));
    // Stdout is a pipe here, as under a service manager: the invite is in the file only.
    assertEquals(3, stopped.out().size(), "stdout " + stopped.out());
    assertTrue(
        stopped
            .out()
            .get(2)
            .startsWith("First admin invite written to " + server.firstAdminInviteFile()),
        stopped.out().get(2));
    assertEquals(0, count(stopped.out(), "safehouse://"), "stdout " + stopped.out());
    assertTrue(
        stopped.out().stream().noneMatch(l -> l.contains(invite.toString().split("#")[1])),
        "the invite code is not on stdout");
    assertFalse(Files.exists(server.firstAdminInviteFile()), "deleted once redeemed");
  }

  @Test
  void restartOnTheSameDataFolderPrintsAddressAndPinButNoInvite() throws Exception {
    Path data = tmp.resolve("data");
    ChildServer first = start(data);
    assertTrue(first.awaitFirstAdminInvite().isPresent());
    assertEquals(0, first.terminate().exitCode());

    ChildServer second = start(data);
    Result stopped = second.terminate();
    assertEquals(0, stopped.exitCode(), "stderr " + stopped.err());
    assertEquals(first.pin(), second.pin());
    assertEquals(2, stopped.out().size(), "stdout " + stopped.out());
    assertTrue(stopped.out().get(0).startsWith("Safehouse relay listening on 127.0.0.1:"));
    assertEquals("Pin: " + second.pin(), stopped.out().get(1));
    assertEquals(0, count(stopped.out(), "safehouse://"));
  }

  @Test
  void adminStatsPrintsTheFourCountsOfTheRunningServer() throws Exception {
    ChildServer server = start(tmp.resolve("data"));
    server.enroll(server.awaitFirstAdminInvite().orElseThrow().code());
    RawClient.Device worker = server.enrollInvited("caseworker");
    RawClient.Device client = server.enrollClient(worker);
    try (RawClient w = server.login(worker)) {
      for (int i = 0; i < 3; i++) {
        assertEquals(
            ErrorCode.OK, w.send(client.accountId, bytes("m" + i), messageId(i)).getError());
      }
    }

    Result stats = server.admin("stats");
    assertEquals(0, stats.exitCode(), "stderr " + stats.err());
    assertEquals(
        List.of("accounts 3", "devices 3", "queued_messages 3", "expired_messages_removed 0"),
        stats.out());
    assertEquals(List.of(), stats.err());
  }

  @Test
  void adminInviteForAClientPrintsALinkThatEnrollsAClient() throws Exception {
    ChildServer server = start(tmp.resolve("data"));
    Result r = server.admin("invite", "--role", "client");
    assertEquals(0, r.exitCode(), "stderr " + r.err());
    assertEquals(1, r.out().size(), "stdout " + r.out());
    InviteLink link = InviteLink.parse(r.out().get(0));
    assertEquals(server.port(), link.server().port());
    assertEquals(server.pin(), link.pin());
    try (RawClient c =
        RawClient.connect(link.server().host(), link.server().port(), link.pin(), link.secret())) {
      Response enrolled = c.enroll(link.code(), new RawClient.Device());
      assertEquals(ErrorCode.OK, enrolled.getError());
      assertEquals(Role.CLIENT, enrolled.getEnrolled().getRole());
    }
  }

  @Test
  void adminWithoutARunningServerFailsWithOneLine() throws Exception {
    Path empty = Files.createDirectory(tmp.resolve("never-served"));
    assertRefusedWithOneLine(
        ChildServer.run(tmp, RUN, "admin", "--data", empty.toString(), "stats"),
        "no running Safehouse server");
  }

  @Test
  void adminAfterTheServerWasKilledFailsWithOneLine() throws Exception {
    Path data = tmp.resolve("data");
    assertEquals(137, start(data).kill().exitCode());
    assertTrue(Files.exists(data.resolve("admin.sock")), "a killed server leaves its socket file");
    assertRefusedWithOneLine(
        ChildServer.run(tmp, RUN, "admin", "--data", data.toString(), "stats"),
        "no running Safehouse server answers");
  }

  @Test
  void adminSocketAndDataFolderAreOwnerOnly() throws Exception {
    Path data = tmp.resolve("data");
    start(data);
    assertEquals(
        PosixFilePermissions.fromString("rw-------"),
        Files.getPosixFilePermissions(data.resolve("admin.sock")));
    assertEquals(PosixFilePermissions.fromString("rwx------"), Files.getPosixFilePermissions(data));
    assertEquals(
        PosixFilePermissions.fromString("rw-------"),
        Files.getPosixFilePermissions(data.resolve("store").resolve("bucket-keys")));
  }

  @Test
  void damagedBucketKeyFileIsRefusedWithOneLineAndMovingItAwayDropsWhatItProtectedLoudly()
      throws Exception {
    Path data = tmp.resolve("data");
    ChildServer server = start(data);
    RawClient.Device worker = server.enrollInvited("caseworker");
    RawClient.Device client = server.enrollClient(worker);
    try (RawClient w = server.login(worker)) {
      assertEquals(
          ErrorCode.OK, w.send(client.accountId, bytes("sealed"), messageId(1)).getError());
    }
    assertEquals(0, server.terminate().exitCode());

    Path keys = data.resolve("store").resolve("bucket-keys");
    byte[] b = Files.readAllBytes(keys);
    b[64 + 20] ^= 1; // inside the first key slot
    Files.write(keys, b);
    assertRefusedWithOneLine(
        serve("--data", data.toString()), "the bucket key file " + keys + " is damaged");

    Files.move(keys, tmp.resolve("bucket-keys.damaged"));
    ChildServer restarted = start(data);
    assertTrue(restarted.admin("stats").out().contains("queued_messages 0"));
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (restarted.stderrSoFar().stream()
        .noneMatch(l -> l.contains("dropped 1 queued messages that cannot be read"))) {
      assertTrue(System.nanoTime() < deadline, "not said: " + restarted.stderrSoFar());
      Thread.sleep(50);
    }
  }

  @Test
  void unknownFlagIsRefusedWithOneLine() throws Exception {
    assertRefusedWithOneLine(
        serve("--data", tmp.resolve("data").toString(), "--no-such-flag"), "--no-such-flag");
  }

  @Test
  void listenPortInUseIsRefusedWithOneLine() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"))) {
      Result r =
          ChildServer.run(
              tmp,
              RUN,
              "serve",
              "--data",
              tmp.resolve("data").toString(),
              "--listen",
              "127.0.0.1:" + taken.getLocalPort());
      assertRefusedWithOneLine(r, "already in use");
    }
  }

  @Test
  void dataFolderHeldByAnotherRunningServerIsRefusedWithOneLine() throws Exception {
    Path data = tmp.resolve("data");
    ChildServer running = start(data);
    assertRefusedWithOneLine(serve("--data", data.toString()), "in use by another running");
    // The refused start left the running server and its admin socket alone.
    assertEquals(0, running.admin("stats").exitCode());
  }

  @Test
  void missingConfigFileIsRefusedWithOneLine() throws Exception {
    Path missing = tmp.resolve("missing.conf");
    assertRefusedWithOneLine(
        serve("--data", tmp.resolve("data").toString(), "--config", missing.toString()),
        "cannot read config file " + missing + " (no such file)");
  }

  @Test
  void unreadableConfigFileIsRefusedWithOneLine() throws Exception {
    // A folder in place of the file: unreadable even for root, unlike chmod 000.
    Path folder = Files.createDirectory(tmp.resolve("folder.conf"));
    assertRefusedWithOneLine(
        serve("--data", tmp.resolve("data").toString(), "--config", folder.toString()),
        "cannot read config file");
  }

  @Test
  void configFileWithAnUnknownKeyIsRefusedWithOneLine() throws Exception {
    Path config = configFile("retention.default = 1d\nretention.maximum = 30d\n");
    assertRefusedWithOneLine(
        serve("--data", tmp.resolve("data").toString(), "--config", config.toString()),
        "retention.maximum");
  }

  @Test
  void badDurationInTheConfigFileIsRefusedWithOneLine() throws Exception {
    Path config = configFile("retention.default = 7 days\n");
    assertRefusedWithOneLine(
        serve("--data", tmp.resolve("data").toString(), "--config", config.toString()),
        "retention.default");
  }

  @Test
  void sigtermExitsCleanlyAndAcknowledgedMessagesStayQueued() throws Exception {
    Path data = tmp.resolve("data");
    ChildServer server = start(data);
    RawClient.Device worker = server.enrollInvited("caseworker");
    RawClient.Device client = server.enrollClient(worker);
    try (RawClient w = server.login(worker)) {
      for (int i = 0; i < 5; i++) {
        assertEquals(
            ErrorCode.OK, w.send(client.accountId, bytes("kept" + i), messageId(i)).getError());
      }
    }

    Result stopped = server.terminate();
    assertEquals(0, stopped.exitCode(), "stderr " + stopped.err());
    // A graceful stop removes the admin socket, so admin says plainly that nothing runs.
    assertRefusedWithOneLine(
        ChildServer.run(tmp, RUN, "admin", "--data", data.toString(), "stats"),
        "no running Safehouse server");

    ChildServer restarted = start(data);
    assertTrue(restarted.admin("stats").out().contains("queued_messages 5"));
    try (RawClient c = restarted.login(client)) {
      for (int i = 0; i < 5; i++) {
        Delivery d = c.nextDelivery(WAIT);
        assertNotNull(d, "delivery " + i);
        assertEquals("kept" + i, d.getCiphertext().toStringUtf8());
        c.ack(d.getDeliveryId());
      }
      assertNull(c.nextDelivery(Duration.ofMillis(300)));
    }
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] messageId(int i) {
    return java.nio.ByteBuffer.allocate(16).putLong(8, i).array();
  }
}
