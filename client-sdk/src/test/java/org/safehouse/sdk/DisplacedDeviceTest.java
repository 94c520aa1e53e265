package org.safehouse.sdk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.safehouse.sdk.SdkTesting.PASSPHRASE;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.safehouse.sdk.SafehouseException.Reason;
import org.safehouse.server.account.Role;

/** Two running copies of one device: the newer sign-in wins, and they do not displace in turn. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class DisplacedDeviceTest extends ServerAndClients {

  @Test
  void aDisplacedCopyStopsReconnectingAndSaysSoUntilConnectedByHand() throws Exception {
    startServer();
    Path home = temp.resolve("phone");
    SafehouseClient.enroll(home, PASSPHRASE, server.createInvite(Role.ADMIN).toString()).close();
    Path copy = temp.resolve("stale-copy");
    copyTree(home, copy);

    SafehouseClient older = open(home);
    older.connect();
    SafehouseClient newer = open(copy);
    newer.connect();

    // The older copy is told it was displaced, and stays down: no sign-in storm.
    SafehouseException displaced = awaitDisplaced(older);
    assertEquals(Reason.SIGNED_IN_ELSEWHERE, displaced.reason());
    assertTrue(displaced.getMessage().contains("signed in elsewhere"), displaced.getMessage());
    // Longer than several reconnect backoffs (0.5 s, 1 s, 2 s): the link would have come back.
    Thread.sleep(3_500);
    assertEquals(1, older.link().signIns());
    assertEquals(1, newer.link().signIns());
    newer.contacts();
    SafehouseException stillDown =
        assertThrows(SafehouseException.class, () -> older.receive(Duration.ofMillis(200)));
    assertEquals(Reason.SIGNED_IN_ELSEWHERE, stillDown.reason());

    // An explicit connect still works, and displaces the other copy in turn, once.
    older.connect();
    older.contacts();
    assertEquals(Reason.SIGNED_IN_ELSEWHERE, awaitDisplaced(newer).reason());
    Thread.sleep(1_500);
    assertEquals(2, older.link().signIns());
    assertEquals(1, newer.link().signIns());
  }

  /** Calls the server until the link refuses with SIGNED_IN_ELSEWHERE; returns that refusal. */
  private static SafehouseException awaitDisplaced(SafehouseClient client) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (System.nanoTime() < deadline) {
      try {
        client.contacts();
      } catch (SafehouseException e) {
        if (e.reason() == Reason.SIGNED_IN_ELSEWHERE) {
          return e;
        }
      } catch (IOException e) {
        // The connection broke under the request; the next call sees the outcome.
      }
      Thread.sleep(50);
    }
    throw new AssertionError("the client was not told it signed in elsewhere");
  }

  private SafehouseClient open(Path home) throws Exception {
    SafehouseClient c = SafehouseClient.open(home, PASSPHRASE);
    clients.add(c);
    return c;
  }

  private static void copyTree(Path from, Path to) throws IOException {
    try (Stream<Path> tree = Files.walk(from)) {
      for (Path p : tree.toList()) {
        Path target = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(target);
        } else {
          Files.copy(p, target);
        }
      }
    }
  }
}
