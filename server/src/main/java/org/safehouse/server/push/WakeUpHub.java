package org.safehouse.server.push;

import java.util.List;
import org.safehouse.server.account.DeviceAddress;
import org.safehouse.server.message.DeliveryHub;
import org.safehouse.server.message.InProcessDeliveryHub;
import org.safehouse.server.message.StoredMessage;

/**
 * The server's {@link DeliveryHub} with wake-ups: copies for a connected device go to its
 * connection as before; for a device with no connection, {@link WakeUps} is told.
 */
public final class WakeUpHub implements DeliveryHub {
  private final InProcessDeliveryHub local;
  private final WakeUps wakeUps;

  public WakeUpHub(InProcessDeliveryHub local, WakeUps wakeUps) {
    this.local = local;
    this.wakeUps = wakeUps;
  }

  @Override
  public void stored(List<StoredMessage> messages) {
    local.stored(messages);
    DeviceAddress last = null;
    for (StoredMessage m : messages) {
      DeviceAddress d = m.recipient();
      if (!d.equals(last) && !local.connected(d)) {
        wakeUps.copyWaiting(d);
      }
      last = d;
    }
  }

  @Override
  public void register(DeviceAddress device, Listener listener) {
    local.register(device, listener);
  }

  @Override
  public void unregister(DeviceAddress device, Listener listener) {
    local.unregister(device, listener);
    if (!local.connected(device)) {
      wakeUps.disconnected(device);
    }
  }

  @Override
  public void disconnect(DeviceAddress device) {
    local.disconnect(device);
  }

  @Override
  public void prekeysLow(DeviceAddress device, int oneTime, int oneTimeKyber) {
    local.prekeysLow(device, oneTime, oneTimeKyber);
  }
}
