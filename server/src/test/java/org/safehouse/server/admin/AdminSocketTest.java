package org.safehouse.server.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.safehouse.server.SafehouseServer;
import org.safehouse.server.account.Role;
import org.safehouse.server.testing.FakeClock;
import org.safehouse.server.testing.RawClient;
import org.safehouse.server.testing.TestServers;

/** Item 9: a stuck local process cannot block the admin socket, and it is never open to others. */
@Timeout(60)
class AdminSocketTest {
  @TempDir Path dir;
  private final List<AutoCloseable> closeAtEnd = new ArrayList<>();

  @AfterEach
  void closeAll() throws Exception {
    for (AutoCloseable c : closeAtEnd) {
      c.close();
    }
  }

  private <T extends AutoCloseable> T keep(T c) {
    closeAtEnd.add(0, c);
    return c;
  }

  private SocketChannel connect(Path socket) throws IOException {
    SocketChannel c = keep(SocketChannel.open(StandardProtocolFamily.UNIX));
    c.connect(UnixDomainSocketAddress.of(socket));
    return c;
  }

  private static void send(SocketChannel c, String text) throws IOException {
    ByteBuffer b = ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
    while (b.hasRemaining()) {
      c.write(b);
    }
  }

  /** Everything the server sends until it closes the connection. */
  private static String readToEnd(SocketChannel c) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteBuffer b = ByteBuffer.allocate(4096);
    try {
      for (int n; (n = c.read(b.clear())) >= 0; ) {
        out.write(b.array(), 0, n);
      }
    } catch (IOException e) {
      // A reset after the server closed with our bytes unread also ends the stream.
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  /**
   * Sends a request and reads the answer. A connection over the cap is answered and closed at once,
   * possibly before our request is written, so a broken pipe while sending still reads the answer
   * the server left.
   */
  private static String askTolerantly(SocketChannel c, String text) {
    try {
      send(c, text);
    } catch (IOException e) {
      // The server already answered and closed; what it wrote is still readable.
    }
    return readToEnd(c);
  }

  @Test
  void aStalledClientDoesNotHoldUpARevocationFromAnother() throws Exception {
    SafehouseServer server = keep(TestServers.start(dir.resolve("data"), new FakeClock()));
    RawClient.Device worker = TestServers.enroll(server, Role.CASEWORKER);
    Path socket = server.config().adminSocket();
    // One local process connected and says nothing; another sent half a line and stalls.
    connect(socket);
    send(connect(socket), "sta");

    List<String> out =
        AdminClient.request(socket, "revoke " + HexFormat.of().formatHex(worker.accountId));
    assertEquals(List.of("revoked; 0 queued messages deleted"), out);
    assertEquals(List.of("accounts 0"), AdminClient.request(socket, "stats").subList(0, 1));
  }

  @Test
  void anOverLongRequestLineGetsAnErrorAndIsClosed() throws Exception {
    SafehouseServer server = keep(TestServers.start(dir.resolve("data"), new FakeClock()));
    SocketChannel c = connect(server.config().adminSocket());
    send(c, "stats " + "x".repeat(AdminSocket.MAX_LINE_BYTES * 3));
    assertEquals(
        "error the request line is longer than " + AdminSocket.MAX_LINE_BYTES + " bytes\n",
        readToEnd(c));
    assertTrue(AdminClient.request(server.config().adminSocket(), "stats").size() == 4);
  }

  @Test
  void aStalledClientIsClosedAfterTheTimeoutWhileOthersAreAnswered() throws Exception {
    Path socket = dir.resolve("admin.sock");
    keep(AdminSocket.start(socket, line -> List.of("ok", "echo " + line), Duration.ofMillis(300)));
    SocketChannel silent = connect(socket);
    SocketChannel half = connect(socket);
    send(half, "sta");

    assertEquals(List.of("echo stats"), AdminClient.request(socket, "stats"));
    assertEquals("", readToEnd(half), "closed without an answer");
    assertEquals("", readToEnd(silent), "closed without an answer");
  }

  @Test
  void connectionsBeyondTheCapAreToldToRetryAndTheCapFreesUp() throws Exception {
    Path socket = dir.resolve("admin.sock");
    keep(AdminSocket.start(socket, line -> List.of("ok", "echo " + line), Duration.ofSeconds(30)));
    List<SocketChannel> stalled = new ArrayList<>();
    for (int i = 0; i < AdminSocket.MAX_CONNECTIONS; i++) {
      stalled.add(connect(socket));
    }
    // The accept loop may not have taken all of them yet; the next one is refused once it has.
    String refused = "";
    for (int tries = 0; tries < 100 && refused.isEmpty(); tries++) {
      refused = askTolerantly(connect(socket), "stats\n");
      if (refused.startsWith("ok")) {
        refused = "";
        Thread.sleep(20);
      }
    }
    assertTrue(refused.startsWith("error too many admin connections"), refused);

    stalled.get(0).close();
    String answered = "";
    for (int tries = 0; tries < 100 && !answered.startsWith("ok"); tries++) {
      answered = askTolerantly(connect(socket), "stats\n");
      if (!answered.startsWith("ok")) {
        Thread.sleep(20);
      }
    }
    assertEquals("ok\necho stats\n", answered);
  }

  @Test
  void theSocketIsOwnerOnlyAndNoStagingFolderIsLeftBehind() throws Exception {
    Path socket = dir.resolve("admin.sock");
    // A stale socket file of a killed server is replaced.
    Files.writeString(socket, "stale");
    keep(AdminSocket.start(socket, line -> List.of("ok"), Duration.ofSeconds(5)));
    assertEquals(
        PosixFilePermissions.fromString("rw-------"), Files.getPosixFilePermissions(socket));
    try (Stream<Path> entries = Files.list(dir)) {
      assertEquals(List.of(socket), entries.toList());
    }
    assertEquals(List.of(), AdminClient.request(socket, "stats"));
  }
}
