package org.safehouse.server.push;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.safehouse.server.account.AccountId;
import org.safehouse.server.account.DeviceAddress;
import org.safehouse.server.config.PushSettings;
import org.safehouse.server.testing.FakeClock;
import org.safehouse.server.testing.TestPushEndpoint;
import org.safehouse.server.testing.WebPushReceiver;

/**
 * The wake-up scheduler on a fake clock: delays, coalescing, backoff and dropping, against a real
 * HTTPS endpoint on loopback. Tasks run when the test moves the clock, on the test's thread.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class WakeUpsTest {
  @TempDir Path temp;
  private final FakeClock clock = new FakeClock();
  private final ManualScheduler scheduler = new ManualScheduler();
  private final Map<DeviceAddress, byte[]> stored = new ConcurrentHashMap<>();
  private final List<DeviceAddress> dropped = new ArrayList<>();
  private final DeviceAddress device = new DeviceAddress(AccountId.random(new SecureRandom()), 1);
  private final Set<DeviceAddress> connected = ConcurrentHashMap.newKeySet();
  private final java.util.concurrent.atomic.AtomicBoolean waiting =
      new java.util.concurrent.atomic.AtomicBoolean(true);
  private TestPushEndpoint endpoint;
  private WakeUps wakeUps;
  private WebPushReceiver keys;
  private PushSettings settings;

  /** Runs scheduled tasks when the fake clock reaches them; remembers each delay asked for. */
  private final class ManualScheduler implements WakeUps.Scheduler {
    private final List<long[]> due = new ArrayList<>();
    private final List<Runnable> tasks = new ArrayList<>();
    final List<Long> delays = new ArrayList<>();

    @Override
    public synchronized void schedule(Runnable task, long delayMillis) {
      delays.add(delayMillis);
      due.add(new long[] {clock.millis() + delayMillis});
      tasks.add(task);
    }

    void advance(Duration d) {
      clock.advance(d);
      while (true) {
        Runnable next = null;
        synchronized (this) {
          for (int i = 0; i < tasks.size(); i++) {
            if (due.get(i)[0] <= clock.millis()) {
              next = tasks.remove(i);
              due.remove(i);
              break;
            }
          }
        }
        if (next == null) {
          return;
        }
        next.run();
      }
    }

    synchronized int scheduled() {
      return tasks.size();
    }
  }

  @BeforeEach
  void setUp() throws Exception {
    endpoint = TestPushEndpoint.start(temp.resolve("push"));
    keys = WebPushReceiver.generate();
    settings =
        PushSettings.defaults()
            .withTrust(Set.of("localhost"), endpoint.certFile())
            .withDelays(Duration.ofSeconds(1), Duration.ofSeconds(4))
            .withRetries(3, Duration.ofSeconds(5));
    stored.put(
        device,
        new PushEndpoint(URI.create(endpoint.url("/d")), keys.p256dh(), keys.auth()).encode());
    WakeUps.Endpoints endpoints =
        new WakeUps.Endpoints() {
          @Override
          public Optional<byte[]> get(DeviceAddress d) throws IOException {
            return Optional.ofNullable(stored.get(d));
          }

          @Override
          public boolean hasWaiting(DeviceAddress d) {
            return waiting.get();
          }

          @Override
          public CompletableFuture<?> drop(DeviceAddress d, byte[] value) {
            dropped.add(d);
            stored.remove(d, value);
            return CompletableFuture.completedFuture(null);
          }
        };
    SecureRandom random = new SecureRandom();
    wakeUps =
        new WakeUps(
            settings,
            endpoints,
            new PushSender(settings),
            new WebPushCipher(random),
            VapidKey.loadOrCreate(temp.resolve(VapidKey.FILE), random, clock),
            scheduler,
            connected::contains,
            random);
  }

  @AfterEach
  void tearDown() {
    endpoint.close();
  }

  @Test
  void copiesQueuedBeforeTheDelayEndsShareOneWakeUpSentAfterARandomDelay() throws Exception {
    for (int i = 0; i < 5; i++) {
      wakeUps.copyWaiting(device);
    }
    assertEquals(1, scheduler.scheduled());
    long delay = scheduler.delays.get(0);
    assertTrue(delay >= 1000 && delay <= 4000, "delay " + delay);
    scheduler.advance(Duration.ofMillis(delay - 1));
    assertEquals(0, endpoint.received().size(), "nothing before the delay");
    scheduler.advance(Duration.ofMillis(1));
    assertEquals(1, endpoint.received().size());
    assertEquals(0, keys.decrypt(endpoint.received().get(0).body()).length);
    // A copy queued after the wake-up left gets a wake-up of its own.
    wakeUps.copyWaiting(device);
    scheduler.advance(Duration.ofSeconds(4));
    assertEquals(2, endpoint.received().size());
  }

  @Test
  void failuresAreRetriedWithDoublingBackoffThenGivenUp() throws Exception {
    endpoint.respondWith(503);
    wakeUps.copyWaiting(device);
    scheduler.advance(Duration.ofSeconds(4));
    assertEquals(1, endpoint.received().size());
    // Attempt 2 after 5 s (+-20 %), attempt 3 after 10 s (+-20 %), then no more (attempts = 3).
    long second = scheduler.delays.get(1);
    assertTrue(second >= 4000 && second <= 6000, "second " + second);
    scheduler.advance(Duration.ofSeconds(6));
    assertEquals(2, endpoint.received().size());
    long third = scheduler.delays.get(2);
    assertTrue(third >= 8000 && third <= 12000, "third " + third);
    scheduler.advance(Duration.ofSeconds(12));
    assertEquals(3, endpoint.received().size());
    assertEquals(0, scheduler.scheduled(), "given up after push.attempts");
    assertEquals(3, wakeUps.stats().retried());
    assertEquals(0, wakeUps.pending());
  }

  @Test
  void retrySucceedsWhenThePushServerRecovers() throws Exception {
    endpoint.respondWith(500);
    wakeUps.copyWaiting(device);
    scheduler.advance(Duration.ofSeconds(4));
    endpoint.respondWith(201);
    scheduler.advance(Duration.ofSeconds(6));
    assertEquals(2, endpoint.received().size());
    assertEquals(1, wakeUps.stats().accepted());
    assertEquals(0, scheduler.scheduled());
  }

  @Test
  void goneEndpointIsDroppedAndNeverCalledAgain() throws Exception {
    endpoint.respondWith(404);
    wakeUps.copyWaiting(device);
    scheduler.advance(Duration.ofSeconds(4));
    assertEquals(List.of(device), dropped);
    wakeUps.copyWaiting(device);
    scheduler.advance(Duration.ofSeconds(4));
    assertEquals(1, endpoint.received().size());
  }

  @Test
  void deviceThatConnectedDuringTheDelayIsNotWoken() throws Exception {
    wakeUps.copyWaiting(device);
    connected.add(device);
    scheduler.advance(Duration.ofSeconds(4));
    assertEquals(0, endpoint.received().size());
    assertEquals(0, wakeUps.pending());
  }

  @Test
  void deviceThatLeftWithCopiesWaitingIsWokenAndOneThatReadEverythingIsNot() throws Exception {
    wakeUps.disconnected(device);
    scheduler.advance(Duration.ofSeconds(4));
    assertEquals(1, endpoint.received().size());
    waiting.set(false);
    wakeUps.disconnected(device);
    scheduler.advance(Duration.ofSeconds(4));
    assertEquals(1, endpoint.received().size(), "nothing waits: no wake-up");
    assertEquals(0, wakeUps.pending());
  }

  @Test
  void redirectIsNotFollowed() throws Exception {
    endpoint.respondWith(307);
    wakeUps.copyWaiting(device);
    scheduler.advance(Duration.ofSeconds(4));
    assertEquals(1, endpoint.received().size());
    assertEquals(1, wakeUps.stats().failed());
    assertEquals(0, scheduler.scheduled());
  }
}
