package org.safehouse.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
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
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.safehouse.protocol.wire.Delivery;
import org.safehouse.protocol.wire.ErrorCode;
import org.safehouse.server.testing.ChildServer;
import org.safehouse.server.testing.ChildServer.Result;
import org.safehouse.server.testing.RawClient;

/**
 * No acknowledged message is lost on {@code kill -9}: a child server is killed at a random moment
 * in the middle of a pipelined burst of sends, restarted on the same data folder, and every send it
 * answered OK must reach the recipient.
 *
 * <p>A few cycles in CI; {@code -Dsafehouse.crashCycles=200} for the long run (see
 * docs/crash-safety.md). {@code -Dsafehouse.crashSeed=N} repeats a run's kill moments.
 */
class CrashSafetyTest {
  private static final int CYCLES = Integer.getInteger("safehouse.crashCycles", 3);
  private static final long SEED = Long.getLong("safehouse.crashSeed", System.nanoTime());
  private static final int IN_FLIGHT = 200;
  // The kill comes at a random moment up to this long after the first send was answered OK, so
  // every cycle has acknowledged sends to check however slow the box is.
  private static final long MAX_SENDING_MILLIS = 1500;
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
  void everySendAnsweredOkSurvivesKillDashNine() {
    // A few seconds per cycle; 20 s allowed on the 2-core box, plus the first start.
    assertTimeoutPreemptively(
        Duration.ofSeconds(60 + 20L * CYCLES), this::killAndRestartCycles, "seed " + SEED);
  }

  private void killAndRestartCycles() throws Exception {
    Random random = new Random(SEED);
    System.out.printf("crash safety: %d cycles, seed %d%n", CYCLES, SEED);
    long totalAcknowledged = 0;
    Path data = tmp.resolve("data");
    // Far above what one connection can send here, so no send is refused as RATE_LIMITED or, with
    // the client's mailbox filling over the cycles, MAILBOX_FULL.
    Path config =
        Files.writeString(
            tmp.resolve("safehouse.conf"),
            "limits.requests-per-second = 100000\nlimits.sends-per-account-per-second = 100000\n"
                + "quota.mailbox-messages = 2000000000\nquota.mailbox-bytes = 1000000000000\n",
            StandardCharsets.UTF_8);
    ChildServer server = start(data, config);
    RawClient.Device worker = server.enrollInvited("caseworker");
    RawClient.Device client = server.enrollClient(worker);

    for (int cycle = 0; cycle < CYCLES; cycle++) {
      long sendingMillis = (long) (random.nextDouble() * MAX_SENDING_MILLIS);
      Set<Long> acknowledged = sendUntilKilled(server, worker, client, cycle, sendingMillis);
      totalAcknowledged += acknowledged.size();
      assertFalse(acknowledged.isEmpty(), "cycle " + cycle + ": no send was answered");

      // The killed server left its store LOCK and admin.sock behind; neither blocks a restart.
      server = start(data, config);
      Set<Long> delivered = drain(server, client, cycle);
      // Not asserted (no test asserts a duration); the surefire output file keeps it for reading.
      System.out.printf(
          "cycle %d: killed %d ms after the first OK, %d sends answered OK before kill -9, %d of this cycle"
              + " delivered after restart%n",
          cycle, sendingMillis, acknowledged.size(), delivered.size());
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
              + lost.stream().limit(10).toList()
              + " (seed "
              + SEED
              + ")");
    }
    System.out.printf(
        "crash safety: %d cycles, %d sends answered OK, none lost (seed %d)%n",
        CYCLES, totalAcknowledged, SEED);
  }

  /**
   * Keeps {@link #IN_FLIGHT} sends outstanding and SIGKILLs the server {@code sendingMillis} after
   * the first OK, while sends are still going out; returns the sequence numbers of the sends
   * answered OK before it died.
   */
  private Set<Long> sendUntilKilled(
      ChildServer server,
      RawClient.Device worker,
      RawClient.Device client,
      int cycle,
      long sendingMillis)
      throws Exception {
    Set<Long> ok = ConcurrentHashMap.newKeySet();
    Map<ErrorCode, Integer> refused = new ConcurrentHashMap<>();
    Semaphore window = new Semaphore(IN_FLIGHT);
    CompletableFuture<Void> firstOk = new CompletableFuture<>();
    try (RawClient w = server.login(worker)) {
      CompletableFuture<Result> killed =
          CompletableFuture.supplyAsync(
              () -> {
                try {
                  firstOk.get(20, TimeUnit.SECONDS);
                  Thread.sleep(sendingMillis);
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
                    firstOk.complete(null);
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
