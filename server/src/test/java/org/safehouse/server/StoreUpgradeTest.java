package org.safehouse.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.safehouse.protocol.wire.Delivery;
import org.safehouse.protocol.wire.ErrorCode;
import org.safehouse.server.store.RelayStore;
import org.safehouse.server.store.StoreFormat;
import org.safehouse.server.store.StoreFormats;
import org.safehouse.server.testing.ChildServer;
import org.safehouse.server.testing.FakeClock;
import org.safehouse.server.testing.RawClient;
import org.safehouse.server.testing.StoreFixture;
import org.safehouse.server.testing.TestServers;

/** Stores written by other releases: release 0.1's opens and is used as it was; a newer one not. */
@Timeout(90)
class StoreUpgradeTest {
  @TempDir Path dir;

  @Test
  void aStoreMadeByRelease01OpensWithThisBuildAndItsClientsSignInAndGetTheirQueuedMessage()
      throws Exception {
    StoreFixture.Unpacked fixture = StoreFixture.unpack("/fixtures/store-format-1.zip", dir);
    // A minute after the fixture was made: its queued message is still waiting.
    FakeClock clock = new FakeClock(StoreFixture.MADE.plus(Duration.ofMinutes(1)));
    assertFalse(
        StoreFormats.stamped(fixture.data().resolve("store")), "release 0.1 wrote no version");
    try (SafehouseServer server = TestServers.start(fixture.data(), clock)) {
      assertEquals(fixture.clients().getProperty("pin"), server.pin(), "same TLS key");
      assertEquals(fixture.clients().getProperty("secret"), server.upgradeSecret());
      assertEquals(StoreFormat.CURRENT, StoreFormats.of(server.store()));
      assertTrue(StoreFormats.stamped(server.store()));
      assertTrue(server.firstAdminInvite().isEmpty(), "not a first start");

      RawClient.Device client = fixture.device("client");
      RawClient.Device worker = fixture.device("caseworker");
      try (RawClient c = TestServers.login(server, client)) {
        Delivery d = c.nextDelivery(Duration.ofSeconds(10));
        assertNotNull(d, "the message queued under release 0.1 is delivered");
        assertArrayEquals(fixture.bytes("message.ciphertext"), d.getCiphertext().toByteArray());
        assertArrayEquals(fixture.bytes("message.id"), d.getClientMessageId().toByteArray());
        assertArrayEquals(worker.accountId, d.getSenderAccountId().toByteArray());
        c.ack(d.getDeliveryId());
      }
      try (RawClient w = TestServers.login(server, worker)) {
        assertEquals(
            ErrorCode.OK,
            w.send(client.accountId, new byte[] {1, 2, 3}, new byte[16]).getError(),
            "the case from release 0.1 still routes");
      }
    }
    // Format 2 added column families. The checkpoint taken before the upgrade is the store as
    // release 0.1 left it, without them, so that release can still open it.
    java.util.List<Path> checkpoints;
    try (java.util.stream.Stream<Path> s = Files.list(fixture.data().resolve("checkpoints"))) {
      checkpoints = s.toList();
    }
    assertEquals(1, checkpoints.size(), checkpoints.toString());
    assertTrue(checkpoints.get(0).getFileName().toString().startsWith("before-format-1-"));
    java.util.Set<String> before = StoreFormats.families(checkpoints.get(0));
    java.util.Set<String> after = StoreFormats.families(fixture.data().resolve("store"));
    assertFalse(before.contains("push"), before.toString());
    assertTrue(after.containsAll(before) && after.contains("push"), after.toString());
    assertFalse(StoreFormats.stamped(checkpoints.get(0)), "the checkpoint is not stamped");
  }

  @Test
  void thisServerRefusesAStoreOfANewerFormatWithOneLineAndExitCode65() throws Exception {
    Path data = dir.resolve("data");
    StoreFormats.makeNewer(data.resolve("store"), StoreFormat.CURRENT + 1);
    // A newer release may also have added a family this one does not know: still one line.
    StoreFormats.addFamily(data.resolve("store"), "from-a-newer-release");
    ChildServer.Result r =
        ChildServer.run(
            dir,
            Duration.ofSeconds(60),
            "serve",
            "--data",
            data.toString(),
            "--listen",
            "127.0.0.1:0");
    assertEquals(Main.EXIT_NEWER_STORE, r.exitCode(), "stderr: " + r.err());
    assertEquals(1, r.err().size(), "one line: " + r.err());
    assertTrue(
        r.err().get(0).startsWith("error: the data folder " + data + " was written by a newer"),
        r.err().get(0));
    assertEquals(java.util.List.of(), r.out(), "it never listened");
    // Refused by the store itself too: it was left at the newer format.
    assertThrows(
        StoreFormat.NewerStoreException.class, () -> RelayStore.open(data.resolve("store")));
  }
}
