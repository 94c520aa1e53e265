package org.safehouse.server.checkin;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import org.safehouse.server.Refusal;
import org.safehouse.server.account.AccountId;
import org.safehouse.server.account.AccountRecord;
import org.safehouse.server.account.DeviceAddress;
import org.safehouse.server.account.Requester;
import org.safehouse.server.account.Role;
import org.safehouse.server.cases.CaseId;
import org.safehouse.server.cases.CaseRecord;
import org.safehouse.server.store.CheckInStore;
import org.safehouse.server.store.CheckInStore.Alert;
import org.safehouse.server.store.CheckInStore.Schedule;
import org.safehouse.server.store.RelayStore;
import org.safehouse.server.store.Tx;
import org.safehouse.server.store.WriteOp;

/**
 * Check-in schedules and check-ins. A team member (or an admin) sets, changes, pauses or removes a
 * case's schedule, each change an audit line; the client checks in; the server records only when.
 * Whether a check-in was made under duress is in an end-to-end encrypted message to the team that
 * the server relays like any other, so it never knows.
 */
public final class CheckIns {
  /** The shortest schedule: check-ins more often than this are not a schedule but a chore. */
  public static final Duration MIN_EVERY = Duration.ofMinutes(1);

  /** A schedule as a team member asks for it; {@code every} zero removes it. */
  public record Change(Duration every, Duration grace, Duration deleteAfter, boolean paused) {}

  private final RelayStore store;
  private final CheckInStore rows;
  private final Clock clock;
  private final AlertHub hub = new AlertHub();
  private final AtomicLong alertIds;

  public CheckIns(RelayStore store, Clock clock) {
    this.store = store;
    this.rows = new CheckInStore(store);
    this.clock = clock;
    this.alertIds = new AtomicLong(clock.millis() * 1000);
  }

  CheckInStore rows() {
    return rows;
  }

  Clock clock() {
    return clock;
  }

  RelayStore store() {
    return store;
  }

  /** The connected devices that take alerts live. */
  public AlertHub alerts() {
    return hub;
  }

  /**
   * Sets, changes, pauses or removes a case's schedule. Resuming a paused schedule, or setting a
   * new one, counts from now.
   *
   * @return the schedule after the change (empty when removed); fails with {@link Refusal} {@code
   *     UNKNOWN_CASE} (not a member, or no such case), {@code BAD_REQUEST} or {@code AUTH_FAILED}
   */
  public CompletableFuture<Optional<Schedule>> set(DeviceAddress device, CaseId id, Change c) {
    if (!c.every().isZero() && c.every().compareTo(MIN_EVERY) < 0
        || c.grace().isNegative()
        || c.deleteAfter().isNegative()) {
      return CompletableFuture.failedFuture(
          new Refusal(
              Refusal.Reason.BAD_REQUEST,
              "every must be 0 (no schedule) or at least 60 seconds; grace and delete-after not"
                  + " negative"));
    }
    return store.write(
        tx -> {
          member(tx, device, id);
          long now = clock.millis();
          Optional<Schedule> before = rows.schedule(id);
          String by = " by=" + device.account().hex();
          if (c.every().isZero()) {
            rows.delete(tx, id);
            tx.audit(now, "checkin.schedule.remove case=" + id.hex() + by);
            return Optional.<Schedule>empty();
          }
          boolean restart = before.isEmpty() || before.get().paused() && !c.paused();
          Schedule after =
              new Schedule(
                  id,
                  c.every().toMillis(),
                  c.grace().toMillis(),
                  c.deleteAfter().toMillis(),
                  c.paused(),
                  restart ? now : before.get().lastCheckInMillis(),
                  restart ? 0 : before.get().alertedDueMillis());
          rows.put(tx, after);
          tx.audit(
              now,
              "checkin.schedule case="
                  + id.hex()
                  + " every="
                  + c.every().toSeconds()
                  + "s grace="
                  + c.grace().toSeconds()
                  + "s delete-after="
                  + c.deleteAfter().toSeconds()
                  + "s paused="
                  + c.paused()
                  + by);
          return Optional.of(after);
        });
  }

