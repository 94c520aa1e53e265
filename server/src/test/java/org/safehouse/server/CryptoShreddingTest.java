package org.safehouse.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.safehouse.protocol.wire.Delivery;
import org.safehouse.protocol.wire.ErrorCode;
import org.safehouse.protocol.wire.Response;
import org.safehouse.server.account.AccountId;
import org.safehouse.server.account.DeviceAddress;
import org.safehouse.server.account.Role;
import org.safehouse.server.config.ConfigFile;
import org.safehouse.server.store.StoreInspector;
import org.safehouse.server.testing.FakeClock;
import org.safehouse.server.testing.RawClient;
import org.safehouse.server.testing.TestServers;
import org.slf4j.LoggerFactory;

/**
 * Crypto-shredding: every queued copy is stored encrypted under the key of its expiry hour, and
 * that key is destroyed once the hour is over. These tests read every byte of the data folder, with
 * no purge ever run, so the copies' encrypted bytes are still in RocksDB's write-ahead log: what
 * makes them unreadable is that their key is nowhere.
 */
@Timeout(60)
class CryptoShreddingTest {
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final Duration WAIT = Duration.ofSeconds(5);
  private static final Duration NOTHING = Duration.ofMillis(300);
  // The test sweeps by hand, and no purge ever runs.
  private static final String NO_PURGE = "store.purge-interval = 365d\nsweeper.interval = 365d\n";

  @TempDir Path tmp;
  private final FakeClock clock = new FakeClock();
  private final ListAppender<ILoggingEvent> log = new ListAppender<>();
  private SafehouseServer server;

  @BeforeEach
  void captureLog() {
    log.start();
    root().addAppender(log);
  }

  @AfterEach
  void stop() {
    root().detachAppender(log);
    if (server != null) {
      server.close();
    }
  }

  @Test
  void expiredMessagesCannotBeReadFromTheRawDiskEvenBeforeAPurge() throws Exception {
    server = start(NO_PURGE);
    Path data = server.config().dataDir();
    RawClient.Device worker = TestServers.enroll(server, Role.CASEWORKER);
    RawClient.Device client = TestServers.enrollClient(server, worker);
    Map<String, byte[]> payloads = new LinkedHashMap<>();
    try (RawClient w = TestServers.login(server, worker)) {
      for (String name : List.of("first", "second", "third")) {
        byte[] marker = marker(name);
        payloads.put(name, marker);
        assertOk(w.request(RawClient.sendFrame(client.accountId, ciphertext(marker), id(), 3600)));
      }
    }

    // ---- pending: stored, in the write-ahead log, but never in clear
    List<byte[]> keys = StoreInspector.bucketKeys(server.store());
    assertEquals(1, keys.size(), "three copies expiring in the same hour share one key");
    byte[] key = keys.get(0);
    List<byte[]> sealed = StoreInspector.mailboxValues(server.store());
    assertEquals(3, sealed.size());
    Map<Path, byte[]> files = readAll(data);
    payloads.forEach((name, marker) -> assertEquals(List.of(), where(files, marker), name));
    assertEquals(
        List.of(Path.of("store", "bucket-keys")),
        where(files, key),
        "the scan sees the key in its file");
    for (byte[] v : sealed) {
      assertFalse(where(files, tail(v)).isEmpty(), "the sealed copy is on disk (WAL)");
      byte[] body = StoreInspector.openWith(key, v, client.accountId, client.deviceId);
      assertNotNull(body, "the bucket key opens the copy");
      assertTrue(payloads.values().stream().anyMatch(m -> StoreInspector.indexOf(body, m) >= 0));
    }

    // ---- the bucket ends; the sweep removes the copies and destroys the key; no purge
    clock.advance(Duration.ofHours(2));
    assertEquals(3, server.sweeper().sweep().get());
    assertEquals(List.of(), StoreInspector.bucketKeys(server.store()));
    Map<Path, byte[]> after = readAll(data);
    assertEquals(List.of(), where(after, key), "the destroyed key is in no file");
    payloads.forEach((name, marker) -> assertEquals(List.of(), where(after, marker), name));
    int stillOnDisk = 0;
    for (byte[] v : sealed) {
      stillOnDisk += where(after, tail(v)).isEmpty() ? 0 : 1;
    }
    assertEquals(3, stillOnDisk, "without a purge the sealed copies are still in the WAL");
    try (RawClient c = TestServers.login(server, client)) {
      assertNull(c.nextDelivery(NOTHING));
    }
    assertLogHoldsNo(key, payloads.values());
  }

