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

    /** Another connection of the same device took over; this one must close. */
    void replaced();
  }

  /** Registers the connection of {@code device}; an earlier connection of it is told to close. */
  void register(DeviceAddress device, Listener listener);

  /** Removes {@code listener} if it is still the one registered for {@code device}. */
  void unregister(DeviceAddress device, Listener listener);

  /** Called by the writer after a commit. */
  void stored(List<StoredMessage> messages);
}
