package org.safehouse.bench;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.safehouse.protocol.wire.Delivery;
import org.safehouse.protocol.wire.Response;
import org.safehouse.server.SafehouseServer;
import org.safehouse.server.account.AccountId;
import org.safehouse.server.account.DeviceAddress;
import org.safehouse.server.account.Role;
import org.safehouse.server.store.WriteOp;
import org.safehouse.server.testing.RawClient;

/**
 * Mailbox drain: {@code M} copies are queued for an offline device (straight into the store, which
 * is how sends store them), then the device connects, receives every copy and acknowledges it in
 * batches of whatever has arrived, as a client that stores then acks would.
 */
final class DrainBench {
  private static final int APPENDS_PER_OP = 2_000;
  private static final int ACK_BATCH = 64;

  private final SafehouseServer server;
  private final SendBench clients;
  private final Clock clock;

  DrainBench(SafehouseServer server, SendBench clients, Clock clock) {
    this.server = server;
    this.clients = clients;
    this.clock = clock;
  }

  Map<String, Object> run(int messages, int payloadBytes) throws Exception {
    RawClient.Device sender;
    RawClient.Device recipient;
    try (RawClient c = clients.connect()) {
      sender = clients.enroll(c, Role.CASEWORKER);
    }
    try (RawClient c = clients.connect()) {
      recipient = clients.enroll(c, Role.CLIENT);
    }
    DeviceAddress to = new DeviceAddress(AccountId.of(recipient.accountId), recipient.deviceId);
    AccountId from = AccountId.of(sender.accountId);
    byte[] payload = new byte[payloadBytes];
    ThreadLocalRandom.current().nextBytes(payload);

    long queuedBefore = server.store().counters().queuedMessages();
    long fill0 = System.nanoTime();
    List<CompletableFuture<Integer>> writes = new ArrayList<>();
    for (int done = 0; done < messages; done += APPENDS_PER_OP) {
      int n = Math.min(APPENDS_PER_OP, messages - done);
      writes.add(
          server
              .store()
              .write(
                  WriteOp.relaxed(
                      tx -> {
                        long expires = clock.millis() + Duration.ofDays(7).toMillis();
                        for (int i = 0; i < n; i++) {
                          byte[] id = new byte[16];
                          ThreadLocalRandom.current().nextBytes(id);
                          tx.append(to, expires, from, 1, id, payload);
                        }
                        return n;
                      })));
    }
    CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new)).get(10, TimeUnit.MINUTES);
    long fillNanos = System.nanoTime() - fill0;
    long queuedAfterFill = server.store().counters().queuedMessages();

    long received = 0;
    long duplicates = 0;
    long outOfOrder = 0;
    long lastId = -1;
    Cpu cpu = Cpu.start();
    long t0 = System.nanoTime();
    long firstAt = 0;
    RawClient c = clients.connect();
    try {
      Response r = c.authenticate(recipient);
      if (!r.hasAuthenticated()) {
        throw new IllegalStateException("authenticate failed: " + r.getError());
      }
      long[] ids = new long[ACK_BATCH];
      while (received < messages) {
        Delivery d = c.nextDelivery(Duration.ofSeconds(10));
        if (d == null) {
          throw new IllegalStateException(
              "drain stalled after " + received + " of " + messages + " deliveries");
        }
        if (firstAt == 0) {
          firstAt = System.nanoTime();
        }
        int n = 0;
        while (d != null) {
          long id = d.getDeliveryId();
          if (id == lastId) {
            duplicates++;
          } else if (id < lastId) {
            outOfOrder++;
          } else {
            received++;
          }
          lastId = Math.max(lastId, id);
          ids[n++] = id;
          d = n < ACK_BATCH ? c.nextDelivery(Duration.ZERO) : null;
        }
        c.ack(java.util.Arrays.copyOf(ids, n));
      }
      long receivedAt = System.nanoTime();
      Map<String, Object> cpuFigures = cpu.stop(received);
      // The acks are unsynced writes; wait until they have all been applied.
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (server.store().counters().queuedMessages() > queuedBefore
          && System.nanoTime() < deadline) {
        Thread.sleep(1);
      }
      long deletedAt = System.nanoTime();
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("messages", messages);
      m.put("payload_bytes", payloadBytes);
      m.put("delivery_window", server.config().limits().deliveryWindow());
      m.put("ack_batch_max", ACK_BATCH);
      m.put("fill_ms", fillNanos / 1e6);
      m.put("queued_by_fill", queuedAfterFill - queuedBefore);
      m.put("received", received);
      m.put("duplicates", duplicates);
      m.put("out_of_order", outOfOrder);
      m.put("first_delivery_ms", (firstAt - t0) / 1e6);
      m.put("receive_all_ms", (receivedAt - t0) / 1e6);
      m.put("drain_msgs_per_s", received / ((receivedAt - t0) / 1e9));
      m.put("all_acks_applied_ms", (deletedAt - t0) / 1e6);
      m.put("left_in_mailbox", server.store().counters().queuedMessages() - queuedBefore);
      m.put("cpu", cpuFigures);
      return m;
    } finally {
      c.close();
    }
  }
}
