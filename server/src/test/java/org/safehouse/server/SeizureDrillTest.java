package org.safehouse.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.SecureRandom;
import java.security.interfaces.ECPrivateKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.safehouse.protocol.wire.ClientFrame;
import org.safehouse.protocol.wire.DeleteAccount;
import org.safehouse.protocol.wire.Delivery;
import org.safehouse.protocol.wire.ErrorCode;
import org.safehouse.protocol.wire.Response;
import org.safehouse.protocol.wire.Role;
import org.safehouse.server.account.AccountId;
import org.safehouse.server.account.DeviceAddress;
import org.safehouse.server.account.InviteLink;
import org.safehouse.server.message.StoredMessage;
import org.safehouse.server.store.RelayStore;
import org.safehouse.server.store.StoreInspector;
import org.safehouse.server.testing.ChildServer;
import org.safehouse.server.testing.RawClient;
import org.safehouse.server.testing.TestServers;

/**
 * The seizure drill: after conversations, deliveries and acks, an expiry, a panic delete and
 * invites (one redeemed, one not), the server is killed with {@code kill -9} and every byte of its
 * data folder and of its log is searched for what a seized server must not yield: the content of
 * delivered, expired and deleted messages, client IP addresses, invite codes, and the TLS private
 * key anywhere but its own file.
 *
 * <p>Messages still pending are stored encrypted under their expiry hour's key, so their markers
 * must not be found either. They are the positive control: the scan must find their encrypted bytes
 * (the mailbox is stored uncompressed), and the store, opened again, must still deliver them.
 */
@Timeout(120)
class SeizureDrillTest {
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final Duration WAIT = Duration.ofSeconds(2);

  @TempDir Path tmp;
  private ChildServer server;

  @AfterEach
  void kill() {
    if (server != null) {
      server.close();
    }
  }

