package org.safehouse.sdk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.safehouse.sdk.SdkTesting.PASSPHRASE;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.safehouse.sdk.CaseAlert.Kind;
import org.safehouse.server.account.Role;
import org.safehouse.server.store.StoreInspector;
import org.safehouse.server.testing.FakeClock;
import org.safehouse.server.testing.TestServers;

/**
 * Check-ins through the real server and SDK with a fake clock: a missed check-in alerts every team
 * device (live, and queued for one that is offline), and a case set to delete loses the client's
 * account with nothing of it left in the store's files.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class CheckInTest extends ServerAndClients {
  private static final Duration WAIT = Duration.ofSeconds(15);

  @BeforeEach
  void start() throws Exception {
    startServer();
  }

  @Test
  void aMissedCheckInAlertsTheTeamAndThenTheClientsAccountIsDeletedWithoutTrace() throws Exception {
    SafehouseClient admin = enroll("admin", server.createInvite(Role.ADMIN).toString());
    SafehouseClient ana = enroll("ana", admin.createInvite("caseworker"));
    SafehouseClient ben = enroll("ben", admin.createInvite("caseworker"));
    SafehouseClient client = enroll("client", ana.createInvite("client"));
    String caseId = client.ownCase().caseId();
    ana.addCaseworker(caseId, CaseConversationTest.id(ben));
    String clientId = client.account().accountId();

    CheckInSchedule set =
        ana.setCheckInSchedule(
            caseId, Duration.ofHours(24), Duration.ofHours(2), Duration.ofHours(48), false);
    assertEquals(Duration.ofHours(24), set.every());
    assertEquals(Optional.of(clock.instant().plus(Duration.ofHours(24))), set.nextDue());
    assertEquals(set, client.checkInSchedule(null), "the client sees its schedule too");
    assertTrue(
        server.store().audit().stream().anyMatch(e -> e.text().startsWith("checkin.schedule ")),
        "a schedule change is in the audit log");

    clock.advance(Duration.ofHours(20));
    assertEquals(Optional.of(clock.instant().plus(Duration.ofHours(24))), client.checkIn());
    assertEquals(Kind.CHECKED_IN, alerts(ana, 1).get(0).kind());
    assertEquals(Kind.CHECKED_IN, alerts(ben, 1).get(0).kind());

    // Nothing is due yet: the sweep raises nothing.
    clock.advance(Duration.ofHours(25));
    assertEquals(0, server.checkInSweeper().sweep().get());

    // Ben goes offline; the client misses its check-in by more than the grace period.
    Path benHome = temp.resolve("ben");
    ben.close();
    clients.remove(ben);
    clock.advance(Duration.ofHours(2));
    assertEquals(1, server.checkInSweeper().sweep().get());
    CaseAlert missed = alerts(ana, 1).get(0);
    assertEquals(Kind.MISSED_CHECK_IN, missed.kind());
    assertEquals(caseId, missed.caseId());
    assertEquals(clientId, missed.clientAccountId());
    assertTrue(missed.deletesAt().isPresent());
    assertEquals(0, server.checkInSweeper().sweep().get(), "one alert per missed check-in");

    SafehouseClient benAgain = SafehouseClient.open(benHome, PASSPHRASE);
    clients.add(benAgain);
    benAgain.connect();
    CaseAlert queued = alerts(benAgain, 1).get(0);
    assertEquals(Kind.MISSED_CHECK_IN, queued.kind(), "queued for the offline member");
    assertEquals(caseId, queued.caseId());

    // No check-in by the deletion time: the client's account and queue go.
    clock.advance(Duration.ofHours(48));
    assertEquals(1, server.checkInSweeper().sweep().get());
    assertEquals(Kind.ACCOUNT_DELETED, alerts(ana, 1).get(0).kind());
    assertEquals(Kind.ACCOUNT_DELETED, alerts(benAgain, 1).get(0).kind());
    assertEquals(List.of(), ana.cases(), "the case is gone with its client");
    assertTrue(
        server.store().audit().stream().anyMatch(e -> e.text().startsWith("checkin.deleted ")));
    assertTrue(
        server.store().audit().stream().noneMatch(e -> e.text().contains(clientId)),
        "the audit log names no client");

    assertEquals(0, StoreInspector.count(server.store(), "checkins"), "the schedule went too");
    byte[] clientBytes = HexFormat.of().parseHex(clientId);
    // As CaseworkTest checks a closed case: no column family holds the id; once compacted, no
    // store file but RocksDB's MANIFEST (past file boundaries), and after a restart none at all.
    assertEquals(List.of(), StoreInspector.occurrences(server.store(), clientBytes));
    StoreInspector.compact(server.store());
    Path store = server.config().storeDir();
    assertTrue(
        StoreInspector.filesContaining(store, clientBytes).stream()
            .allMatch(p -> p.getFileName().toString().startsWith("MANIFEST-")));
    server = TestServers.restart(server, clock);
    assertEquals(List.of(), StoreInspector.filesContaining(store, clientBytes));
  }

  @Test
  void aPausedScheduleRaisesNoAlertAndOnlyTheTeamMaySetIt() throws Exception {
    SafehouseClient admin = enroll("admin", server.createInvite(Role.ADMIN).toString());
    SafehouseClient ana = enroll("ana", admin.createInvite("caseworker"));
    SafehouseClient other = enroll("other", admin.createInvite("caseworker"));
    SafehouseClient client = enroll("client", ana.createInvite("client"));
    String caseId = client.ownCase().caseId();

    SafehouseException notTeam =
        org.junit.jupiter.api.Assertions.assertThrows(
            SafehouseException.class,
            () ->
                other.setCheckInSchedule(
                    caseId, Duration.ofHours(1), Duration.ZERO, Duration.ZERO, false));
    assertEquals(SafehouseException.Reason.UNKNOWN_CASE, notTeam.reason());

    ana.setCheckInSchedule(caseId, Duration.ofHours(1), Duration.ZERO, Duration.ZERO, true);
    clock.advance(Duration.ofHours(5));
    assertEquals(0, server.checkInSweeper().sweep().get(), "paused");
    assertTrue(
        server.store().audit().stream().anyMatch(e -> e.text().contains("paused=true")),
        "pausing is in the audit log");

    CheckInSchedule resumed =
        ana.setCheckInSchedule(caseId, Duration.ofHours(1), Duration.ZERO, Duration.ZERO, false);
    assertEquals(Optional.of(clock.instant().plus(Duration.ofHours(1))), resumed.nextDue());
    clock.advance(Duration.ofMinutes(61));
    assertEquals(1, server.checkInSweeper().sweep().get(), "counted from the resume");
    assertEquals(Kind.MISSED_CHECK_IN, alerts(ana, 1).get(0).kind());
    assertTrue(client.contacts().size() == 1, "not deleted: the case was not set to");
  }

  /** Polls the home folder until {@code n} alerts arrived. */
  static List<CaseAlert> alerts(SafehouseClient c, int n) throws Exception {
    List<CaseAlert> got = new ArrayList<>();
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (got.size() < n && System.nanoTime() < deadline) {
      got.addAll(c.takeCaseAlerts());
      if (got.size() < n) {
        Thread.sleep(50);
      }
    }
    assertEquals(n, got.size(), "alerts: " + got);
    return got;
  }

  static Instant at(FakeClock clock) {
    return clock.instant();
  }

  @Override
  SafehouseClient enroll(String name, String link) throws Exception {
    SafehouseClient client = super.enroll(name, link);
    assertFalse(client.account().accountId().isEmpty());
    return client;
  }
}
