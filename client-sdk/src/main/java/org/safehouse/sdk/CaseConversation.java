package org.safehouse.sdk;

import com.google.protobuf.ByteString;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.safehouse.protocol.content.CheckInSignal;
import org.safehouse.protocol.content.Content;
import org.safehouse.protocol.content.SentCopy;
import org.safehouse.protocol.content.Text;
import org.safehouse.protocol.wire.CheckIn;
import org.safehouse.protocol.wire.ClientFrame;
import org.safehouse.protocol.wire.GetCheckInSchedule;
import org.safehouse.protocol.wire.MyCase;
import org.safehouse.protocol.wire.Response;
import org.safehouse.protocol.wire.SetCheckInSchedule;
import org.safehouse.sdk.SafehouseException.Reason;
import org.safehouse.sdk.internal.store.Hex;

/**
 * One conversation per case, fanned out by this device: a text to a case goes, end-to-end
 * encrypted, to every device of every member (the client and the caseworkers) except this account,
 * through the ordinary per-recipient send ({@link Outbox}). The team is fetched from the server for
 * every send, so an added member gets the next message and a removed one no more. Check-ins go the
 * same way: a padded {@link CheckInSignal} to every team member, then one {@code CheckIn} request;
 * an ordinary and a duress check-in differ only inside the encryption.
 *
 * <p>A text this device sends to a case also goes, end-to-end encrypted, to this account's other
 * devices as a {@link SentCopy} with the case's id ({@link OwnCopies}), so each files it in the
 * case's thread: it comes out of their inbox as a {@link ReceivedMessage} whose sender is this
 * account.
 */
final class CaseConversation {
  private final ServerLink link;
  private final Outbox outbox;
  private final Casework casework;
  private final CaseAlerts alerts;
  private final DeviceCredentials self;
  private final OwnCopies ownCopies;
  private final Clock clock;

  CaseConversation(
      ServerLink link,
      Outbox outbox,
      Casework casework,
      CaseAlerts alerts,
      DeviceCredentials self,
      OwnCopies ownCopies,
      Clock clock) {
    this.link = link;
    this.outbox = outbox;
    this.casework = casework;
    this.alerts = alerts;
    this.self = self;
    this.ownCopies = ownCopies;
    this.clock = clock;
  }

  /**
   * The case of this client, or the case {@code caseId} of this caseworker, fresh from the server.
   */
  Case team(String caseId) throws IOException, SafehouseException {
    Case c;
    if ("client".equals(self.account().role())) {
      Response r = link.call(ClientFrame.newBuilder().setMyCase(MyCase.getDefaultInstance()));
      c = Casework.caseOf(r.getCaseTeam());
      if (caseId != null && !caseId.trim().equalsIgnoreCase(c.caseId())) {
        throw unknownCase();
      }
    } else {
      if (caseId == null) {
        throw unknownCase();
      }
      c = null;
      for (Case x : casework.cases()) {
        if (x.caseId().equalsIgnoreCase(caseId.trim())) {
          c = x;
        }
      }
      if (c == null) {
        throw unknownCase();
      }
    }
    alerts.knowClient(c.caseId(), c.clientAccountId());
    return c;
  }

  /**
   * Sends {@code text} to everyone of the case but this account.
   *
   * @return the message ids, one per member written to
   */
  List<String> send(String caseId, String text, Duration ttl)
      throws IOException, SafehouseException {
    Case c = team(caseId);
    Content content =
        Content.newBuilder()
            .setText(Text.newBuilder().setBody(text).setSentAtMillis(clock.millis()))
            .setCaseId(ByteString.copyFrom(Hex.parse(c.caseId())))
            .build();
    List<String> ids = new ArrayList<>();
    try {
      fanOut(c, content, ttl, ids);
    } finally {
      if (!ids.isEmpty()) {
        ownCopies.sentToCase(content.getCaseId(), ids.get(0), content.getText(), ttl);
      }
    }
    return ids;
  }

