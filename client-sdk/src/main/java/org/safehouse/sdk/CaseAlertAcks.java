package org.safehouse.sdk;

import java.io.IOException;
import org.safehouse.protocol.wire.AckCheckInAlerts;
import org.safehouse.protocol.wire.CheckInAlert;
import org.safehouse.protocol.wire.ClientFrame;
import org.safehouse.sdk.internal.store.Hex;

/** Takes in a check-in alert the server pushed: stored first, then acknowledged, then shown. */
final class CaseAlertAcks {
  private CaseAlertAcks() {}

  static void storeAndAck(
      CaseAlerts alerts, ServerLink link, CaseConversation cases, CheckInAlert alert)
      throws IOException, SafehouseException {
    String caseId = Hex.format(alert.getCaseId().toByteArray());
    if (!alerts.knowsClient(caseId)) {
      try {
        cases.team(caseId); // learns the case's client, to name it in the alert
      } catch (SafehouseException e) {
        // The case is gone (its client deleted): the alert names no client.
      }
    }
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
