package org.safehouse.server.account;

import java.security.SecureRandom;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.safehouse.server.Refusal;
import org.safehouse.server.cases.CaseId;
import org.safehouse.server.cases.CaseRecord;
import org.safehouse.server.store.InviteRecord;
import org.safehouse.server.store.RelayStore;

/**
 * Redeems invites. The invite is consumed and the account created in one atomic commit, so a code
 * can never make two accounts and a crash never consumes a code without making one.
 */
public final class Enrollment {
  /** The new account and its first device. */
  public record Enrolled(DeviceAddress device, Role role) {}

  private final RelayStore store;
  private final Clock clock;
  private final SecureRandom random;

  public Enrollment(RelayStore store, Clock clock, SecureRandom random) {
    this.store = store;
    this.clock = clock;
    this.random = random;
  }

  /**
   * @param code the 16-byte invite code
   * @param authPublicKey the device's raw 32-byte Ed25519 public key
   * @return completes with the new device, or fails with a {@link Refusal} ({@code INVITE_INVALID}
   *     for an unknown, used or expired code; {@code BAD_REQUEST} for a bad key)
   */
  public CompletableFuture<Enrolled> enroll(byte[] code, byte[] authPublicKey) {
    if (code.length != InviteLink.CODE_BYTES) {
      return CompletableFuture.failedFuture(
          new Refusal(Refusal.Reason.INVITE_INVALID, "unknown, used or expired invite"));
    }
    if (!Ed25519.isValidPublicKey(authPublicKey)) {
      return CompletableFuture.failedFuture(
          new Refusal(Refusal.Reason.BAD_REQUEST, "auth_public_key must be a 32-byte Ed25519 key"));
    }
    byte[] hash = Invites.hash(code);
    AccountId id = AccountId.random(random);
    return store.write(
        tx -> {
          Optional<InviteRecord> invite = tx.invite(hash);
          if (invite.isEmpty() || invite.get().expiresAtMillis() <= clock.millis()) {
            throw new Refusal(Refusal.Reason.INVITE_INVALID, "unknown, used or expired invite");
          }
          tx.deleteInvite(hash);
          Role role = invite.get().role();
          DeviceAddress device = new DeviceAddress(id, 1);
          List<AccountId> team = List.of();
          CaseId caseId = null;
          if (role == Role.CLIENT) {
            // A client opens a new case whose team is the inviting caseworker (if it still
            // exists); a client invited by the admin command waits for an admin to assign one.
            Optional<AccountId> inviter = invite.get().createdBy();
            if (inviter.isPresent() && tx.account(inviter.get()).isPresent()) {
              team = List.of(inviter.get());
              tx.putCaseload(inviter.get(), id);
            }
            caseId = CaseId.random(random);
            tx.putCase(new CaseRecord(caseId, id, team));
            tx.audit(
                clock.millis(),
                "case.open case="
                    + caseId.hex()
                    + (team.isEmpty() ? " team=none" : " team=" + team.get(0).hex()));
          } else {
            tx.putStaff(id, role);
          }
          tx.putAccount(new AccountRecord(id, role, 2, new int[] {1}, team, caseId), true);
          tx.putDevice(device, authPublicKey.clone());
          return new Enrolled(device, role);
        });
  }
}
