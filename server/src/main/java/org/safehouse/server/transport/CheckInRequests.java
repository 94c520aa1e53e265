package org.safehouse.server.transport;

import com.google.protobuf.ByteString;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.safehouse.protocol.wire.AlertsAcknowledged;
import org.safehouse.protocol.wire.Case;
import org.safehouse.protocol.wire.CheckInAlert;
import org.safehouse.protocol.wire.CheckInSchedule;
import org.safehouse.protocol.wire.CheckedIn;
import org.safehouse.protocol.wire.GetCheckInSchedule;
import org.safehouse.protocol.wire.Response;
import org.safehouse.protocol.wire.SetCheckInSchedule;
import org.safehouse.server.Refusal;
import org.safehouse.server.account.AccountId;
import org.safehouse.server.account.AccountRecord;
import org.safehouse.server.account.DeviceAddress;
import org.safehouse.server.account.Requester;
import org.safehouse.server.cases.CaseId;
import org.safehouse.server.cases.CaseRecord;
import org.safehouse.server.checkin.CheckIns;
import org.safehouse.server.store.CheckInStore;

/**
 * Translates the case-conversation and check-in requests (ClientFrame 80-84) between wire types and
 * service calls. No rules here.
 */
final class CheckInRequests {
  private final Services services;

  CheckInRequests(Services services) {
    this.services = services;
  }

  /** The client's own case and team (staff: UNKNOWN_CASE). */
  CompletableFuture<Response.Builder> myCase(DeviceAddress device) {
    return read(
        () -> {
          AccountRecord a = Requester.check(services.store(), device);
          if (a.isStaff() || a.caseId() == null) {
            throw Refusal.unknownCase();
          }
          CaseRecord c = services.store().caseRecord(a.caseId()).orElseThrow(Refusal::unknownCase);
          Case.Builder b =
              Case.newBuilder()
                  .setCaseId(ByteString.copyFrom(c.id().bytes()))
                  .setClientAccountId(ByteString.copyFrom(c.client().bytes()));
          for (AccountId m : c.team()) {
            b.addTeam(ByteString.copyFrom(m.bytes()));
          }
          return Response.newBuilder().setCaseTeam(b);
        });
  }

  CompletableFuture<Response.Builder> set(DeviceAddress device, SetCheckInSchedule s) {
    if (s.getCaseId().size() != CaseId.LENGTH) {
      return bad("case_id must be 16 bytes");
    }
    CaseId id = CaseId.of(s.getCaseId().toByteArray());
    var change =
        new CheckIns.Change(
            Duration.ofSeconds(Integer.toUnsignedLong(s.getEverySeconds())),
            Duration.ofSeconds(Integer.toUnsignedLong(s.getGraceSeconds())),
            Duration.ofSeconds(Integer.toUnsignedLong(s.getDeleteAfterSeconds())),
            s.getPaused());
    return services
        .checkIns()
        .set(device, id, change)
        .thenApply(after -> Response.newBuilder().setCheckInSchedule(wire(id, after)));
  }

  CompletableFuture<Response.Builder> get(DeviceAddress device, GetCheckInSchedule g) {
    if (!g.getCaseId().isEmpty() && g.getCaseId().size() != CaseId.LENGTH) {
      return bad("case_id must be empty or 16 bytes");
    }
    CaseId id = g.getCaseId().isEmpty() ? null : CaseId.of(g.getCaseId().toByteArray());
    return read(
        () -> {
          CheckIns.Viewed v = services.checkIns().schedule(device, id);
          return Response.newBuilder().setCheckInSchedule(wire(v.caseId(), v.schedule()));
        });
  }

  CompletableFuture<Response.Builder> checkIn(DeviceAddress device) {
    return services
        .checkIns()
        .checkIn(device)
        .thenApply(
            due ->
                Response.newBuilder().setCheckedIn(CheckedIn.newBuilder().setNextDueMillis(due)));
  }

  CompletableFuture<Response.Builder> acknowledge(DeviceAddress device, java.util.List<Long> ids) {
    if (ids.size() > 1000) {
      return bad("at most 1000 alert ids per acknowledgement");
    }
    return services
        .checkIns()
        .acknowledge(device, ids)
        .thenApply(
            v ->
                Response.newBuilder()
                    .setAlertsAcknowledged(AlertsAcknowledged.getDefaultInstance()));
  }

  static CheckInAlert wire(CheckInStore.Alert a) {
    return CheckInAlert.newBuilder()
        .setAlertId(a.id())
        .setKind(CheckInAlert.Kind.forNumber(a.kind()))
        .setCaseId(ByteString.copyFrom(a.caseId().bytes()))
        .setDueMillis(a.dueMillis())
        .setDeletesAtMillis(a.deletesAtMillis())
        .build();
  }

  private static CheckInSchedule wire(CaseId id, Optional<CheckInStore.Schedule> s) {
    CheckInSchedule.Builder b =
        CheckInSchedule.newBuilder().setCaseId(ByteString.copyFrom(id.bytes()));
    s.ifPresent(
        x ->
            b.setEverySeconds((int) (x.everyMillis() / 1000))
                .setGraceSeconds((int) (x.graceMillis() / 1000))
                .setDeleteAfterSeconds((int) (x.deleteAfterMillis() / 1000))
                .setPaused(x.paused())
                .setLastCheckInMillis(x.lastCheckInMillis())
                .setNextDueMillis(x.dueMillis()));
    return b.build();
  }

  private interface Read {
    Response.Builder run() throws Exception;
  }

  private CompletableFuture<Response.Builder> read(Read r) {
    return CompletableFuture.supplyAsync(
        () -> {
          try {
            return r.run();
          } catch (Exception e) {
            throw new CompletionException(e);
          }
        },
        services.readers());
  }

  private static CompletableFuture<Response.Builder> bad(String message) {
    return CompletableFuture.failedFuture(new Refusal(Refusal.Reason.BAD_REQUEST, message));
  }
}
