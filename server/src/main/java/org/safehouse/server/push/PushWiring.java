package org.safehouse.server.push;

import java.io.IOException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.safehouse.server.FatalErrors;
import org.safehouse.server.account.DeviceAddress;
import org.safehouse.server.config.PushSettings;
import org.safehouse.server.message.InProcessDeliveryHub;
import org.safehouse.server.store.PushEndpoints;
import org.safehouse.server.store.RelayStore;

/**
 * The push side of the server, built by the composition root: the VAPID key, the endpoint store,
 * the sender on its own small executor ({@value #THREADS} daemon threads; blocking sends with
 * timeouts, never on an event loop or the store writer), the wake-up scheduler and the hub that
 * feeds it.
 */
public final class PushWiring implements AutoCloseable {
  static final int THREADS = 4;

  private final ScheduledThreadPoolExecutor executor;
  private final PushService service;
  private final WakeUps wakeUps;
  private final WakeUpHub hub;

  private PushWiring(
      ScheduledThreadPoolExecutor executor, PushService service, WakeUps wakeUps, WakeUpHub hub) {
    this.executor = executor;
    this.service = service;
    this.wakeUps = wakeUps;
    this.hub = hub;
  }

  /**
   * Builds the push side; creates the VAPID key in {@code dataDir} on first start.
   *
   * @throws IOException if the key file or {@code push.trust-cert} cannot be read or written
   */
  public static PushWiring start(
      Path dataDir,
      PushSettings settings,
      RelayStore store,
      InProcessDeliveryHub local,
      Clock clock,
      SecureRandom random)
      throws IOException {
    VapidKey vapid = VapidKey.loadOrCreate(dataDir.resolve(VapidKey.FILE), random, clock);
    PushEndpoints endpoints = new PushEndpoints(store);
    PushSender sender = new PushSender(settings);
    AtomicInteger n = new AtomicInteger();
    ScheduledThreadPoolExecutor executor =
        new ScheduledThreadPoolExecutor(
            THREADS,
            r -> {
              Thread t = new Thread(r, "push-sender-" + n.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
    executor.setRemoveOnCancelPolicy(true);
    WakeUps.Endpoints stored =
        new WakeUps.Endpoints() {
          @Override
          public Optional<byte[]> get(DeviceAddress d) throws IOException {
            return endpoints.get(d);
          }

          @Override
          public boolean hasWaiting(DeviceAddress d) throws IOException {
            return !store.readMailbox(d, store.cursor(d), 1, clock.millis()).messages().isEmpty();
          }

          @Override
          public CompletableFuture<?> drop(DeviceAddress d, byte[] value) {
            return store.write(tx -> endpoints.removeIfUnchanged(tx, d, value));
          }
        };
    WakeUps wakeUps =
        new WakeUps(
            settings,
            stored,
            sender,
            new WebPushCipher(random),
            vapid,
            (task, delay) ->
                executor.schedule(FatalErrors.exitOnError(task), delay, TimeUnit.MILLISECONDS),
            local::connected,
            random);
    return new PushWiring(
        executor,
        new PushService(store, endpoints, settings, vapid.publicPoint()),
        wakeUps,
        new WakeUpHub(local, wakeUps));
  }

  public PushService service() {
    return service;
  }

  public WakeUps wakeUps() {
    return wakeUps;
  }

  /** The hub the services use: the local one, with wake-ups for devices not connected. */
  public WakeUpHub hub() {
    return hub;
  }

  /** Drops scheduled wake-ups and waits briefly for sends in flight (each has its timeouts). */
  @Override
  public void close() {
    executor.shutdownNow();
    try {
      executor.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
