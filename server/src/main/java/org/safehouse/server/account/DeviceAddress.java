package org.safehouse.server.account;

import java.util.Objects;

/** One device of one account; the address of a mailbox. */
public record DeviceAddress(AccountId account, int deviceId) {
  public DeviceAddress {
    Objects.requireNonNull(account, "account");
    if (deviceId < 1) {
      throw new IllegalArgumentException("device id must be at least 1, was " + deviceId);
    }
  }

  @Override
  public String toString() {
    return "DeviceAddress[redacted]";
  }
}
