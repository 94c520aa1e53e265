package org.safehouse.bench;

import io.netty.channel.EventLoopGroup;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import org.safehouse.protocol.wire.ClientFrame;
import org.safehouse.protocol.wire.ErrorCode;
import org.safehouse.protocol.wire.Response;
import org.safehouse.server.SafehouseServer;
import org.safehouse.server.account.Role;
import org.safehouse.server.store.WriterStats;
import org.safehouse.server.testing.RawClient;

/**
 * Durable sends over real TLS WebSocket connections: caseworker senders to offline client
 * recipients, 1 KB random ciphertexts, OK counted only after the server's synced commit.
 */
final class SendBench implements AutoCloseable {
  /** Sends whose replies have not come are capped so a saturated server cannot exhaust memory. */
  private static final int OPEN_LOOP_MAX_IN_FLIGHT = 50_000;

  private final SafehouseServer server;
  private final EventLoopGroup group;
  private final List<RawClient> senders = new ArrayList<>();
  private final List<byte[]> recipients = new ArrayList<>();
  private final byte[][] payloads;

  SendBench(SafehouseServer server, EventLoopGroup group, int payloadBytes) {
    this.server = server;
    this.group = group;
    this.payloads = new byte[256][payloadBytes];
    for (byte[] p : payloads) {
      ThreadLocalRandom.current().nextBytes(p);
    }
  }

  /**
   * Enrolls {@code senderCount} connected caseworkers and {@code recipientCount} offline
   * recipients.
   */
  void setUp(int senderCount, int recipientCount) throws Exception {
    for (int i = 0; i < recipientCount; i++) {
      try (RawClient c = connect()) {
        // Caseworkers, so that every sender may reach every recipient under the routing policy
        // (a caseworker reaches only the clients of its own cases); the cost is the same.
        recipients.add(enroll(c, Role.CASEWORKER).accountId);
      }
    }
    for (int i = 0; i < senderCount; i++) {
      RawClient c = connect();
      enroll(c, Role.CASEWORKER);
      senders.add(c);
    }
  }

  RawClient connect() throws Exception {
    return RawClient.connect(
        "127.0.0.1", server.port(), server.pin(), server.upgradeSecret(), true, group);
  }

  RawClient.Device enroll(RawClient c, Role role) throws Exception {
    RawClient.Device d = new RawClient.Device();
    Response r = c.enroll(server.createInvite(role).code(), d);
    if (!r.hasEnrolled()) {
      throw new IllegalStateException("enroll failed: " + r.getError() + " " + r.getMessage());
    }
    return d;
  }

  private ClientFrame.Builder nextFrame() {
    ThreadLocalRandom r = ThreadLocalRandom.current();
    byte[] id = new byte[16];
    r.nextBytes(id);
    return RawClient.sendFrame(
        recipients.get(r.nextInt(recipients.size())), payloads[r.nextInt(payloads.length)], id, 0);
  }

  // ------------------------------------------------------------------ closed loop