  /** Checks in: the signal to every team member, then the check-in request. */
  Optional<Instant> checkIn(boolean duress) throws IOException, SafehouseException {
    Case c = team(null);
    Content content =
        Content.newBuilder()
            .setCheckIn(
                CheckInSignal.newBuilder()
                    .setKind(duress ? CheckInSignal.Kind.DURESS : CheckInSignal.Kind.ORDINARY)
                    .setAtMillis(clock.millis()))
            .setCaseId(ByteString.copyFrom(Hex.parse(c.caseId())))
            .build();
    fanOut(c, content, null, new ArrayList<>());
    Response r = link.call(ClientFrame.newBuilder().setCheckIn(CheckIn.getDefaultInstance()));
    long due = r.getCheckedIn().getNextDueMillis();
    return due == 0 ? Optional.empty() : Optional.of(Instant.ofEpochMilli(due));
  }

  CheckInSchedule setSchedule(
      String caseId, Duration every, Duration grace, Duration deleteAfter, boolean paused)
      throws IOException, SafehouseException {
    Response r =
        link.call(
            ClientFrame.newBuilder()
                .setSetCheckInSchedule(
                    SetCheckInSchedule.newBuilder()
                        .setCaseId(Casework.caseIdBytes(caseId))
                        .setEverySeconds(seconds(every))
                        .setGraceSeconds(seconds(grace))
                        .setDeleteAfterSeconds(seconds(deleteAfter))
                        .setPaused(paused)));
    return schedule(r);
  }

  CheckInSchedule schedule(String caseId) throws IOException, SafehouseException {
    GetCheckInSchedule.Builder g = GetCheckInSchedule.newBuilder();
    if (caseId != null) {
      g.setCaseId(Casework.caseIdBytes(caseId));
    }
    return schedule(link.call(ClientFrame.newBuilder().setGetCheckInSchedule(g)));
  }

  private static CheckInSchedule schedule(Response r) {
    var s = r.getCheckInSchedule();
    return new CheckInSchedule(
        Hex.format(s.getCaseId().toByteArray()),
        Duration.ofSeconds(Integer.toUnsignedLong(s.getEverySeconds())),
        Duration.ofSeconds(Integer.toUnsignedLong(s.getGraceSeconds())),
        Duration.ofSeconds(Integer.toUnsignedLong(s.getDeleteAfterSeconds())),
        s.getPaused(),
        s.getNextDueMillis() == 0
            ? Optional.empty()
            : Optional.of(Instant.ofEpochMilli(s.getNextDueMillis())));
  }

  /**
   * One send per member but this account, each to all of its devices. A member that cannot be
   * written to (its identity changed, say) does not stop the others; the first failure is thrown
   * after all were tried.
   */
  private void fanOut(Case c, Content content, Duration ttl, List<String> ids)
      throws IOException, SafehouseException {
    Set<String> members = new LinkedHashSet<>();
    members.add(c.clientAccountId());
    members.addAll(c.team());
    members.remove(Hex.format(self.accountId()));
    SafehouseException failed = null;
    for (String member : members) {
      try {
        ids.add(outbox.send(member, content, ttl));
      } catch (SafehouseException e) {
        if (e.reason() == Reason.SERVER_UNAVAILABLE) {
          throw e;
        }
        failed = failed == null ? e : failed;
      }
    }
    if (failed != null) {
      throw failed;
    }
  }

  private static int seconds(Duration d) {
    if (d == null) {
      return 0;
    }
    if (d.isNegative() || d.getSeconds() > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("a duration must be 0 or positive, in range: " + d);
    }
    return (int) d.getSeconds();
  }

  private static SafehouseException unknownCase() {
    return new SafehouseException(
        Reason.UNKNOWN_CASE, "No such case of yours; 'cases' lists them (a client has one).");
  }
}
