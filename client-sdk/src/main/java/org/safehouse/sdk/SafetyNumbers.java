package org.safehouse.sdk;

import java.io.IOException;
import java.util.Arrays;
import java.util.Optional;
import org.safehouse.sdk.SafehouseException.Reason;
import org.safehouse.sdk.internal.store.LocalStore;
import org.safehouse.sdk.internal.store.SignalStore;
import org.signal.libsignal.protocol.IdentityKey;
import org.signal.libsignal.protocol.SignalProtocolAddress;
import org.signal.libsignal.protocol.fingerprint.NumericFingerprintGenerator;

/**
 * Safety numbers and what the user did with them: which identity of a peer was last shown, which
 * changed identity the user approved, and which identity the user verified.
 *
 * <p>A verification is bound to one identity key ({@code verified:<peer>} holds the key the user
 * verified), so a peer whose identity changes is unverified again without any bookkeeping. A peer
 * that made the invite this device enrolled with is verified by the invite while its trusted
 * identity is the one the invite named (see {@link SignalStore#expectIdentity}).
 */
final class SafetyNumbers {
  private static final int ITERATIONS = 5200;
  private static final int VERSION = 2;
  private static final String SHOWN_IDENTITY = "sdk:shown-identity:";
  private static final String VERIFIED = "sdk:verified-identity:";

  private final LocalStore local;
  private final SignalStore signal;
  private final Outbox outbox;
  private final Object cryptoLock;
  private final byte[] selfAccountId;

  SafetyNumbers(
      LocalStore local, SignalStore signal, Outbox outbox, Object cryptoLock, byte[] selfId) {
    this.local = local;
    this.signal = signal;
    this.outbox = outbox;
    this.cryptoLock = cryptoLock;
    this.selfAccountId = selfId.clone();
  }

  /** The number for the peer's current identity (the changed one, if it changed); remembers it. */
  String show(String peer) throws IOException, SafehouseException {
    IdentityKey remote = outbox.identity(peer);
    local.put(SHOWN_IDENTITY + peer, remote.serialize());
    String digits =
        new NumericFingerprintGenerator(ITERATIONS)
            .createFor(
                VERSION,
                selfAccountId,
                signal.getIdentityKeyPair().getPublicKey(),
                Peers.accountId(peer),
                remote)
            .getDisplayableFingerprint()
            .getDisplayText();
    StringBuilder grouped = new StringBuilder();
    for (int i = 0; i < digits.length(); i += 5) {
      grouped.append(i == 0 ? "" : " ").append(digits, i, Math.min(digits.length(), i + 5));
    }
    return grouped.toString();
  }

  /**
   * Trusts the peer's changed identity if it is the one shown last.
   *
   * @return true if a changed identity was approved (held messages can be released)
   */
  boolean approve(String peer) throws IOException, SafehouseException {
    Peers.accountId(peer);
    SignalProtocolAddress address = Peers.address(peer);
    Optional<IdentityKey> changed = signal.changedIdentity(address);
    if (!changed.isPresent()) {
      return false;
    }
    synchronized (cryptoLock) {
      if (!wasShown(peer, changed.get()) || !signal.approveIdentity(address, changed.get())) {
        throw showFirst(peer);
      }
      // Sessions with the old identity are no longer trusted; new ones start from fresh keys.
      signal.deleteAllSessions(peer);
    }
    local.delete(SHOWN_IDENTITY + peer);
    return true;
  }

  /**
   * Marks the identity whose number was shown last as verified, approving it first if it is a
   * changed one.
   *
   * @return true if a changed identity was approved (held messages can be released)
   */
  boolean markVerified(String peer) throws IOException, SafehouseException {
    Peers.accountId(peer);
    SignalProtocolAddress address = Peers.address(peer);
    Optional<IdentityKey> changed = signal.changedIdentity(address);
    IdentityKey identity = changed.orElseGet(() -> signal.getIdentity(address));
    if (identity == null || !wasShown(peer, identity)) {
      throw showFirst(peer);
    }
    boolean approved = changed.isPresent() && approve(peer);
    local.put(VERIFIED + peer, identity.serialize());
    return approved;
  }

  /** Whether the peer's identity changed and awaits approval. */
  boolean changed(String peer) throws IOException {
    return signal.changedIdentity(Peers.address(peer)).isPresent();
  }

  /** What this device knows of the peer's identity. */
  Verification state(String peer) throws IOException {
    SignalProtocolAddress address = Peers.address(peer);
    if (signal.trustsExpectedIdentity(address)) {
      return Verification.VERIFIED_BY_INVITE;
    }
    IdentityKey trusted = signal.getIdentity(address);
    byte[] verified = local.get(VERIFIED + peer);
    if (trusted != null
        && !signal.changedIdentity(address).isPresent()
        && verified != null
        && Arrays.equals(verified, trusted.serialize())) {
      return Verification.VERIFIED;
    }
    return Verification.UNVERIFIED;
  }

  private boolean wasShown(String peer, IdentityKey identity) throws IOException {
    byte[] shown = local.get(SHOWN_IDENTITY + peer);
    return shown != null && Arrays.equals(shown, identity.serialize());
  }

  private static SafehouseException showFirst(String peer) {
    return new SafehouseException(
        Reason.IDENTITY_CHANGED,
        "Show the current safety number with " + peer + " and compare it before approving it.");
  }
}
