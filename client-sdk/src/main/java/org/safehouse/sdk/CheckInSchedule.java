package org.safehouse.sdk;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * A case's check-in schedule, as the server keeps it.
 *
 * @param caseId 32 lowercase hex characters
 * @param every how often the client must check in; {@link Duration#ZERO} if the case has no
 *     schedule
 * @param grace how long after a due check-in the team is alerted
 * @param deleteAfter if not zero: how long after the alert the client's account is deleted on the
 *     server, unless it checked in
 * @param paused a paused schedule raises no alert
 * @param nextDue when the next check-in is due; empty without a schedule
 */
public record CheckInSchedule(
    String caseId,
    Duration every,
    Duration grace,
    Duration deleteAfter,
    boolean paused,
    Optional<Instant> nextDue) {}
