package org.safehouse.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import org.safehouse.protocol.wire.Delivery;
import org.safehouse.protocol.wire.ErrorCode;
import org.safehouse.server.account.Role;
import org.safehouse.server.testing.RawClient;
import org.safehouse.server.testing.TestServers;

/** The check every hostile-input test ends with: fresh clients can still enroll, send, receive. */
final class StillServing {
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final Duration WAIT = Duration.ofSeconds(5);

  private StillServing() {}

  static byte[] randomId() {
    byte[] b = new byte[16];
    RANDOM.nextBytes(b);
    return b;
  }

  /** Enrolls two new accounts, sends from one to the other and checks the delivery arrives. */
  static void assertServes(SafehouseServer server) throws Exception {
    RawClient.Device worker = enroll(server, Role.CASEWORKER);
    RawClient.Device client = enrollClient(server, worker);
    byte[] text = ("still serving " + RANDOM.nextLong()).getBytes(StandardCharsets.UTF_8);
    try (RawClient w = login(server, worker);
        RawClient c = login(server, client)) {
      assertEquals(ErrorCode.OK, w.send(client.accountId, text, randomId()).getError());
      Delivery d = c.nextDelivery(WAIT);
      assertNotNull(d, "the delivery to a fresh client did not arrive");
      assertArrayEquals(text, d.getCiphertext().toByteArray());
      c.ack(d.getDeliveryId());
    }
  }

  // A server with a connection cap counts a closed connection free only once it sees the close,
  // so connecting right after closing may still be refused for a moment: retry briefly.
  private static RawClient.Device enroll(SafehouseServer server, Role role) throws Exception {
    return retrying(() -> TestServers.enroll(server, role));
  }

  private static RawClient.Device enrollClient(SafehouseServer server, RawClient.Device worker)
      throws Exception {
    return retrying(() -> TestServers.enrollClient(server, worker));
  }

  private static RawClient login(SafehouseServer server, RawClient.Device device) throws Exception {
    return retrying(() -> TestServers.login(server, device));
  }

  private interface Attempt<T> {
    T run() throws Exception;
  }

  private static <T> T retrying(Attempt<T> attempt) throws Exception {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (true) {
      try {
        return attempt.run();
      } catch (IOException e) {
        if (System.nanoTime() > deadline) {
          throw e;
        }
        Thread.sleep(20);
      }
    }
  }
}
