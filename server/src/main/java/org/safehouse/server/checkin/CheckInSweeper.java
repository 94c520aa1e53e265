package org.safehouse.server.checkin;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.safehouse.server.account.AccountRecord;
import org.safehouse.server.account.DeviceAddress;
import org.safehouse.server.cases.CaseRecord;
import org.safehouse.server.message.DeliveryHub;
import org.safehouse.server.store.CheckInStore;
import org.safehouse.server.store.CheckInStore.Schedule;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds missed check-ins, driven by the injected clock: once a case's check-in is more than its
 * grace period overdue, every device of every team member gets an alert (once per missed check-in);
 * if the case is set to, once a further {@code delete-after} has passed without a check-in, the
 * client's account, devices, keys and queue are deleted as closing the case does, and the team is
 * told. Cost: one read per case with a schedule.
 */
public final class CheckInSweeper {
  private static final Logger log = LoggerFactory.getLogger(CheckInSweeper.class);
  static final int MISSED = 1;
  static final int ACCOUNT_DELETED = 2;

  private final CheckIns checkIns;
  private final DeliveryHub hub;

  public CheckInSweeper(CheckIns checkIns, DeliveryHub hub) {
    this.checkIns = checkIns;
    this.hub = hub;
  }

  /** Raises the alerts and deletions due now; completes with how many cases it acted on. */
  public CompletableFuture<Integer> sweep() {
    CheckInStore rows = checkIns.rows();
    try {
      // Most sweeps find nothing due: then no write (and no sync) at all.
      long now = checkIns.clock().millis();
      if (rows.schedules().stream()
          .noneMatch(s -> !s.paused() && now >= s.dueMillis() + s.graceMillis())) {
        return CompletableFuture.completedFuture(0);
      }
    } catch (java.io.IOException e) {
      return CompletableFuture.failedFuture(e);
    }
    return checkIns
        .store()
        .write(
            tx -> {
              long now = checkIns.clock().millis();
              int acted = 0;
              for (Schedule s : rows.schedules()) {
                long due = s.dueMillis();
                long missedAt = due + s.graceMillis();
                if (s.paused() || now < missedAt) {
                  continue;
                }
                Optional<CaseRecord> c = tx.caseRecord(s.caseId());
                if (c.isEmpty()) {
                  rows.delete(tx, s.caseId());
                  continue;
                }
                long deletesAt = s.deleteAfterMillis() > 0 ? missedAt + s.deleteAfterMillis() : 0;
                if (s.alertedDueMillis() != due) {
                  checkIns.raise(tx, c.get(), MISSED, due, deletesAt);
                  rows.put(
                      tx,
                      new Schedule(
                          s.caseId(),
                          s.everyMillis(),
                          s.graceMillis(),
                          s.deleteAfterMillis(),
                          false,
                          s.lastCheckInMillis(),
                          due));
                  tx.audit(now, "checkin.missed case=" + s.caseId().hex());
                  acted++;
                }
                if (deletesAt > 0 && now >= deletesAt) {
                  Optional<AccountRecord> client = tx.account(c.get().client());
                  if (client.isPresent()) {
                    tx.deleteAccount(client.get());
                    checkIns.raise(tx, c.get(), ACCOUNT_DELETED, due, deletesAt);
                    tx.audit(now, "checkin.deleted case=" + s.caseId().hex());
                    List<DeviceAddress> devices = new ArrayList<>();
                    for (int d : client.get().deviceIds()) {
                      devices.add(new DeviceAddress(client.get().id(), d));
                    }
                    tx.afterCommit(() -> devices.forEach(hub::disconnect));
                    acted++;
                  }
                }
              }
              return acted;
            });
  }

  /** Runs {@link #sweep} and logs only failures. */
  public void sweepAndLog() {
    sweep()
        .whenComplete(
            (n, e) -> {
              if (e != null) {
                log.warn("check-in sweep failed: {}", e.toString());
              }
            });
  }
}
