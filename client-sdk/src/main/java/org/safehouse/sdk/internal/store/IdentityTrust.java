package org.safehouse.sdk.internal.store;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Objects;
import java.util.Optional;
import org.signal.libsignal.protocol.IdentityKey;
import org.signal.libsignal.protocol.SignalProtocolAddress;

/**
 * Which remote identity keys a {@link SignalStore} trusts, per account name (all devices of an
 * account share one identity key). The first identity seen is trusted (trust on first use), unless
 * one was expected for that account: then only that one is trusted at first contact, and any other
 * is refused, neither trusted nor recorded. A different identity seen later is recorded as changed
 * and not trusted until approved. Not thread-safe: {@link SignalStore} holds its lock around every
 * call.
 */
final class IdentityTrust {
  private static final String REMOTE_IDENTITY = "identity:";
  private static final String EXPECTED_IDENTITY = "expected-identity:";

  private final DeferredRecords records;

  IdentityTrust(DeferredRecords records) {
    this.records = records;
  }

  /** See {@link SignalStore#saveIdentity}; true if the key replaced a different trusted one. */
  boolean save(SignalProtocolAddress address, IdentityKey identityKey) {
    Optional<RemoteIdentity> known = remoteIdentity(address);
    if (!known.isPresent() && !matchesExpected(address.getName(), identityKey)) {
      // libsignal saves only what isTrustedIdentity accepted; an impostor never gets here.
      return false;
    }
    if (!known.isPresent()) {
      putRemoteIdentity(address, new RemoteIdentity(identityKey, Optional.empty()));
      return false;
    }
    if (known.get().trusted().equals(identityKey)) {
      return false;
    }
    recordChange(address, known.get(), identityKey);
    return true;
  }

  boolean isTrusted(SignalProtocolAddress address, IdentityKey identityKey) {
    Optional<RemoteIdentity> known = remoteIdentity(address);
    if (!known.isPresent()) {
      return matchesExpected(address.getName(), identityKey);
    }
    if (known.get().trusted().equals(identityKey)) {
      return true;
    }
    recordChange(address, known.get(), identityKey);
    return false;
  }

  IdentityKey trusted(SignalProtocolAddress address) {
    return remoteIdentity(address).map(RemoteIdentity::trusted).orElse(null);
  }

  Optional<IdentityKey> changed(SignalProtocolAddress address) {
    return remoteIdentity(address).flatMap(RemoteIdentity::changed);
  }

  boolean approve(SignalProtocolAddress address, IdentityKey shown) {
    Objects.requireNonNull(shown, "shown");
    Optional<RemoteIdentity> known = remoteIdentity(address);
    if (!known.isPresent() || !known.get().changed().equals(Optional.of(shown))) {
      return false;
    }
    putRemoteIdentity(address, new RemoteIdentity(shown, Optional.empty()));
    return true;
  }

  void expect(String name, byte[] fingerprint) {
    Objects.requireNonNull(name, "name");
    if (fingerprint == null || fingerprint.length != 32) {
      throw new IllegalArgumentException("an identity fingerprint is 32 bytes (SHA-256)");
    }
    records.write(EXPECTED_IDENTITY + name, fingerprint.clone());
  }

  boolean trustsExpected(SignalProtocolAddress address) {
    byte[] expected = records.read(EXPECTED_IDENTITY + address.getName());
    if (expected == null) {
      return false;
    }
    Optional<RemoteIdentity> known = remoteIdentity(address);
    return !known.isPresent()
        || (!known.get().changed().isPresent()
            && MessageDigest.isEqual(expected, fingerprint(known.get().trusted())));
  }

  boolean refusesFirstContact(SignalProtocolAddress address, IdentityKey identityKey) {
    return !remoteIdentity(address).isPresent() && !matchesExpected(address.getName(), identityKey);
  }

  static byte[] fingerprint(IdentityKey identityKey) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(identityKey.serialize());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("this JDK has no SHA-256", e);
    }
  }

  private boolean matchesExpected(String name, IdentityKey identityKey) {
    byte[] expected = records.read(EXPECTED_IDENTITY + name);
    return expected == null || MessageDigest.isEqual(expected, fingerprint(identityKey));
  }

  private void recordChange(SignalProtocolAddress address, RemoteIdentity known, IdentityKey key) {
    if (!known.changed().equals(Optional.of(key))) {
      putRemoteIdentity(address, new RemoteIdentity(known.trusted(), Optional.of(key)));
    }
  }

  private Optional<RemoteIdentity> remoteIdentity(SignalProtocolAddress address) {
    byte[] bytes = records.read(REMOTE_IDENTITY + address.getName());
    if (bytes == null) {
      return Optional.empty();
    }
    try {
      return Optional.of(RemoteIdentity.decode(bytes));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void putRemoteIdentity(SignalProtocolAddress address, RemoteIdentity identity) {
    records.write(REMOTE_IDENTITY + address.getName(), identity.encode());
  }
}
