package org.safehouse.server.account;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * An account as stored: its role, its devices, the next device id to hand out, and for a client the
 * caseworkers of its case.
 *
 * @param deviceIds current devices, ascending
 * @param team for a client, the caseworkers (and admins) of its case; empty for other roles
 */
public record AccountRecord(
    AccountId id, Role role, int nextDeviceId, int[] deviceIds, List<AccountId> team) {
  public AccountRecord {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(role, "role");
    deviceIds = deviceIds.clone();
    Arrays.sort(deviceIds);
    team = List.copyOf(team);
  }

  /** Whether this account is a caseworker or an admin (admins are caseworkers too). */
  public boolean isStaff() {
    return role != Role.CLIENT;
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
        && Arrays.equals(deviceIds, r.deviceIds)
        && team.equals(r.team);
  }

  @Override
  public int hashCode() {
    return Objects.hash(id, role, nextDeviceId, Arrays.hashCode(deviceIds), team);
  }

  @Override
  public String toString() {
    return "AccountRecord[role=" + role + ", devices=" + deviceIds.length + "]";
  }
}