  /**
   * The schedule of a case: for a client its own case (then {@code id} may be null), for staff a
   * case whose team it is on (or any, for an admin). Blocking.
   *
   * @return the case id and its schedule, if any
   */
  public Viewed schedule(DeviceAddress device, CaseId id) throws IOException, Refusal {
    AccountRecord a = Requester.check(store, device);
    CaseId caseId = id;
    if (!a.isStaff()) {
      if (a.caseId() == null || id != null && !id.equals(a.caseId())) {
        throw Refusal.unknownCase();
      }
      caseId = a.caseId();
    } else {
      if (id == null) {
        throw Refusal.unknownCase();
      }
      Optional<CaseRecord> c = store.caseRecord(id);
      if (c.isEmpty() || !(a.role() == Role.ADMIN || c.get().hasMember(a.id()))) {
        throw Refusal.unknownCase();
      }
    }
    return new Viewed(caseId, rows.schedule(caseId));
  }

  /** A case and its schedule, if it has one. */
  public record Viewed(CaseId caseId, Optional<Schedule> schedule) {}

  /**
   * The client checks in: the time is recorded and any missed-check-in state cleared. The same for
   * every check-in, ordinary or not.
   *
   * @return when the next check-in is due, or 0 if the case has no schedule; fails with {@link
   *     Refusal} {@code FORBIDDEN} for staff, {@code AUTH_FAILED} for a revoked device
   */
  public CompletableFuture<Long> checkIn(DeviceAddress device) {
    return store.write(
        tx -> {
          AccountRecord a = Requester.check(tx, device);
          if (a.isStaff() || a.caseId() == null) {
            throw new Refusal(Refusal.Reason.FORBIDDEN, "only a client checks in");
          }
          Optional<Schedule> s = rows.schedule(a.caseId());
          if (s.isEmpty()) {
            return 0L;
          }
          Schedule after =
              new Schedule(
                  a.caseId(),
                  s.get().everyMillis(),
                  s.get().graceMillis(),
                  s.get().deleteAfterMillis(),
                  s.get().paused(),
                  clock.millis(),
                  0);
          rows.put(tx, after);
          return after.dueMillis();
        });
  }

  /** The alerts waiting for {@code device}. Blocking. */
  public List<Alert> waiting(DeviceAddress device) throws IOException {
    return rows.alerts(device);
  }

  /** Deletes alerts the device has stored. Not synced on its own: a lost ack repeats an alert. */
  public CompletableFuture<Void> acknowledge(DeviceAddress device, List<Long> ids) {
    return store.write(
        WriteOp.relaxed(
            tx -> {
              Requester.check(tx, device);
              for (long id : ids) {
                rows.deleteAlert(tx, device, id);
              }
              return null;
            }));
  }

  /** Stores an alert for every device of every team member, pushed live after the commit. */
  void raise(Tx tx, CaseRecord c, int kind, long due, long deletesAt) throws Exception {
    List<Alert> raised = new java.util.ArrayList<>();
    for (AccountId member : c.team()) {
      Optional<AccountRecord> m = tx.account(member);
      if (m.isEmpty()) {
        continue;
      }
      for (int d : m.get().deviceIds()) {
        Alert a =
            new Alert(
                alertIds.incrementAndGet(),
                new DeviceAddress(member, d),
                kind,
                c.id(),
                due,
                deletesAt);
        rows.putAlert(tx, a);
        raised.add(a);
      }
    }
    tx.afterCommit(() -> hub.push(raised));
  }

  private static void member(Tx tx, DeviceAddress device, CaseId id) throws Exception {
    AccountRecord a = Requester.check(tx, device);
    CaseRecord c = tx.caseRecord(id).orElseThrow(Refusal::unknownCase);
    if (!(a.role() == Role.ADMIN || c.hasMember(a.id()))) {
      throw Refusal.unknownCase();
    }
  }
}