  @Test
  void aCopyWhoseKeyWasDestroyedCannotBeReadEvenIgnoringItsExpiry() throws Exception {
    server = start(NO_PURGE);
    RawClient.Device worker = TestServers.enroll(server, Role.CASEWORKER);
    RawClient.Device client = TestServers.enrollClient(server, worker);
    try (RawClient w = TestServers.login(server, worker)) {
      assertOk(w.request(RawClient.sendFrame(client.accountId, ciphertext(marker("x")), id(), 60)));
    }
    DeviceAddress mailbox = new DeviceAddress(AccountId.of(client.accountId), client.deviceId);
    assertEquals(1, server.store().readMailbox(mailbox, 0, 10, clock.millis()).messages().size());

    clock.advance(Duration.ofHours(1).plusMinutes(1));
    assertEquals(1, server.store().destroyExpiredBucketKeys(clock.millis()));
    // Still stored (not swept), but unreadable: a reader asked about a time before its expiry
    // gets nothing.
    assertEquals(1, StoreInspector.mailboxValues(server.store()).size());
    assertEquals(List.of(), server.store().readMailbox(mailbox, 0, 10, 0).messages());
    assertEquals(1, server.sweeper().sweep().get());
    assertEquals(0, server.store().counters().queuedMessages());
  }

  @Test
  void withKeysInMemoryNoKeyReachesTheDiskAndQueuedMessagesAreDroppedOnRestart() throws Exception {
    server = start(NO_PURGE + "store.bucket-keys = memory\n");
    Path data = server.config().dataDir();
    RawClient.Device worker = TestServers.enroll(server, Role.CASEWORKER);
    RawClient.Device client = TestServers.enrollClient(server, worker);
    try (RawClient w = TestServers.login(server, worker)) {
      for (int i = 0; i < 3; i++) {
        assertOk(w.send(client.accountId, ciphertext(marker("m" + i)), id()));
      }
    }
    byte[] key = StoreInspector.bucketKeys(server.store()).get(0);
    assertFalse(Files.exists(data.resolve("store").resolve("bucket-keys")));
    assertEquals(List.of(), where(readAll(data), key));

    server = TestServers.restart(server, clock);
    assertEquals(0, server.store().counters().queuedMessages());
    assertTrue(logged("dropped 3 queued messages"), "the restart says what it dropped");
    try (RawClient c = TestServers.login(server, client)) {
      assertNull(c.nextDelivery(NOTHING));
    }
    try (RawClient w = TestServers.login(server, worker)) {
      assertOk(w.send(client.accountId, "after".getBytes(StandardCharsets.UTF_8), id()));
    }
    try (RawClient c = TestServers.login(server, client)) {
      Delivery d = c.nextDelivery(WAIT);
      assertNotNull(d);
      assertEquals("after", d.getCiphertext().toStringUtf8());
    }
    assertEquals(List.of(), where(readAll(data), key));
  }

  @Test
  void keysOfHoursThatEndedWhileTheServerWasDownAreDestroyedAtStart() throws Exception {
    server = start(NO_PURGE);
    Path keyFile = server.config().storeDir().resolve("bucket-keys");
    RawClient.Device worker = TestServers.enroll(server, Role.CASEWORKER);
    RawClient.Device client = TestServers.enrollClient(server, worker);
    try (RawClient w = TestServers.login(server, worker)) {
      assertOk(w.request(RawClient.sendFrame(client.accountId, ciphertext(marker("a")), id(), 60)));
    }
    byte[] key = StoreInspector.bucketKeys(server.store()).get(0);
    assertTrue(StoreInspector.indexOf(Files.readAllBytes(keyFile), key) >= 0);
    server.close();
    server = null;

    clock.advance(Duration.ofHours(3));
    server = start(NO_PURGE);
    assertEquals(
        -1, StoreInspector.indexOf(Files.readAllBytes(keyFile), key), "destroyed before any sweep");
    assertEquals(List.of(), StoreInspector.bucketKeys(server.store()));
    assertFalse(logged("dropped"), "an expired copy is not reported as lost");
    assertEquals(1, server.sweeper().sweep().get());
  }

