package org.safehouse.server.push;

import java.util.concurrent.CompletableFuture;
import org.safehouse.server.Refusal;
import org.safehouse.server.account.DeviceAddress;
import org.safehouse.server.account.Requester;
import org.safehouse.server.config.PushSettings;
import org.safehouse.server.store.PushEndpoints;
import org.safehouse.server.store.RelayStore;

/** Registering and removing a device's push endpoint. */
public final class PushService {
  private final RelayStore store;
  private final PushEndpoints endpoints;
  private final PushSettings settings;
  private final byte[] vapidPublicKey;

  public PushService(
      RelayStore store, PushEndpoints endpoints, PushSettings settings, byte[] vapidPublicKey) {
    this.store = store;
    this.endpoints = endpoints;
    this.settings = settings;
    this.vapidPublicKey = vapidPublicKey.clone();
  }

  /** The server's VAPID public key (65 bytes). */
  public byte[] vapidPublicKey() {
    return vapidPublicKey.clone();
  }

  /**
   * Sets (or replaces) the endpoint of {@code device}, durably; the device is re-checked in the
   * same commit.
   *
   * @return fails with a {@link Refusal}: {@code PUSH_DISABLED}, {@code PUSH_ENDPOINT_INVALID},
   *     {@code PUSH_KEYS_INVALID}, or {@code AUTH_FAILED} if the device is gone
   */
  public CompletableFuture<Void> register(
      DeviceAddress device, String url, byte[] p256dh, byte[] auth) {
    PushEndpoint e;
    try {
      checkEnabled();
      e = PushEndpoint.parse(url, p256dh, auth, settings);
    } catch (Refusal r) {
      return CompletableFuture.failedFuture(r);
    }
    byte[] value = e.encode();
    return store.write(
        tx -> {
          Requester.check(tx, device);
          endpoints.put(tx, device, value);
          return null;
        });
  }

  /**
   * Removes the endpoint of {@code device} (if any), durably.
   *
   * @return fails with {@code AUTH_FAILED} if the device is gone
   */
  public CompletableFuture<Void> remove(DeviceAddress device) {
    return store.write(
        tx -> {
          Requester.check(tx, device);
          endpoints.remove(tx, device);
          return null;
        });
  }

  /**
   * Checks that this server sends wake-ups.
   *
   * @throws Refusal {@code PUSH_DISABLED} if it does not
   */
  public void checkEnabled() throws Refusal {
    if (!settings.enabled()) {
      throw new Refusal(
          Refusal.Reason.PUSH_DISABLED, "this server sends no wake-ups (push.enabled = false)");
    }
  }
}
