package org.safehouse.server.transport;

import java.time.Clock;
import java.util.concurrent.Executor;
import org.safehouse.server.account.AccountDirectory;
import org.safehouse.server.account.Authenticator;
import org.safehouse.server.account.DeviceAddress;
import org.safehouse.server.account.Enrollment;
import org.safehouse.server.account.Invites;
import org.safehouse.server.blob.BlobService;
import org.safehouse.server.cases.CaseTeams;
import org.safehouse.server.checkin.CheckIns;
import org.safehouse.server.config.Limits;
import org.safehouse.server.devices.DeviceLimits;
import org.safehouse.server.devices.LinkedDevices;
import org.safehouse.server.keys.KeyDirectory;
import org.safehouse.server.message.DeliveryHub;
import org.safehouse.server.message.DeliverySession;
import org.safehouse.server.message.MessageService;
import org.safehouse.server.metrics.RelayMetrics;
import org.safehouse.server.push.PushService;
import org.safehouse.server.store.RelayStore;

/**
 * What the transport calls into.
 *
 * @param readers blocking pool for store reads and signature checks, never an event loop
 * @param metrics where server-wide counts go ({@link RelayMetrics#OFF} without metrics)
 * @param push push endpoint registration, or null on a server without push wake-ups
 * @param blobs attachments, or null where they are off (some transport tests)
 */
public record Services(
    RelayStore store,
    Enrollment enrollment,
    Authenticator authenticator,
    MessageService messages,
    KeyDirectory keys,
    Invites invites,
    AccountDirectory accounts,
    CaseTeams cases,
    DeliveryHub hub,
    Executor readers,
    Clock clock,
    Limits limits,
    RelayMetrics metrics,
    PushService push,
    BlobService blobs,
    CheckIns checkIns) {

  /** Linked devices and signed device lists (issue 15). */
  LinkedDevices devices() {
    return new LinkedDevices(store, hub, clock, DeviceLimits.of(messages.quotas()));
  }

  DeliverySession newDeliverySession(
      DeviceAddress device, Executor loop, DeliverySession.Sink sink) {
    return new DeliverySession(
        device, store, messages, hub, loop, readers, clock, sink, limits.deliveryWindow());
  }
}