  @Test
  void aSeizedServerHoldsNoDeliveredExpiredOrDeletedMessageNoAddressNoInviteCodeNoStrayKey()
      throws Exception {
    Path data = tmp.resolve("data");
    Path config =
        Files.writeString(
            tmp.resolve("safehouse.conf"),
            "sweeper.interval = 200ms\nstore.purge-interval = 500ms\n",
            StandardCharsets.UTF_8);
    // The drill waits for the sweeper's and the purge's lines, which the shipped log holds at
    // DEBUG (a quiet journald log); more lines are only more for it to search.
    server = ChildServer.start(data, config, 0, List.of("-Dsafehouse.log.level=DEBUG"));

    // ---- accounts and invites: codes are remembered to search for them later
    List<byte[]> inviteCodes = new ArrayList<>();
    // The operator enrolls with the first admin invite; its file then goes (it held the code).
    byte[] firstCode = server.awaitFirstAdminInvite().orElseThrow().code();
    inviteCodes.add(firstCode);
    server.enroll(firstCode);
    for (int i = 0; i < 200 && Files.exists(server.firstAdminInviteFile()); i++) {
      Thread.sleep(50);
    }
    byte[] workerCode = adminInvite("caseworker");
    inviteCodes.add(workerCode);
    RawClient.Device worker = server.enroll(workerCode);
    byte[] clientCode;
    byte[] doomedCode;
    byte[] unusedCode;
    try (RawClient w = server.login(worker)) {
      clientCode = TestServers.inviteOverWire(w, Role.CLIENT);
      doomedCode = TestServers.inviteOverWire(w, Role.CLIENT);
      unusedCode = TestServers.inviteOverWire(w, Role.CLIENT);
    }
    inviteCodes.addAll(List.of(clientCode, doomedCode, unusedCode));
    RawClient.Device client = server.enroll(clientCode);
    RawClient.Device doomed = server.enroll(doomedCode);

    Map<String, byte[]> forbidden = new LinkedHashMap<>();
    // ---- delivered and acknowledged, both ways
    byte[] deliveredToClient = marker("delivered-to-client");
    byte[] deliveredToWorker = marker("delivered-to-worker");
    forbidden.put("delivered message (to client)", deliveredToClient);
    forbidden.put("delivered message (to caseworker)", deliveredToWorker);
    try (RawClient w = server.login(worker);
        RawClient c = server.login(client)) {
      assertOk(w.send(client.accountId, ciphertext(deliveredToClient), id()));
      receiveAndAck(c, deliveredToClient);
      assertOk(c.send(worker.accountId, ciphertext(deliveredToWorker), id()));
      receiveAndAck(w, deliveredToWorker);
    }

    // ---- expired while the client was away (TTL 1 s), removed by the sweeper
    byte[] expired = marker("expired");
    forbidden.put("expired message", expired);
    byte[] pending = marker("pending");
    forbidden.put("pending message in clear", pending);
    try (RawClient w = server.login(worker)) {
      assertOk(w.request(RawClient.sendFrame(client.accountId, ciphertext(expired), id(), 1)));
      // Still pending at the seizure: a seized server may show it (the positive control).
      assertOk(w.send(client.accountId, ciphertext(pending), id()));
    }
    Thread.sleep(1200);
    awaitLog("removed 1 expired messages", 0);

    // ---- a panic delete: the client's queue (delivered but not acked) and what it sent
    byte[] toDoomed = marker("queued-for-deleted-client");
    byte[] fromDoomed = marker("sent-by-deleted-client");
    forbidden.put("message queued for a deleted client", toDoomed);
    forbidden.put("message sent by a deleted client, still queued", fromDoomed);
    try (RawClient w = server.login(worker)) {
      assertOk(w.send(doomed.accountId, ciphertext(toDoomed), id()));
    }
    try (RawClient d = server.login(doomed)) {
      Delivery got = d.nextDelivery(WAIT);
      assertNotNull(got, "the doomed client gets its message before the panic delete");
      assertOk(d.send(worker.accountId, ciphertext(fromDoomed), id()));
      Response r = d.request(ClientFrame.newBuilder().setDeleteAccount(DeleteAccount.newBuilder()));
      assertEquals(ErrorCode.OK, r.getError(), r.getMessage());
    }

    // ---- wait for a purge that started after the panic delete, then kill -9. The first purge
    // logged after this point may have started before it; the next one started after that one
    // ended. A purge runs only if something was written since the last, so write once more.
    int purges = count("purged the store");
    awaitLog("purged the store", purges);
    byte[] pendingToo = marker("pending-too");
    forbidden.put("second pending message in clear", pendingToo);
    try (RawClient w = server.login(worker)) {
      assertOk(w.send(client.accountId, ciphertext(pendingToo), id()));
    }
    awaitLog("purged the store", purges + 1);
    ChildServer.Result killed = server.kill();
    assertEquals(137, killed.exitCode());

    // ---- what must not be anywhere
    String ip = "127.0.0.1";
    forbidden.put("client IP address", ip.getBytes(StandardCharsets.US_ASCII));
    for (int i = 0; i < inviteCodes.size(); i++) {
      byte[] code = inviteCodes.get(i);
      forbidden.put("invite code " + i + " (raw)", code);
      forbidden.put(
          "invite code " + i + " (base64url)",
          Base64.getUrlEncoder()
              .withoutPadding()
              .encodeToString(code)
              .getBytes(StandardCharsets.US_ASCII));
    }
    Path keyFile = data.resolve("tls").resolve("key.pem");
    byte[] keyDer = pemBody(Files.readString(keyFile));
    ECPrivateKey key =
        (ECPrivateKey)
            KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(keyDer));
    Map<String, byte[]> keyForms = new LinkedHashMap<>();
    keyForms.put("TLS private key (PKCS#8 DER)", keyDer);
    keyForms.put("TLS private key (scalar)", unsigned32(key.getS()));
    String pemLine = Files.readAllLines(keyFile).get(2); // a whole 64-character line of the body
    keyForms.put("TLS private key (PEM text)", pemLine.getBytes(StandardCharsets.US_ASCII));

    List<String> found = new ArrayList<>();
    List<byte[]> scanned = new ArrayList<>();
    List<Path> files;
    try (Stream<Path> walk = Files.walk(data)) {
      files = walk.filter(Files::isRegularFile).toList();
    }
    for (Path f : files) {
      byte[] bytes = Files.readAllBytes(f);
      scanned.add(bytes);
      String name = data.relativize(f).toString();
      forbidden.forEach(
          (what, needle) -> {
            if (StoreInspector.indexOf(bytes, needle) >= 0) {
              found.add(what + " in " + name);
            }
          });
      if (!f.equals(keyFile)) {
        keyForms.forEach(
            (what, needle) -> {
              if (StoreInspector.indexOf(bytes, needle) >= 0) {
                found.add(what + " in " + name);
              }
            });
      }
    }

    // The server's log (stderr) and its output. Two start-up lines on stdout are exempt: the one
    // naming the server's own listen address (127.0.0.1 here, like the clients) and the first
    // admin invite (printed by design: it is how the operator gets in; never redeemed here).
    List<String> output = new ArrayList<>(killed.err());
    for (String line : killed.out()) {
      if (!line.startsWith("Safehouse relay listening on ") && !line.startsWith("safehouse://")) {
        output.add(line);
      }
    }
    byte[] log = String.join("\n", output).getBytes(StandardCharsets.UTF_8);
    forbidden.forEach(
        (what, needle) -> {
          if (StoreInspector.indexOf(log, needle) >= 0) {
            found.add(what + " in the server's log");
          }
        });
    keyForms.forEach(
        (what, needle) -> {
          if (StoreInspector.indexOf(log, needle) >= 0) {
            found.add(what + " in the server's log");
          }
        });

