package org.safehouse.server.checkin;

import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.safehouse.server.account.DeviceAddress;
import org.safehouse.server.store.CheckInStore.Alert;

/**
 * The connected devices that take check-in alerts live. An alert is stored for every device first;
 * this only pushes it at once to those connected (the others get it when they connect).
 */
public final class AlertHub {
  private final ConcurrentHashMap<DeviceAddress, Consumer<Alert>> connected =
      new ConcurrentHashMap<>();

  public void register(DeviceAddress device, Consumer<Alert> sink) {
    connected.put(device, sink);
  }

  public void unregister(DeviceAddress device, Consumer<Alert> sink) {
    connected.remove(device, sink);
  }

  void push(List<Alert> alerts) {
    for (Alert a : alerts) {
      Consumer<Alert> sink = connected.get(a.device());
      if (sink != null) {
        sink.accept(a);
      }
    }
  }
}
