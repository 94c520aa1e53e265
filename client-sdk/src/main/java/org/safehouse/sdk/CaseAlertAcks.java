package org.safehouse.sdk;

import java.io.IOException;
import org.safehouse.protocol.wire.AckCheckInAlerts;
import org.safehouse.protocol.wire.CheckInAlert;
import org.safehouse.protocol.wire.ClientFrame;

/** Takes in a check-in alert the server pushed: stored first, then acknowledged, then shown. */
final class CaseAlertAcks {
  private CaseAlertAcks() {}

  static void storeAndAck(CaseAlerts alerts, ServerLink link, CheckInAlert alert)
      throws IOException, SafehouseException {
    alerts.fromServer(alert);
    try {
      link.call(
          ClientFrame.newBuilder()
              .setAckCheckInAlerts(AckCheckInAlerts.newBuilder().addAlertIds(alert.getAlertId())));
    } finally {
      // Unacknowledged, it comes again on the next connection: shown twice rather than never.
      alerts.deliverToListener();
    }
  }
}
