package org.safehouse.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.safehouse.protocol.wire.Delivery;
import org.safehouse.protocol.wire.ErrorCode;
import org.safehouse.server.testing.ChildServer;
import org.safehouse.server.testing.ChildServer.Result;
import org.safehouse.server.testing.RawClient;

/**
 * No acknowledged message is lost on {@code kill -9}: a child server is killed in the middle of a
 * pipelined burst of sends, restarted on the same data folder, and every send it answered OK must
 * reach the recipient.
 */
@Timeout(90)
class CrashSafetyTest {
  private static final int CYCLES = 3;
  private static final int IN_FLIGHT = 200;
  private static final Duration SENDING = Duration.ofSeconds(1);
  private static final Duration DRAINED = Duration.ofMillis(1500);
  private static final byte[] CIPHERTEXT = new byte[64];

  @TempDir Path tmp;
  private final List<ChildServer> children = new ArrayList<>();

  @AfterEach
  void killChildren() {
    children.forEach(ChildServer::close);
  }

  private ChildServer start(Path data, Path config) throws Exception {
    ChildServer s = ChildServer.start(data, config);
    children.add(s);
    return s;
  }

  @Test
  void everySendAnsweredOkSurvivesKillDashNine() throws Exception {
    Path data = tmp.resolve("data");
    // Far above what one connection can send here, so no send is refused as RATE_LIMITED.
    Path config =
        Files.writeString(
            tmp.resolve("safehouse.conf"),
            "limits.requests-per-second = 100000\nlimits.sends-per-account-per-second = 100000\n",
            StandardCharsets.UTF_8);
    ChildServer server = start(data, config);
    RawClient.Device worker = server.enrollInvited("caseworker");
    RawClient.Device client = server.enrollClient(worker);

    for (int cycle = 0; cycle < CYCLES; cycle++) {
      Set<Long> acknowledged = sendUntilKilled(server, worker, client, cycle);
      assertFalse(acknowledged.isEmpty(), "cycle " + cycle + ": no send was answered");

      // The killed server left its store LOCK and admin.sock behind; neither blocks a restart.
      server = start(data, config);
      Set<Long> delivered = drain(server, client, cycle);
      // Not asserted (no test asserts a duration); the surefire output file keeps it for reading.
      System.out.printf(
          "cycle %d: %d sends answered OK before kill -9, %d of this cycle delivered after restart%n",
          cycle, acknowledged.size(), delivered.size());
      Set<Long> lost = new TreeSet<>(acknowledged);
      lost.removeAll(delivered);
      assertTrue(
          lost.isEmpty(),
          "cycle "
              + cycle
              + ": "
              + lost.size()
              + " of "
              + acknowledged.size()
              + " acknowledged sends were lost, first "
              + lost.stream().limit(10).toList());
    }
  }

  /**
   * Keeps {@link #IN_FLIGHT} sends outstanding and SIGKILLs the server after {@link #SENDING},
   * while sends are still going out; returns the sequence numbers of the sends answered OK before
   * it died.
   */
  private Set<Long> sendUntilKilled(
      ChildServer server, RawClient.Device worker, RawClient.Device client, int cycle)
      throws Exception {
    Set<Long> ok = ConcurrentHashMap.newKeySet();
    Map<ErrorCode, Integer> refused = new ConcurrentHashMap<>();
    Semaphore window = new Semaphore(IN_FLIGHT);
    try (RawClient w = server.login(worker)) {
      CompletableFuture<Result> killed =
          CompletableFuture.supplyAsync(
              () -> {
                try {
                  Thread.sleep(SENDING.toMillis());
                  return server.kill();
                } catch (Exception e) {
                  throw new CompletionException(e);
                }
              });
      for (long seq = 0; !killed.isDone(); ) {
        if (!window.tryAcquire(50, TimeUnit.MILLISECONDS)) {
          continue; // the server is slow, or dead and about to be reported so
        }
        long s = seq++;
        w.requestAsync(RawClient.sendFrame(client.accountId, CIPHERTEXT, messageId(cycle, s), 0))
            .whenComplete(
                (r, e) -> {
                  if (r != null && r.getError() == ErrorCode.OK) {
                    ok.add(s);
                  } else if (r != null) {
                    refused.merge(r.getError(), 1, Integer::sum);
                  }
                  window.release();
                });
      }
      assertEquals(137, killed.get().exitCode(), "exit status of a SIGKILLed process");
    }
    assertEquals(Map.of(), refused, "sends refused");
    return Set.copyOf(ok);
  }

  /** Logs in as {@code client}, acks everything, and returns the sequence numbers of this cycle. */
  private static Set<Long> drain(ChildServer server, RawClient.Device client, int cycle)
      throws Exception {
    Set<Long> delivered = new HashSet<>();
    try (RawClient c = server.login(client)) {
      List<Long> unacked = new ArrayList<>();
      for (Delivery d; (d = c.nextDelivery(DRAINED)) != null; ) {
        ByteBuffer id = ByteBuffer.wrap(d.getClientMessageId().toByteArray());
        if (id.getLong() == cycle) {
          delivered.add(id.getLong());
        }
        unacked.add(d.getDeliveryId());
        // Ack in batches, but never sit on a batch while waiting: the delivery window would stall.
        if (unacked.size() >= 32 || c.pendingDeliveries() == 0) {
          c.ack(unacked.stream().mapToLong(Long::longValue).toArray());
          unacked.clear();
        }
      }
    }
    return delivered;
  }

  private static byte[] messageId(int cycle, long seq) {
    return ByteBuffer.allocate(16).putLong(cycle).putLong(seq).array();
  }
}
