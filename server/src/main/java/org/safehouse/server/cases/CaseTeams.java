package org.safehouse.server.cases;

import java.io.IOException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.safehouse.server.Refusal;
import org.safehouse.server.account.AccountId;
import org.safehouse.server.account.AccountRecord;
import org.safehouse.server.account.DeviceAddress;
import org.safehouse.server.account.Requester;
import org.safehouse.server.account.Role;
import org.safehouse.server.message.DeliveryHub;
import org.safehouse.server.store.RelayStore;
import org.safehouse.server.store.Tx;

/**
 * Case teams: listing a caseworker's cases, adding and removing caseworkers (hand-over), closing a
 * case. Every team change updates the case, the client's account record (which the routing policy
 * reads) and the caseload rows (which contact lists read) in one commit, and appends an audit line.
 *
 * <p>A case a caller may not manage is answered exactly like a case that does not exist ({@link
 * Refusal#unknownCase()}); a caseworker id that is unknown or not staff exactly like an unknown
 * account ({@link Refusal#unknownAccount()}).
 */
public final class CaseTeams {
  /** Who asks: a device over the wire, or the server's local admin socket. */
  public record Actor(DeviceAddress device) {
    public static final Actor ADMIN_SOCKET = new Actor(null);

    /** The requesting account, or null for the admin socket. */
    public AccountId account() {
      return device == null ? null : device.account();
    }

    String label() {
      return device == null ? "admin-socket" : device.account().hex();
    }
  }

  private final RelayStore store;
  private final Clock clock;
  private final DeliveryHub hub;

  public CaseTeams(RelayStore store, Clock clock, DeliveryHub hub) {
    this.store = store;
    this.clock = clock;
    this.hub = hub;
  }

  /**
   * The cases whose team includes the requesting device's account; empty for a client. Blocking.
   *
   * @throws Refusal {@code AUTH_FAILED} if the device was revoked or its account deleted
   */
  public List<CaseRecord> casesOf(DeviceAddress device) throws IOException, Refusal {
    Requester.check(store, device);
    AccountId self = device.account();
    List<CaseRecord> out = new ArrayList<>();
    for (AccountId client : store.caseload(self)) {
      Optional<CaseId> id = store.account(client).flatMap(AccountRecord::caseOf);
      if (id.isPresent()) {
        store.caseRecord(id.get()).filter(c -> c.hasMember(self)).ifPresent(out::add);
      }
    }
    return out;
  }

  /**
   * Adds {@code caseworker} to the team. Allowed for a team member and for admins.
   *
   * @return the team after the change; fails with {@link Refusal} {@code UNKNOWN_CASE} or {@code
   *     UNKNOWN_RECIPIENT} (the caseworker is unknown or not staff)
   */
  public CompletableFuture<CaseRecord> add(Actor actor, CaseId id, AccountId caseworker) {
    return store.write(
        tx -> {
          CaseRecord c = managed(tx, actor, id);
          requireStaff(tx, caseworker);
          if (c.hasMember(caseworker)) {
            return c;
          }
          CaseRecord after = c.withMember(caseworker);
          apply(tx, c, after);
          tx.audit(
              clock.millis(),
              "case.add case="
                  + id.hex()
                  + " caseworker="
                  + caseworker.hex()
                  + " by="
                  + actor.label());
          return after;
        });
  }

  /**
   * Removes {@code caseworker} from the team. Allowed for a team member and for admins.
   *
   * @return the team after the change; fails with {@link Refusal} {@code UNKNOWN_CASE}, {@code
   *     UNKNOWN_RECIPIENT} (not on the team) or {@code LAST_CASEWORKER}
   */
  public CompletableFuture<CaseRecord> remove(Actor actor, CaseId id, AccountId caseworker) {
    return store.write(
        tx -> {
          CaseRecord c = managed(tx, actor, id);
          if (!c.hasMember(caseworker)) {
            throw Refusal.unknownAccount();
          }
          CaseRecord after = c.withoutMember(caseworker);
          requireNotEmpty(after);
          apply(tx, c, after);
          tx.audit(
              clock.millis(),
              "case.remove case="
                  + id.hex()
                  + " caseworker="
                  + caseworker.hex()
                  + " by="
                  + actor.label());
          return after;
        });
  }