  /**
   * Each connection keeps {@code depth} sends in flight and sends the next as soon as one is
   * answered. Latency: request written to OK received. Counted if answered inside the window.
   */
  Map<String, Object> closedLoop(int depth, Duration warmup, Duration measure) throws Exception {
    Recorder recorder = new Recorder(3);
    LongAdder ok = new LongAdder();
    LongAdder errors = new LongAdder();
    Map<ErrorCode, LongAdder> errorCodes = new java.util.concurrent.ConcurrentHashMap<>();
    AtomicLong inFlight = new AtomicLong();
    long start = System.nanoTime();
    long windowStart = start + warmup.toNanos();
    long windowEnd = windowStart + measure.toNanos();
    Cpu[] cpu = new Cpu[1];

    class Pipe {
      final RawClient c;

      Pipe(RawClient c) {
        this.c = c;
      }

      void fire() {
        long sent = System.nanoTime();
        if (sent >= windowEnd) {
          inFlight.decrementAndGet();
          return;
        }
        c.requestAsync(nextFrame())
            .whenComplete(
                (resp, err) -> {
                  long now = System.nanoTime();
                  boolean inWindow = now >= windowStart && now < windowEnd;
                  if (err == null && resp.getError() == ErrorCode.OK) {
                    if (inWindow) {
                      ok.increment();
                      recorder.recordValue(now - sent);
                    }
                  } else {
                    errors.increment();
                    ErrorCode code = err == null ? resp.getError() : ErrorCode.INTERNAL;
                    errorCodes.computeIfAbsent(code, k -> new LongAdder()).increment();
                  }
                  fire();
                });
      }
    }

    for (RawClient c : senders) {
      Pipe p = new Pipe(c);
      for (int i = 0; i < depth; i++) {
        inFlight.incrementAndGet();
        p.fire();
      }
    }
    sleepUntil(windowStart);
    recorder.getIntervalHistogram(); // drop warm-up samples
    cpu[0] = Cpu.start();
    WriterStats.Snapshot writerBefore = server.store().writerStats().snapshot();
    sleepUntil(windowEnd);
    WriterStats.Snapshot writer = server.store().writerStats().snapshot().minus(writerBefore);
    long okCount = ok.sum();
    Map<String, Object> cpuFigures = cpu[0].stop(okCount);
    Histogram h = recorder.getIntervalHistogram();
    long drainDeadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (inFlight.get() > 0 && System.nanoTime() < drainDeadline) {
      Thread.sleep(10);
    }
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("connections", senders.size());
    m.put("in_flight_per_connection", depth);
    m.put("warmup_s", warmup.toMillis() / 1e3);
    m.put("measured_s", measure.toMillis() / 1e3);
    m.put("ok", okCount);
    m.put("errors", errors.sum());
    if (!errorCodes.isEmpty()) {
      Map<String, Object> codes = new LinkedHashMap<>();
      errorCodes.forEach((k, v) -> codes.put(k.name(), v.sum()));
      m.put("error_codes", codes);
    }
    m.put("durable_sends_per_s", okCount / (measure.toNanos() / 1e9));
    m.put("ack_latency_ms", latency(h));
    m.put("writer", writer(writer, measure));
    m.put("cpu", cpuFigures);
    m.put("unanswered_at_end", inFlight.get());
    return m;
  }

  // ------------------------------------------------------------------ open loop

