package org.safehouse.server.account;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.safehouse.server.Refusal;
import org.safehouse.server.store.InviteRecord;
import org.safehouse.server.store.InviteStore;
import org.safehouse.server.store.RelayStore;
import org.safehouse.server.store.Tx;

/** Creates invites. Only the SHA-256 of a code is stored, so a seized store cannot redeem one. */
public final class Invites {
  private final RelayStore store;
  private final Clock clock;
  private final SecureRandom random;
  private final Duration expiry;
  private final InviteStore openInvites;

  public Invites(RelayStore store, Clock clock, SecureRandom random, Duration expiry) {
    this.store = store;
    this.openInvites = new InviteStore(store);
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

  /** At most this many open invites are listed to their creator (the newest). */
  public static final int MAX_LISTED = 1000;

  /**
   * An open invite as the account that created it sees it.
   *
   * @param id the first 8 bytes of the code's hash: names the invite, cannot redeem it
   */
  public record Open(byte[] id, Role role, long expiresAtMillis) {}

  /**
   * The invites the requesting account created that are neither redeemed, cancelled nor expired,
   * newest first, at most {@link #MAX_LISTED}; never the codes. Admins too see only their own here
   * (the admin socket has the global {@link #list}). Empty for a client. Blocking.
   *
   * @throws Refusal {@code AUTH_FAILED} if the device was revoked or its account deleted
   */
  public java.util.List<Open> openInvitesOf(DeviceAddress device)
      throws Refusal, java.io.IOException {
    Requester.check(store, device);
    java.util.List<Open> out = new java.util.ArrayList<>();
    for (InviteStore.Stored s :
        openInvites.openInvitesBy(device.account(), clock.millis(), MAX_LISTED)) {
      out.add(new Open(s.id(), s.invite().role(), s.invite().expiresAtMillis()));
    }
    return out;
  }

  /**
   * Cancels an open invite the requesting account created, in one commit that also re-checks the
   * device. An unknown, redeemed, expired or someone else's invite gets one answer, so invite ids
   * cannot be probed.
   *
   * @param id the invite id, as {@link #openInvitesOf} lists it
   * @return fails with {@link Refusal} {@code INVITE_INVALID} if this account has no such open
   *     invite, {@code BAD_REQUEST} for an id of the wrong size, {@code AUTH_FAILED} if the device
   *     was revoked
   */
  public CompletableFuture<Void> cancel(DeviceAddress device, byte[] id) {
    if (id.length != Tx.INVITE_ID_BYTES) {
      return CompletableFuture.failedFuture(
          new Refusal(Refusal.Reason.BAD_REQUEST, "invite_id must be 8 bytes"));
    }
    return store.write(
        tx -> {
          AccountRecord a = Requester.check(tx, device);
          long now = clock.millis();
          java.util.Optional<InviteStore.Stored> s = openInvites.find(tx, id);
          if (s.isEmpty()
              || !a.id().equals(s.get().invite().creator())
              || s.get().invite().expiresAtMillis() <= now) {
            throw new Refusal(Refusal.Reason.INVITE_INVALID, "no such open invite");
          }
          tx.deleteInvite(s.get().codeHash());
          tx.audit(
              now,
              "invite.cancel invite="
                  + java.util.HexFormat.of().formatHex(id)
                  + " by="
                  + a.id().hex());
          return null;
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
