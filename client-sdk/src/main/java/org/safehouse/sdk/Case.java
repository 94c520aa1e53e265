package org.safehouse.sdk;

import java.util.List;

/**
 * A case this caseworker is on.
 *
 * @param caseId 32 lowercase hex characters
 * @param clientAccountId the person in hiding's account id, 32 lowercase hex characters
 * @param team the account ids of the case's caseworkers
 */
public record Case(String caseId, String clientAccountId, List<String> team) {
  /**
   * Validates and copies the team.
   *
   * @param caseId 32 lowercase hex characters
   * @param clientAccountId the person in hiding's account id
   * @param team the account ids of the case's caseworkers; copied
   * @throws NullPointerException if {@code team} or one of its ids is null
   */
  public Case {
    // List.copyOf is not on Android 8 (API 26); this keeps its contract: no nulls, immutable.
    team.forEach(java.util.Objects::requireNonNull);
    team = java.util.Collections.unmodifiableList(new java.util.ArrayList<>(team));
  }
}
