package org.safehouse.server.account;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.safehouse.server.Refusal;
import org.safehouse.server.store.InviteRecord;
import org.safehouse.server.store.RelayStore;
import org.safehouse.server.store.Tx;

/** Creates invites. Only the SHA-256 of a code is stored, so a seized store cannot redeem one. */
public final class Invites {
  private final RelayStore store;
  private final Clock clock;
  private final SecureRandom random;
  private final Duration expiry;

  public Invites(RelayStore store, Clock clock, SecureRandom random, Duration expiry) {
    this.store = store;
    this.clock = clock;
    this.random = random;
    this.expiry = expiry;
  }

  /** A new invite's code and expiry. */
  public record Created(byte[] code, long expiresAtMillis) {}

  /**
   * Creates and durably stores an invite for {@code role} from the server's admin command (no
   * inviting account: a client invited this way has no case team until one is assigned).
   */
  public CompletableFuture<byte[]> create(Role role) {
    byte[] code = newCode();
    return store.write(
        tx -> {
          put(tx, role, code, null);
          return code;
        });
  }

  /**
   * Creates an invite on behalf of an account. Admins invite anyone; caseworkers invite clients,
   * who join a new case with the caseworker as its team; clients invite nobody.
   *
   * <p>The invite records its creator: revoking or deleting that account deletes the invites it
   * made and were not redeemed yet, in the same commit.
   *
   * @param inviter the requesting device
   * @return fails with {@link Refusal} {@code FORBIDDEN} if the inviter's role may not invite
   *     {@code role}, {@code AUTH_FAILED} if the device was revoked
   */
  public CompletableFuture<Created> create(DeviceAddress inviter, Role role) {
    byte[] code = newCode();
    return store.write(
        tx -> {
          AccountRecord a = Requester.check(tx, inviter);
          boolean allowed =
              a.role() == Role.ADMIN || (a.role() == Role.CASEWORKER && role == Role.CLIENT);
          if (!allowed) {
            throw new Refusal(
                Refusal.Reason.FORBIDDEN,
                "a " + a.role().label() + " may not invite a " + role.label());
          }
          return new Created(code, put(tx, role, code, inviter.account()));
        });
  }

  /** Writes an invite as part of an existing operation (the first admin invite at first start). */
  public byte[] create(Tx tx, Role role) throws Exception {
    byte[] code = newCode();
    put(tx, role, code, null);
    return code;
  }

  private byte[] newCode() {
    byte[] code = new byte[InviteLink.CODE_BYTES];
    random.nextBytes(code);
    return code;
  }

  private long put(Tx tx, Role role, byte[] code, AccountId inviter) throws Exception {
    long expiresAt = clock.millis() + expiry.toMillis();
    tx.putInvite(hash(code), new InviteRecord(role, expiresAt, inviter));
    return expiresAt;
  }

  /**
   * An outstanding invite as admins see it.
   *
   * @param creator the account that created it (always staff), or empty for the admin command's
   */
  public record Outstanding(
      String id, Role role, long expiresAtMillis, java.util.Optional<AccountId> creator) {}

  /** Every invite not yet redeemed, cancelled or swept away; never the codes. Blocking. */
  public java.util.List<Outstanding> list() throws java.io.IOException {
    java.util.List<Outstanding> out = new java.util.ArrayList<>();
    for (var e : store.invites()) {
      out.add(
          new Outstanding(
              java.util.HexFormat.of().formatHex(e.id()),
              e.invite().role(),
              e.invite().expiresAtMillis(),
              e.invite().createdBy()));
    }
    return out;
  }

  /**
   * Cancels the invite with this id (16 hex characters, as {@link #list} prints it).
   *
   * @return completes with whether there was one
   */
  public CompletableFuture<Boolean> cancel(String id) {
    byte[] raw;
    try {
      raw = java.util.HexFormat.of().parseHex(id.trim());
    } catch (IllegalArgumentException e) {
      return CompletableFuture.completedFuture(false);
    }
    return store.write(
        tx -> {
          boolean found = tx.cancelInvite(raw);
          if (found) {
            tx.audit(clock.millis(), "invite.cancel invite=" + id.trim() + " by=admin-socket");
          }
          return found;
        });
  }

  static byte[] hash(byte[] code) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(code);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JDK", e);
    }
  }
}