    System.out.printf(
        "seizure drill: scanned %d files (%d bytes) and %d log lines%n",
        files.size(),
        files.stream().mapToLong(SeizureDrillTest::size).sum(),
        killed.err().size() + killed.out().size());
    assertEquals(List.of(), found, "a seized server yields what it must not");
    assertTrue(
        files.stream().anyMatch(f -> f.getFileName().toString().endsWith(".sst")),
        "the purge flushed the store into data files");
    assertPendingMessagesWereScannedEncrypted(data, scanned, client, pending, pendingToo);
  }

  /**
   * The positive control: the scan saw the encrypted bytes of every pending copy, and the store,
   * opened again with its key file, still holds both pending messages.
   */
  private static void assertPendingMessagesWereScannedEncrypted(
      Path data, List<byte[]> scanned, RawClient.Device client, byte[]... pending)
      throws Exception {
    try (RelayStore store = RelayStore.open(data.resolve("store"))) {
      List<byte[]> sealed = StoreInspector.mailboxValues(store);
      assertEquals(pending.length, sealed.size(), "pending copies in the store");
      for (byte[] v : sealed) {
        byte[] tail = Arrays.copyOfRange(v, v.length - 32, v.length);
        assertTrue(
            scanned.stream().anyMatch(b -> StoreInspector.indexOf(b, tail) >= 0),
            "the scan saw a pending copy's encrypted bytes (scan sanity)");
      }
      List<StoredMessage> queued =
          store
              .readMailbox(
                  new DeviceAddress(AccountId.of(client.accountId), client.deviceId),
                  0,
                  100,
                  System.currentTimeMillis())
              .messages();
      for (byte[] marker : pending) {
        assertTrue(
            queued.stream().anyMatch(m -> StoreInspector.indexOf(m.ciphertext(), marker) >= 0),
            "a pending message is still stored and readable with its key");
      }
    }
  }

  // ------------------------------------------------------------------ helpers

  private byte[] adminInvite(String role) throws Exception {
    ChildServer.Result r = server.admin("invite", "--role", role);
    assertEquals(0, r.exitCode(), r.toString());
    return InviteLink.parse(r.out().get(0)).code();
  }

  private static void receiveAndAck(RawClient c, byte[] marker) throws Exception {
    Delivery d = c.nextDelivery(WAIT);
    assertNotNull(d, "delivery");
    assertTrue(StoreInspector.indexOf(d.getCiphertext().toByteArray(), marker) >= 0);
    c.ack(d.getDeliveryId());
  }

  private int count(String text) {
    return (int) server.stderrSoFar().stream().filter(l -> l.contains(text)).count();
  }

  /** Waits until more than {@code seen} log lines contain {@code text}. */
  private void awaitLog(String text, int seen) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (count(text) <= seen) {
      assertTrue(
          System.nanoTime() < deadline,
          "no new '" + text + "' in the server log: " + server.stderrSoFar());
      Thread.sleep(50);
    }
  }

  private static void assertOk(Response r) {
    assertEquals(ErrorCode.OK, r.getError(), r.getMessage());
  }

  /** A unique, recognisable byte string to find later. */
  private static byte[] marker(String what) {
    byte[] r = new byte[12];
    RANDOM.nextBytes(r);
    return ("SEIZURE-" + what + "-" + new BigInteger(1, r).toString(36))
        .getBytes(StandardCharsets.US_ASCII);
  }

  /** What a client would send: random-looking bytes, with the marker inside. */
  private static byte[] ciphertext(byte[] marker) {
    byte[] head = new byte[48];
    byte[] tail = new byte[80];
    RANDOM.nextBytes(head);
    RANDOM.nextBytes(tail);
    byte[] out = Arrays.copyOf(head, head.length + marker.length + tail.length);
    System.arraycopy(marker, 0, out, head.length, marker.length);
    System.arraycopy(tail, 0, out, head.length + marker.length, tail.length);
    return out;
  }

  private static byte[] id() {
    byte[] id = new byte[16];
    RANDOM.nextBytes(id);
    return id;
  }

  private static byte[] pemBody(String pem) {
    String b64 = pem.replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
    return Base64.getDecoder().decode(b64);
  }

  private static byte[] unsigned32(BigInteger s) {
    byte[] b = s.toByteArray();
    byte[] out = new byte[32];
    int n = Math.min(32, b.length);
    System.arraycopy(b, b.length - n, out, 32 - n, n);
    return out;
  }

  private static long size(Path f) {
    try {
      return Files.size(f);
    } catch (java.io.IOException e) {
      return 0;
    }
  }
}