  /**
   * Hands the case over from {@code self} to {@code caseworker} in one commit.
   *
   * @param device the requesting device, of a caseworker on the team
   * @return the team after the change; fails with {@link Refusal} {@code UNKNOWN_CASE} (also if
   *     {@code self} is not on the team), {@code UNKNOWN_RECIPIENT}, {@code BAD_REQUEST} (to
   *     oneself) or {@code AUTH_FAILED} (the device was revoked)
   */
  public CompletableFuture<CaseRecord> handOver(
      DeviceAddress device, CaseId id, AccountId caseworker) {
    AccountId self = device.account();
    return store.write(
        tx -> {
          Requester.check(tx, device);
          CaseRecord c = tx.caseRecord(id).orElseThrow(Refusal::unknownCase);
          if (!c.hasMember(self)) {
            throw Refusal.unknownCase();
          }
          if (caseworker.equals(self)) {
            throw new Refusal(
                Refusal.Reason.BAD_REQUEST, "hand the case over to another caseworker");
          }
          requireStaff(tx, caseworker);
          CaseRecord after = c.withMember(caseworker).withoutMember(self);
          apply(tx, c, after);
          tx.audit(
              clock.millis(),
              "case.handover case=" + id.hex() + " from=" + self.hex() + " to=" + caseworker.hex());
          return after;
        });
  }

  /**
   * Closes a case: deletes the client's account, devices, keys and queued messages at once (and
   * what it sent that is still queued) and drops its connections. Allowed for a team member.
   *
   * @param device the requesting device, of a caseworker on the team
   * @return how many queued copies were deleted; fails with {@link Refusal} {@code UNKNOWN_CASE} or
   *     {@code AUTH_FAILED} (the device was revoked)
   */
  public CompletableFuture<Integer> close(DeviceAddress device, CaseId id) {
    AccountId self = device.account();
    return store
        .write(
            tx -> {
              Requester.check(tx, device);
              CaseRecord c = tx.caseRecord(id).orElseThrow(Refusal::unknownCase);
              if (!c.hasMember(self)) {
                throw Refusal.unknownCase();
              }
              AccountRecord client = tx.account(c.client()).orElseThrow(Refusal::unknownCase);
              int removed = tx.deleteAccount(client);
              tx.audit(clock.millis(), "case.close case=" + id.hex() + " by=" + self.hex());
              return new Closed(removed, client);
            })
        // Connections dropped before the caller hears back (see Revocations#revokeAccount).
        .thenApply(
            closed -> {
              disconnect(closed.client());
              return closed.removed();
            });
  }

  private record Closed(int removed, AccountRecord client) {}

  /** Drops every connection of {@code a}'s devices. */
  void disconnect(AccountRecord a) {
    for (int d : a.deviceIds()) {
      hub.disconnect(new DeviceAddress(a.id(), d));
    }
  }

  private static CaseRecord managed(Tx tx, Actor actor, CaseId id) throws Exception {
    CaseRecord c = tx.caseRecord(id).orElseThrow(Refusal::unknownCase);
    if (actor.device() == null) {
      return c;
    }
    AccountRecord a = Requester.check(tx, actor.device());
    if (!(a.role() == Role.ADMIN || c.hasMember(actor.account()))) {
      throw Refusal.unknownCase();
    }
    return c;
  }

  private static void requireStaff(Tx tx, AccountId caseworker) throws Exception {
    if (tx.account(caseworker).filter(AccountRecord::isStaff).isEmpty()) {
      throw Refusal.unknownAccount();
    }
  }

  static void requireNotEmpty(CaseRecord after) throws Refusal {
    if (after.team().isEmpty()) {
      throw new Refusal(
          Refusal.Reason.LAST_CASEWORKER,
          "a case needs at least one caseworker; add another one first");
    }
  }

  /** Writes a team change to the case, the client's record and the caseload rows. */
  static void apply(Tx tx, CaseRecord before, CaseRecord after) throws Exception {
    tx.putCase(after);
    Optional<AccountRecord> client = tx.account(after.client());
    if (client.isPresent()) {
      tx.putAccount(client.get().withTeam(after.team()), false);
    }
    for (AccountId m : after.team()) {
      if (!before.hasMember(m)) {
        tx.putCaseload(m, after.client());
      }
    }
    for (AccountId m : before.team()) {
      if (!after.hasMember(m)) {
        tx.deleteCaseload(m, after.client());
      }
    }
  }
}
