package org.safehouse.server.account;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import org.safehouse.server.cases.CaseId;

/**
 * An account as stored: its role, its devices, the next device id to hand out, and for a client the
 * caseworkers of its case.
 *
 * @param deviceIds current devices, ascending
 * @param team for a client, the caseworkers (and admins) of its case; empty for other roles
 * @param caseId for a client, its case (see the {@code cases} column family); null for staff
 */
public record AccountRecord(
    AccountId id,
    Role role,
    int nextDeviceId,
    int[] deviceIds,
    List<AccountId> team,
    CaseId caseId) {
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

  public java.util.Optional<CaseId> caseOf() {
    return java.util.Optional.ofNullable(caseId);
  }

  public AccountRecord withTeam(List<AccountId> newTeam) {
    return new AccountRecord(id, role, nextDeviceId, deviceIds, newTeam, caseId);
  }

  public AccountRecord withoutDevice(int deviceId) {
    int[] rest = Arrays.stream(deviceIds).filter(d -> d != deviceId).toArray();
    return new AccountRecord(id, role, nextDeviceId, rest, team, caseId);
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
        && team.equals(r.team)
        && Objects.equals(caseId, r.caseId);
  }

  @Override
  public int hashCode() {
    return Objects.hash(id, role, nextDeviceId, Arrays.hashCode(deviceIds), team, caseId);
  }

  @Override
  public String toString() {
    return "AccountRecord[role=" + role + ", devices=" + deviceIds.length + "]";
  }
}
