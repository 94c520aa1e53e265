package org.safehouse.server.transport;

import org.safehouse.server.account.DeviceAddress;

/**
 * The user event that hands a connection over from {@link AuthenticationHandler} to {@link
 * RequestRouter}, fired from the head of the pipeline so every handler sees it.
 */
record SignedIn(DeviceAddress device) {}
