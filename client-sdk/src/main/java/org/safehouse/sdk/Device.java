package org.safehouse.sdk;

import java.time.Clock;
import org.safehouse.sdk.internal.net.Connection;
import org.safehouse.sdk.internal.store.LocalStore;
import org.safehouse.sdk.internal.store.SignalStore;

/**
 * What {@link Enrollment} hands to a new {@link SafehouseClient}: the open stores, the device's
 * credentials, its link to the server, the clock and whether it keeps a history.
 *
 * @param enrolledOn the connection the device just enrolled on, which the client adopts once it
 *     listens to the link's events; null for a device opened from its home folder
 */
record Device(
    LocalStore local,
    SignalStore signal,
    DeviceCredentials credentials,
    ServerLink link,
    Clock clock,
    boolean keepHistory,
    Connection enrolledOn) {}
