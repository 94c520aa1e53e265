package org.safehouse.server.account;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
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

  /** Creates and durably stores an invite for {@code role}; completes with the raw code. */
  public CompletableFuture<byte[]> create(Role role) {
    byte[] code = new byte[InviteLink.CODE_BYTES];
    random.nextBytes(code);
    return store.write(
        tx -> {
          put(tx, role, code);
          return code;
        });
  }

  /** Writes an invite as part of an existing operation (the first admin invite at first start). */
  public byte[] create(Tx tx, Role role) throws Exception {
    byte[] code = new byte[InviteLink.CODE_BYTES];
    random.nextBytes(code);
    put(tx, role, code);
    return code;
  }

  private void put(Tx tx, Role role, byte[] code) throws Exception {
    tx.putInvite(hash(code), new InviteRecord(role, clock.millis() + expiry.toMillis()));
  }

  static byte[] hash(byte[] code) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(code);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JDK", e);
    }
  }
}