  @Test
  void aLostKeyFileDropsTheMessagesItProtectedAndSaysSo() throws Exception {
    server = start(NO_PURGE);
    RawClient.Device worker = TestServers.enroll(server, Role.CASEWORKER);
    RawClient.Device client = TestServers.enrollClient(server, worker);
    try (RawClient w = TestServers.login(server, worker)) {
      assertOk(w.send(client.accountId, ciphertext(marker("a")), id()));
      assertOk(w.send(client.accountId, ciphertext(marker("b")), id()));
    }
    server.close();
    server = null;
    Files.delete(tmp.resolve("data").resolve("store").resolve("bucket-keys"));

    server = start(NO_PURGE);
    assertTrue(logged("dropped 2 queued messages that cannot be read"), "said, not silent");
    assertEquals(0, server.store().counters().queuedMessages());
    try (RawClient w = TestServers.login(server, worker)) {
      assertOk(w.send(client.accountId, "later".getBytes(StandardCharsets.UTF_8), id()));
    }
    try (RawClient c = TestServers.login(server, client)) {
      assertEquals("later", c.nextDelivery(WAIT).getCiphertext().toStringUtf8());
    }
  }

  // ------------------------------------------------------------------ helpers

  private SafehouseServer start(String config) throws Exception {
    Path file = Files.writeString(tmp.resolve("safehouse.conf"), config, StandardCharsets.UTF_8);
    return SafehouseServer.start(
        ConfigFile.load(file, tmp.resolve("data").toString(), "127.0.0.1:0"), clock);
  }

  private static Logger root() {
    return ((LoggerContext) LoggerFactory.getILoggerFactory()).getLogger(Logger.ROOT_LOGGER_NAME);
  }

  private boolean logged(String text) {
    return log.list.stream().anyMatch(e -> e.getFormattedMessage().contains(text));
  }

  /** No log line holds the key (raw, hex, base64) or a payload. */
  private void assertLogHoldsNo(byte[] key, Iterable<byte[]> payloads) {
    List<String> needles = new ArrayList<>();
    needles.add(new String(key, StandardCharsets.ISO_8859_1));
    needles.add(HexFormat.of().formatHex(key));
    needles.add(Base64.getEncoder().encodeToString(key));
    payloads.forEach(p -> needles.add(new String(p, StandardCharsets.US_ASCII)));
    for (ILoggingEvent e : log.list) {
      String line =
          e.getFormattedMessage()
              + (e.getThrowableProxy() == null ? "" : e.getThrowableProxy().getMessage());
      for (String n : needles) {
        assertFalse(line.contains(n), "a log line holds a secret: " + e.getLoggerName());
      }
    }
  }

  private static Map<Path, byte[]> readAll(Path dir) throws Exception {
    Map<Path, byte[]> out = new LinkedHashMap<>();
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path f : walk.filter(Files::isRegularFile).toList()) {
        out.put(dir.relativize(f), Files.readAllBytes(f));
      }
    }
    return out;
  }

  private static List<Path> where(Map<Path, byte[]> files, byte[] needle) {
    return files.entrySet().stream()
        .filter(e -> StoreInspector.indexOf(e.getValue(), needle) >= 0)
        .map(Map.Entry::getKey)
        .toList();
  }

  /** The last 32 bytes of a sealed value: encrypted bytes and tag, unique to that copy. */
  private static byte[] tail(byte[] v) {
    return Arrays.copyOfRange(v, v.length - 32, v.length);
  }

  private static void assertOk(Response r) {
    assertEquals(ErrorCode.OK, r.getError(), r.getMessage());
  }

  private static byte[] marker(String what) {
    byte[] r = new byte[12];
    RANDOM.nextBytes(r);
    return ("SHRED-" + what + "-" + new BigInteger(1, r).toString(36))
        .getBytes(StandardCharsets.US_ASCII);
  }

  /** What a client would send: random-looking bytes, with the marker inside. */
  private static byte[] ciphertext(byte[] marker) {
    byte[] out = new byte[48 + marker.length + 80];
    RANDOM.nextBytes(out);
    System.arraycopy(marker, 0, out, 48, marker.length);
    return out;
  }

  private static byte[] id() {
    byte[] id = new byte[16];
    RANDOM.nextBytes(id);
    return id;
  }
}
