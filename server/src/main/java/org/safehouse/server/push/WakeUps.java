package org.safehouse.server.push;

import java.io.IOException;
import java.net.URI;
import java.security.GeneralSecurityException;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.Predicate;
import java.util.random.RandomGenerator;
import org.safehouse.server.account.DeviceAddress;
import org.safehouse.server.config.PushSettings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Wakes devices that are not connected when copies are queued for them. Cheap for the caller (the
 * store writer, after a commit): it only marks the device and, if it was not marked yet, schedules
 * one wake-up after a small random delay. Every copy queued before that wake-up leaves shares it
 * (coalescing). The wake-up itself runs on the push executor: it reads the device's endpoint,
 * encrypts a fixed, empty, padded payload to it, signs a VAPID token and posts it; a failure is
 * retried with doubling backoff, an endpoint that answers 404 or 410 is dropped.
 */
public final class WakeUps {
  private static final Logger log = LoggerFactory.getLogger(WakeUps.class);

  /**
   * The plaintext record of every wake-up: no data, just the delimiter and zero padding, so every
   * wake-up has the same size ({@link #BODY_BYTES}) and says nothing but "connect".
   */
  public static final int RECORD_BYTES = 128;

  public static final int BODY_BYTES = WebPushCipher.bodyBytes(RECORD_BYTES);
  private static final long MAX_BACKOFF_MILLIS = 10 * 60_000L;

  /** Runs a task later: the push executor in the server, a fake clock's queue in tests. */
  public interface Scheduler {
    void schedule(Runnable task, long delayMillis);
  }

  /** Where endpoints are read and dropped. */
  public interface Endpoints {
    /** The stored endpoint of {@code d}; blocking. */
    Optional<byte[]> get(DeviceAddress d) throws IOException;

    /** Whether an unexpired copy waits in the mailbox of {@code d}; blocking. */
    boolean hasWaiting(DeviceAddress d) throws IOException;

    /** Drops the endpoint of {@code d} if it is still {@code stored}. */
    CompletableFuture<?> drop(DeviceAddress d, byte[] stored);
  }

  /** Counts since start, by what became of each attempt. */
  public record Stats(long accepted, long gone, long retried, long failed, long refused) {}

  private final PushSettings settings;
  private final Endpoints endpoints;
  private final PushSender sender;
  private final WebPushCipher cipher;
  private final VapidKey vapid;
  private final Scheduler scheduler;
  private final Predicate<DeviceAddress> connected;
  private final RandomGenerator random;
  private final ConcurrentHashMap<DeviceAddress, Boolean> pending = new ConcurrentHashMap<>();
  private final AtomicLongArray counts = new AtomicLongArray(PushSender.Outcome.values().length);

  public WakeUps(
      PushSettings settings,
      Endpoints endpoints,
      PushSender sender,
      WebPushCipher cipher,
      VapidKey vapid,
      Scheduler scheduler,
      Predicate<DeviceAddress> connected,
      RandomGenerator random) {
    this.settings = settings;
    this.endpoints = endpoints;
    this.sender = sender;
    this.cipher = cipher;
    this.vapid = vapid;
    this.scheduler = scheduler;
    this.connected = connected;
    this.random = random;
  }

  /** A copy was queued for {@code d}, which is not connected. Never blocks. */
  public void copyWaiting(DeviceAddress d) {
    if (!settings.enabled()) {
      return;
    }
    if (pending.putIfAbsent(d, Boolean.TRUE) == null) {
      long min = settings.minDelay().toMillis();
      long spread = settings.maxDelay().toMillis() - min;
      schedule(() -> attempt(d, 1), min + (spread > 0 ? random.nextLong(spread + 1) : 0));
    }
  }

  private void schedule(Runnable task, long delayMillis) {
    try {
      scheduler.schedule(task, delayMillis);
    } catch (java.util.concurrent.RejectedExecutionException e) {
      // Shutting down: the device gets its copies when it next connects.
    }
  }

  /**
   * The connection of {@code d} ended: if copies it was sent but did not acknowledge are still
   * waiting (the phone lost its network, or the app was stopped), it is woken for them too.
   */
  public void disconnected(DeviceAddress d) {
    copyWaiting(d);
  }

  /** Whether {@code d} has a connection now (then it is not woken). */
  public boolean connected(DeviceAddress d) {
    return connected.test(d);
  }

  /** Devices with a wake-up scheduled and not yet sent. */
  public int pending() {
    return pending.size();
  }

  public Stats stats() {
    return new Stats(
        counts.get(PushSender.Outcome.ACCEPTED.ordinal()),
        counts.get(PushSender.Outcome.GONE.ordinal()),
        counts.get(PushSender.Outcome.RETRY.ordinal()),
        counts.get(PushSender.Outcome.FAILED.ordinal()),
        counts.get(PushSender.Outcome.REFUSED_ADDRESS.ordinal()));
  }

  private void attempt(DeviceAddress d, int n) {
    PushSender.Outcome outcome;
    byte[] stored;
    try {
      Optional<byte[]> e = endpoints.get(d);
      // From here on a newly queued copy schedules a wake-up of its own: this one may already
      // have woken the device by the time that copy is stored.
      pending.remove(d);
      // Nothing to wake for: connected now, or it connected and read everything meanwhile.
      if (e.isEmpty() || connected.test(d) || !endpoints.hasWaiting(d)) {
        return;
      }
      stored = e.get();
      PushEndpoint endpoint = PushEndpoint.decode(stored);
      byte[] body = cipher.encrypt(endpoint.p256dh(), endpoint.auth(), new byte[0], RECORD_BYTES);
      String auth = vapid.authorization(origin(endpoint.url()));
      outcome = sender.send(endpoint.url(), body, auth, settings.ttl());
    } catch (IOException | GeneralSecurityException | RuntimeException e) {
      pending.remove(d);
      log.warn("a wake-up could not be prepared: {}", e.getClass().getSimpleName());
      return;
    }
    counts.incrementAndGet(outcome.ordinal());
    switch (outcome) {
      case GONE -> endpoints.drop(d, stored);
      case RETRY -> {
        if (n < settings.attempts() && pending.putIfAbsent(d, Boolean.TRUE) == null) {
          schedule(() -> attempt(d, n + 1), backoff(n));
        }
      }
      case FAILED, REFUSED_ADDRESS ->
          // Routine for a misconfigured endpoint; the kind only, never the URL or the device.
          log.debug("a wake-up was not delivered: {}", outcome);
      case ACCEPTED -> {}
    }
  }

  /** The wait before attempt {@code n + 1}: the first backoff doubled n - 1 times, +-20 %. */
  long backoff(int n) {
    long base = settings.firstBackoff().toMillis() << Math.min(n - 1, 20);
    base = Math.min(base, MAX_BACKOFF_MILLIS);
    return (long) (base * (0.8 + 0.4 * random.nextDouble()));
  }

  static String origin(URI url) {
    String host = PushEndpoint.hostOf(url);
    int port = PushEndpoint.portOf(url);
    return "https://"
        + (host.indexOf(':') >= 0 ? "[" + host + "]" : host)
        + (port == 443 ? "" : ":" + port);
  }
}