  /**
   * Sends at a fixed total rate, spread round-robin over the connections, whether or not replies
   * come. Latency is measured from each send's scheduled time, so a stalled server shows up as
   * latency rather than as fewer samples (no coordinated omission).
   */
  Map<String, Object> openLoop(int ratePerSecond, Duration warmup, Duration measure)
      throws Exception {
    Recorder recorder = new Recorder(3);
    LongAdder ok = new LongAdder();
    LongAdder errors = new LongAdder();
    AtomicLong inFlight = new AtomicLong();
    AtomicLong skipped = new AtomicLong();
    AtomicLong scheduledInWindow = new AtomicLong();
    double period = 1e9 / ratePerSecond;
    long start = System.nanoTime() + 10_000_000;
    long windowStart = start + warmup.toNanos();
    long windowEnd = windowStart + measure.toNanos();
    long maxLag[] = {0};

    Thread pacer =
        new Thread(
            () -> {
              try {
                long k = 0;
                int n = senders.size();
                while (true) {
                  long now = System.nanoTime();
                  if (now >= windowEnd) {
                    break;
                  }
                  long due = now < start ? 0 : (long) ((now - start) / period) + 1;
                  for (; k < due; k++) {
                    long intended = start + (long) (k * period);
                    if (intended >= windowEnd) {
                      break;
                    }
                    boolean counted = intended >= windowStart;
                    if (counted) {
                      scheduledInWindow.incrementAndGet();
                      maxLag[0] = Math.max(maxLag[0], now - intended);
                    }
                    if (inFlight.get() >= OPEN_LOOP_MAX_IN_FLIGHT) {
                      skipped.incrementAndGet();
                      continue;
                    }
                    inFlight.incrementAndGet();
                    senders
                        .get((int) (k % n))
                        .requestAsync(nextFrame())
                        .whenComplete(
                            (resp, err) -> {
                              long done = System.nanoTime();
                              if (err == null && resp.getError() == ErrorCode.OK) {
                                if (counted) {
                                  ok.increment();
                                  recorder.recordValue(done - intended);
                                }
                              } else {
                                errors.increment();
                              }
                              inFlight.decrementAndGet();
                            });
                  }
                  LockSupport.parkNanos(100_000);
                }
              } finally {
                Cpu.threadEnding();
              }
            },
            Cpu.PREFIX + "pacer");
    pacer.setDaemon(true);
    pacer.start();
    sleepUntil(windowStart);
    Cpu cpu = Cpu.start();
    WriterStats.Snapshot writerBefore = server.store().writerStats().snapshot();
    pacer.join();
    WriterStats.Snapshot writer = server.store().writerStats().snapshot().minus(writerBefore);
    long drainDeadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (inFlight.get() > 0 && System.nanoTime() < drainDeadline) {
      Thread.sleep(5);
    }
    long okCount = ok.sum();
    Map<String, Object> cpuFigures = cpu.stop(okCount);
    Histogram h = recorder.getIntervalHistogram();
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("connections", senders.size());
    m.put("target_per_s", ratePerSecond);
    m.put("warmup_s", warmup.toMillis() / 1e3);
    m.put("measured_s", measure.toMillis() / 1e3);
    m.put("scheduled", scheduledInWindow.get());
    m.put("ok", okCount);
    m.put("errors", errors.sum());
    m.put("skipped_in_flight_cap", skipped.get());
    m.put("unanswered_at_end", inFlight.get());
    m.put("achieved_per_s", okCount / (measure.toNanos() / 1e9));
    m.put("pacer_max_lag_ms", maxLag[0] / 1e6);
    m.put("latency_from_schedule_ms", latency(h));
    m.put("writer", writer(writer, measure));
    m.put("cpu", cpuFigures);
    return m;
  }

  /**
   * The store writer's group commits in the window: how many, how large, and where the time went
   * (queue wait of a group's oldest op, applying the group, batch write with WAL sync). Quantiles
   * are bucket upper bounds (powers of two of microseconds).
   */
  static Map<String, Object> writer(WriterStats.Snapshot w, Duration measure) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("groups_per_s", w.groups() / (measure.toNanos() / 1e9));
    m.put("ops_per_group", w.groups() == 0 ? 0 : w.ops() / (double) w.groups());
    for (String q : List.of("p50", "p99", "p99_9", "max")) {
      double f =
          switch (q) {
            case "p50" -> 0.5;
            case "p99" -> 0.99;
            case "p99_9" -> 0.999;
            default -> 1.0;
          };
      m.put("wait_ms_" + q, w.waitMillis(f));
      m.put("apply_ms_" + q, w.applyMillis(f));
      m.put("write_sync_ms_" + q, w.writeMillis(f));
    }
    return m;
  }

  static Map<String, Object> latency(Histogram h) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("count", h.getTotalCount());
    m.put("p50", h.getValueAtPercentile(50) / 1e6);
    m.put("p90", h.getValueAtPercentile(90) / 1e6);
    m.put("p99", h.getValueAtPercentile(99) / 1e6);
    m.put("p99_9", h.getValueAtPercentile(99.9) / 1e6);
    m.put("max", h.getMaxValue() / 1e6);
    m.put("mean", h.getMean() / 1e6);
    return m;
  }

  static void sleepUntil(long nanoTime) throws InterruptedException {
    for (long left; (left = nanoTime - System.nanoTime()) > 0; ) {
      Thread.sleep(Math.max(1, Math.min(100, left / 1_000_000)));
    }
  }

  @Override
  public void close() {
    for (RawClient c : senders) {
      c.close();
    }
  }
}
