package org.safehouse.server.cases;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.safehouse.server.account.AccountId;

/**
 * A case as stored: its client and its team. The client's {@code AccountRecord} carries the same
 * team and the case id; both are written in the same commit.
 *
 * @param team the caseworkers (and admins) of the case, in the order they joined
 */
public record CaseRecord(CaseId id, AccountId client, List<AccountId> team) {
  public CaseRecord {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(client, "client");
    team = List.copyOf(team);
  }

  public boolean hasMember(AccountId a) {
    return team.contains(a);
  }

  public CaseRecord withMember(AccountId a) {
    if (team.contains(a)) {
      return this;
    }
    List<AccountId> t = new ArrayList<>(team);
    t.add(a);
    return new CaseRecord(id, client, t);
  }

  public CaseRecord withoutMember(AccountId a) {
    List<AccountId> t = new ArrayList<>(team);
    t.remove(a);
    return new CaseRecord(id, client, t);
  }

  @Override
  public String toString() {
    return "CaseRecord[team=" + team.size() + "]";
  }
}
