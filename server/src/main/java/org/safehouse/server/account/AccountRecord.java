package org.safehouse.server.account;

import java.util.Arrays;
import java.util.Objects;

/**
 * An account as stored: its role, its devices and the next device id to hand out.
 *
 * @param deviceIds current devices, ascending
 */
public record AccountRecord(AccountId id, Role role, int nextDeviceId, int[] deviceIds) {
  public AccountRecord {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(role, "role");
    deviceIds = deviceIds.clone();
    Arrays.sort(deviceIds);
  }

  public boolean hasDevice(int deviceId) {
    return Arrays.binarySearch(deviceIds, deviceId) >= 0;
  }

  @Override
  public int[] deviceIds() {
    return deviceIds.clone();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof AccountRecord r
        && id.equals(r.id)
        && role == r.role
        && nextDeviceId == r.nextDeviceId
        && Arrays.equals(deviceIds, r.deviceIds);
  }

  @Override
  public int hashCode() {
    return Objects.hash(id, role, nextDeviceId, Arrays.hashCode(deviceIds));
  }

  @Override
  public String toString() {
    return "AccountRecord[role=" + role + ", devices=" + deviceIds.length + "]";
  }
}
