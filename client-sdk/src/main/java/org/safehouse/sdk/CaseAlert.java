package org.safehouse.sdk;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * Something a case team must know about its client's check-ins. The team's devices get every kind;
 * the server only ever learns of {@link Kind#MISSED_CHECK_IN} and {@link Kind#ACCOUNT_DELETED}
 * (which it raises), never whether a check-in was {@link Kind#DURESS}.
 *
 * @param kind what happened
 * @param caseId the case, 32 lowercase hex characters
 * @param clientAccountId the client (the sender of a check-in), or null when the server raised the
 *     alert and this device does not know the case's client
 * @param at when the client checked in, or when the missed check-in was due
 * @param deletesAt for a missed check-in on a case set to delete: when the server deletes the
 *     client's account unless it checks in first
 */
public record CaseAlert(
    Kind kind, String caseId, String clientAccountId, Instant at, Optional<Instant> deletesAt) {

  /** What happened. */
  public enum Kind {
    /** The client checked in (an ordinary check-in). */
    CHECKED_IN,
    /**
     * The client checked in under duress: it unlocked its app with its duress passphrase, or chose
     * a duress check-in. To the server this looked exactly like {@link #CHECKED_IN}.
     */
    DURESS,
    /** The client missed a check-in (raised by the server after the grace period). */
    MISSED_CHECK_IN,
    /** The server deleted the client's account after a missed check-in, as the case was set to. */
    ACCOUNT_DELETED
  }

  /**
   * Validates the alert.
   *
   * @param kind what happened
   * @param caseId the case
   * @param clientAccountId the client, or null
   * @param at when
   * @param deletesAt when the account will be deleted, if set
   * @throws NullPointerException if kind, caseId, at or deletesAt is null
   */
  public CaseAlert {
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(caseId, "caseId");
    Objects.requireNonNull(at, "at");
    Objects.requireNonNull(deletesAt, "deletesAt");
  }
}
