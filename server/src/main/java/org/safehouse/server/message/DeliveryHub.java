package org.safehouse.server.message;

import java.util.List;
import org.safehouse.server.account.DeviceAddress;

/**
 * Tells the connection of a recipient device that copies were stored for it. In-process on one
 * node; a cluster would put a pub/sub behind the same interface.
 */
public interface DeliveryHub {
  /** A session for one connected device. */
  interface Listener {
    /** Called on any thread after the copies are durable. */
    void stored(StoredMessage message);

    /** Another connection of the same device took over, or the device is gone: close. */
    void replaced();

    /**
     * Another connection of the same device signed in: close, telling the peer so (it should not
     * reconnect by itself, or two copies of one device displace each other forever).
     */
    default void displaced() {
      replaced();
    }

    /** The device's one-time prekeys are running low. */
    void prekeysLow(int oneTime, int oneTimeKyber);
  }

  /** Registers the connection of {@code device}; an earlier connection of it is told to close. */
  void register(DeviceAddress device, Listener listener);

  /** Removes {@code listener} if it is still the one registered for {@code device}. */
  void unregister(DeviceAddress device, Listener listener);

  /** Called by the writer after a commit. */
  void stored(List<StoredMessage> messages);

  /** Drops the connection of a device that was deleted or revoked. */
  void disconnect(DeviceAddress device);

  /** Tells a connected device that its one-time prekeys are running low. */
  void prekeysLow(DeviceAddress device, int oneTime, int oneTimeKyber);
}
