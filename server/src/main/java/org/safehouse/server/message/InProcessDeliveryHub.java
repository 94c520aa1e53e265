package org.safehouse.server.message;

import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import org.safehouse.server.account.DeviceAddress;

/** The {@link DeliveryHub} of a single server. */
public final class InProcessDeliveryHub implements DeliveryHub {
  private final ConcurrentHashMap<DeviceAddress, Listener> listeners = new ConcurrentHashMap<>();

  @Override
  public void register(DeviceAddress device, Listener listener) {
    Listener previous = listeners.put(device, listener);
    if (previous != null && previous != listener) {
      previous.displaced();
    }
  }

  @Override
  public void unregister(DeviceAddress device, Listener listener) {
    listeners.remove(device, listener);
  }

  @Override
  public void stored(List<StoredMessage> messages) {
    for (StoredMessage m : messages) {
      Listener l = listeners.get(m.recipient());
      if (l != null) {
        l.stored(m);
      }
    }
  }

  @Override
  public void disconnect(DeviceAddress device) {
    Listener l = listeners.remove(device);
    if (l != null) {
      l.replaced();
    }
  }

  @Override
  public void prekeysLow(DeviceAddress device, int oneTime, int oneTimeKyber) {
    Listener l = listeners.get(device);
    if (l != null) {
      l.prekeysLow(oneTime, oneTimeKyber);
    }
  }

  /** Whether {@code device} has a connection now (push wakes only those that have none). */
  public boolean connected(DeviceAddress device) {
    return listeners.containsKey(device);
  }

  /** Connected devices, for stats. */
  public int connectedDevices() {
    return listeners.size();
  }
}
