package org.safehouse.sdk;

/**
 * A device of this account.
 *
 * @param deviceId its id within the account
 * @param thisDevice whether it is the device this client runs on
 * @param signed whether it is on the account's device list as this account's identity key signed
 *     it; a device the server lists but that is not signed was not linked by any device of the
 *     account (a ghost): unlink it, and tell the server's operator
 */
public record LinkedDevice(int deviceId, boolean thisDevice, boolean signed) {}
