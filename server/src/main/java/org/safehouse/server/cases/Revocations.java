package org.safehouse.server.cases;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.safehouse.server.Refusal;
import org.safehouse.server.account.AccountId;
import org.safehouse.server.account.AccountRecord;
import org.safehouse.server.account.DeviceAddress;
import org.safehouse.server.message.DeliveryHub;
import org.safehouse.server.store.RelayStore;

/**
 * The admin's revocation of a device or a whole account: deleted in one commit with its keys and
 * queued messages (and, for an account, the invites it created that were not redeemed), its
 * connections told to close before the revocation completes. Audit lines name a client only by its
 * case id, so a revoked client leaves no trace of its account id.
 *
 * <p>What makes it immediate is not the closing, which is asynchronous, but that every request
 * checks its device inside its own transaction ({@link org.safehouse.server.account.Requester}),
 * and that a connection which authenticated just before the commit registers with the hub first and
 * checks its device again after (see {@link org.safehouse.server.message.DeliverySession#start}).
 * Once a revocation completes, nothing the device sends does anything.
 */
public final class Revocations {
  private final RelayStore store;
  private final Clock clock;
  private final DeliveryHub hub;

  public Revocations(RelayStore store, Clock clock, DeliveryHub hub) {
    this.store = store;
    this.clock = clock;
    this.hub = hub;
  }

  /**
   * Revokes one device. The account keeps its other devices (with none left, nobody can sign in to
   * it until an admin revokes it or it is closed).
   *
   * @return how many queued copies were deleted; fails with {@link Refusal} {@code
   *     UNKNOWN_RECIPIENT} for an unknown account or device
   */
  public CompletableFuture<Integer> revokeDevice(AccountId account, int deviceId) {
    return store
        .write(
            tx -> {
              AccountRecord a = tx.account(account).orElseThrow(Refusal::unknownAccount);
              if (!a.hasDevice(deviceId)) {
                throw Refusal.unknownAccount();
              }
              int removed = tx.deleteDevice(a, deviceId);
              tx.audit(clock.millis(), "revoke.device " + subject(a) + " device=" + deviceId);
              return removed;
            })
        .thenApply(
            removed -> {
              hub.disconnect(new DeviceAddress(account, deviceId));
              return removed;
            });
  }

  /**
   * Revokes an account with all its devices. A client's case goes with it. A caseworker is taken
   * off every case team first; if it is the only caseworker of a case, the revocation is refused
   * (assign another caseworker first, or revoke its devices to cut it off now).
   *
   * @return how many queued copies were deleted; fails with {@link Refusal} {@code
   *     UNKNOWN_RECIPIENT} or {@code LAST_CASEWORKER}
   */
  public CompletableFuture<Integer> revokeAccount(AccountId account) {
    return store
        .write(
            tx -> {
              AccountRecord a = tx.account(account).orElseThrow(Refusal::unknownAccount);
              if (a.isStaff()) {
                List<CaseRecord> cases = new ArrayList<>();
                for (AccountId client : tx.caseload(account)) {
                  var caseId = tx.account(client).flatMap(AccountRecord::caseOf);
                  var c =
                      caseId.isPresent()
                          ? tx.caseRecord(caseId.get())
                          : java.util.Optional.<CaseRecord>empty();
                  if (c.isPresent() && c.get().hasMember(account)) {
                    CaseRecord after = c.get().withoutMember(account);
                    if (after.team().isEmpty()) {
                      throw new Refusal(
                          Refusal.Reason.LAST_CASEWORKER,
                          "case "
                              + c.get().id().hex()
                              + " has only this caseworker; assign another one first, or revoke"
                              + " its devices to cut it off now");
                    }
                    cases.add(c.get());
                  }
                }
                for (CaseRecord c : cases) {
                  CaseRecord now = tx.caseRecord(c.id()).orElseThrow();
                  CaseRecord after = now.withoutMember(account);
                  CaseTeams.apply(tx, now, after);
                  tx.audit(
                      clock.millis(),
                      "case.remove case="
                          + c.id().hex()
                          + " caseworker="
                          + account.hex()
                          + " by=revoke");
                }
              }
              int removed = tx.deleteAccount(a);
              tx.audit(clock.millis(), "revoke.account " + subject(a));
              return java.util.Map.entry(removed, a);
            })
        // On the commit's completion, before the caller hears back: once revokeAccount completes,
        // every connection of the account has been told to close.
        .thenApply(
            done -> {
              for (int d : done.getValue().deviceIds()) {
                hub.disconnect(new DeviceAddress(account, d));
              }
              return done.getKey();
            });
  }

  private static String subject(AccountRecord a) {
    if (a.isStaff()) {
      return "account=" + a.id().hex();
    }
    return "case=" + a.caseOf().map(CaseId::hex).orElse("none");
  }
}
