package org.safehouse.sdk.internal.store;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import org.signal.libsignal.protocol.IdentityKey;
import org.signal.libsignal.protocol.IdentityKeyPair;
import org.signal.libsignal.protocol.InvalidKeyException;
import org.signal.libsignal.protocol.InvalidKeyIdException;
import org.signal.libsignal.protocol.NoSessionException;
import org.signal.libsignal.protocol.ReusedBaseKeyException;
import org.signal.libsignal.protocol.SignalProtocolAddress;
import org.signal.libsignal.protocol.ecc.ECPublicKey;
import org.signal.libsignal.protocol.groups.state.SenderKeyRecord;
import org.signal.libsignal.protocol.state.KyberPreKeyRecord;
import org.signal.libsignal.protocol.state.PreKeyRecord;
import org.signal.libsignal.protocol.state.SessionRecord;
import org.signal.libsignal.protocol.state.SignalProtocolStore;
import org.signal.libsignal.protocol.state.SignedPreKeyRecord;

/**
 * libsignal's protocol state (own identity, remote identities, sessions, one-time, signed and Kyber
 * prekeys, sender keys), persisted in a {@link LocalStore}: every change is durable before the
 * method returns.
 *
 * <p>Identity changes are never accepted silently. The first identity seen for an account is
 * trusted (trust on first use; the app verifies it with safety numbers), unless an identity was
 * expected for that account ({@link #expectIdentity}, from an invite link): then only that one is
 * trusted at first contact and any other is refused, neither trusted nor recorded. A different
 * identity seen later, through {@link #saveIdentity} or {@link #isTrustedIdentity}, is recorded as
 * changed and is not trusted until the app shows it to the user and calls {@link #approveIdentity}.
 * Identities are kept per account name: all devices of an account share one identity key.
 *
 * <p>The libsignal interface methods cannot throw checked exceptions, so storage failures surface
 * from them as {@link UncheckedIOException}. All methods are thread-safe.
 */
public final class SignalStore implements SignalProtocolStore {
  private static final String IDENTITY_KEY_PAIR = "local:identity-key-pair";
  private static final String REGISTRATION_ID = "local:registration-id";
  private static final String SENDER_KEY = "sender-key:";

  private final DeferredRecords records;
  private final IdentityTrust identities;
  private final PreKeyRecords preKeys;
  private final SessionRecords sessions;
  private final IdentityKeyPair identityKeyPair;
  private final int registrationId;

  private SignalStore(LocalStore store, IdentityKeyPair identityKeyPair, int registrationId) {
    this.records = new DeferredRecords(store, this);
    this.identities = new IdentityTrust(records);
    this.preKeys = new PreKeyRecords(records);
    this.sessions = new SessionRecords(records);
    this.identityKeyPair = identityKeyPair;
    this.registrationId = registrationId;
  }

  /**
   * Saves this installation's identity and registration id in {@code store} and returns the
   * protocol store over it.
   *
   * @param registrationId 1..16380, as libsignal's {@code KeyHelper.generateRegistrationId} makes
   * @throws IllegalArgumentException if the registration id is out of range
   * @throws IllegalStateException if {@code store} already holds an identity
   * @throws IOException if the store cannot be written
   */
  public static SignalStore create(
      LocalStore store, IdentityKeyPair identityKeyPair, int registrationId) throws IOException {
    Objects.requireNonNull(identityKeyPair, "identityKeyPair");
    if (registrationId < 1 || registrationId > 16380) {
      throw new IllegalArgumentException("Registration id must be 1..16380, got " + registrationId);
    }
    if (store.get(IDENTITY_KEY_PAIR) != null) {
      throw new IllegalStateException("The local store already holds a Signal identity");
    }
    store.put(REGISTRATION_ID, ByteBuffer.allocate(4).putInt(registrationId).array());
    store.put(IDENTITY_KEY_PAIR, identityKeyPair.serialize());
    return new SignalStore(store, identityKeyPair, registrationId);
  }

  /**
   * Returns the protocol store over {@code store}, which {@link #create} initialised earlier.
   *
   * @throws IllegalStateException if {@code store} holds no identity
   * @throws IOException if the store cannot be read or the identity is damaged
   */
  public static SignalStore open(LocalStore store) throws IOException {
    byte[] keyPair = store.get(IDENTITY_KEY_PAIR);
    byte[] registration = store.get(REGISTRATION_ID);
    if (keyPair == null || registration == null) {
      throw new IllegalStateException("The local store holds no Signal identity; create one");
    }
    try {
      return new SignalStore(
          store, new IdentityKeyPair(keyPair), ByteBuffer.wrap(registration).getInt());
    } catch (InvalidKeyException e) {
      throw new IOException("Stored identity key pair is damaged", e);
    }
  }

  // ---- identity

  @Override
  public IdentityKeyPair getIdentityKeyPair() {
    return identityKeyPair;
  }

  @Override
  public int getLocalRegistrationId() {
    return registrationId;
  }

  /**
   * Records {@code identityKey} for the address's account. The first key is trusted; a different
   * key is recorded as changed, not trusted (see {@link #changedIdentity}).
   *
   * @return {@code REPLACED_EXISTING} if the key differs from the trusted one, else {@code
   *     NEW_OR_UNCHANGED}
   * @throws UncheckedIOException if the store fails
   */
  @Override
  public synchronized IdentityChange saveIdentity(
      SignalProtocolAddress address, IdentityKey identityKey) {
    return identities.save(address, identityKey)
        ? IdentityChange.REPLACED_EXISTING
        : IdentityChange.NEW_OR_UNCHANGED;
  }

  /**
   * True for the trusted key of the account, or for any key of an account never seen unless another
   * one was expected for it. A different key is recorded as changed (so the app can show it) and is
   * not trusted until approved.
   *
   * @throws UncheckedIOException if the store fails
   */
  @Override
  public synchronized boolean isTrustedIdentity(
      SignalProtocolAddress address, IdentityKey identityKey, Direction direction) {
    return identities.isTrusted(address, identityKey);
  }

  /**
   * Returns the trusted identity of the address's account, or {@code null} if none is known.
   *
   * @throws UncheckedIOException if the store fails
   */
  @Override
  public synchronized IdentityKey getIdentity(SignalProtocolAddress address) {
    return identities.trusted(address);
  }

  /**
   * Returns the changed identity of the address's account awaiting the user's approval, if any.
   *
   * @throws UncheckedIOException if the store fails
   */
  public synchronized Optional<IdentityKey> changedIdentity(SignalProtocolAddress address) {
    return identities.changed(address);
  }

  /**
   * Trusts the changed identity of the address's account, provided it is still {@code shown}, the
   * key the user approved. If yet another key arrived in between, nothing changes.
   *
   * @return true if {@code shown} is now the trusted identity
   * @throws UncheckedIOException if the store fails
   */
  public synchronized boolean approveIdentity(SignalProtocolAddress address, IdentityKey shown) {
    return identities.approve(address, shown);
  }

  /**
   * Expects the identity whose {@link #fingerprint} is {@code fingerprint} at first contact with
   * account {@code name}: until an identity of that account is trusted, any other is refused.
   *
   * @throws IllegalArgumentException if {@code fingerprint} is not 32 bytes
   * @throws UncheckedIOException if the store fails
   */
  public synchronized void expectIdentity(String name, byte[] fingerprint) {
    identities.expect(name, fingerprint);
  }

  /**
   * True if an identity was expected for the account ({@link #expectIdentity}) and the trusted one,
   * if any, is that identity.
   *
   * @throws UncheckedIOException if the store fails
   */
  public synchronized boolean trustsExpectedIdentity(SignalProtocolAddress address) {
    return identities.trustsExpected(address);
  }

  /**
   * True if {@code identityKey} would be a first contact with the account that its expected
   * identity refuses: no identity is trusted yet, one was expected, and this is not it.
   *
   * @throws UncheckedIOException if the store fails
   */
  public synchronized boolean refusesFirstContact(
      SignalProtocolAddress address, IdentityKey identityKey) {
    return identities.refusesFirstContact(address, identityKey);
  }

  /** SHA-256 of the serialized identity public key: what an invite link names. */
  public static byte[] fingerprint(IdentityKey identityKey) {
    return IdentityTrust.fingerprint(identityKey);
  }

  // ---- sessions

  /** Returns the session with {@code address}, or a fresh empty one. */
  @Override
  public synchronized SessionRecord loadSession(SignalProtocolAddress address) {
    return sessions.load(address);
  }

  @Override
  public synchronized List<SessionRecord> loadExistingSessions(
      List<SignalProtocolAddress> addresses) throws NoSessionException {
    return sessions.loadExisting(addresses);
  }

  /**
   * Returns the device ids other than the primary (1) with which sessions exist for {@code name}.
   */
  @Override
  public synchronized List<Integer> getSubDeviceSessions(String name) {
    return sessions.subDevices(name);
  }

  @Override
  public synchronized void storeSession(SignalProtocolAddress address, SessionRecord record) {
    sessions.store(address, record);
  }

  @Override
  public synchronized boolean containsSession(SignalProtocolAddress address) {
    return sessions.contains(address);
  }

  @Override
  public synchronized void deleteSession(SignalProtocolAddress address) {
    sessions.delete(address);
  }

  @Override
  public synchronized void deleteAllSessions(String name) {
    sessions.deleteAll(name);
  }

  // ---- prekeys (one-time EC, signed, Kyber)

  @Override
  public synchronized PreKeyRecord loadPreKey(int preKeyId) throws InvalidKeyIdException {
    return preKeys.loadPreKey(preKeyId);
  }

  @Override
  public synchronized void storePreKey(int preKeyId, PreKeyRecord record) {
    preKeys.storePreKey(preKeyId, record);
  }

  @Override
  public synchronized boolean containsPreKey(int preKeyId) {
    return preKeys.containsPreKey(preKeyId);
  }

  @Override
  public synchronized void removePreKey(int preKeyId) {
    preKeys.removePreKey(preKeyId);
  }

  @Override
  public synchronized SignedPreKeyRecord loadSignedPreKey(int signedPreKeyId)
      throws InvalidKeyIdException {
    return preKeys.loadSignedPreKey(signedPreKeyId);
  }

  @Override
  public synchronized List<SignedPreKeyRecord> loadSignedPreKeys() {
    return preKeys.loadSignedPreKeys();
  }

  @Override
  public synchronized void storeSignedPreKey(int signedPreKeyId, SignedPreKeyRecord record) {
    preKeys.storeSignedPreKey(signedPreKeyId, record);
  }

  @Override
  public synchronized boolean containsSignedPreKey(int signedPreKeyId) {
    return preKeys.containsSignedPreKey(signedPreKeyId);
  }

  @Override
  public synchronized void removeSignedPreKey(int signedPreKeyId) {
    preKeys.removeSignedPreKey(signedPreKeyId);
  }

  @Override
  public synchronized KyberPreKeyRecord loadKyberPreKey(int kyberPreKeyId)
      throws InvalidKeyIdException {
    return preKeys.loadKyberPreKey(kyberPreKeyId);
  }

  @Override
  public synchronized List<KyberPreKeyRecord> loadKyberPreKeys() {
    return preKeys.loadKyberPreKeys();
  }

  /** Stores a one-time Kyber prekey: it is deleted when a session uses it. */
  @Override
  public synchronized void storeKyberPreKey(int kyberPreKeyId, KyberPreKeyRecord record) {
    preKeys.storeOneTimeKyberPreKey(kyberPreKeyId, record);
  }

  /**
   * Stores a last-resort Kyber prekey: it stays until {@link #removeKyberPreKey} and may start many
   * sessions, but never twice with the same base key (a replayed first message is refused).
   *
   * @throws UncheckedIOException if the store fails
   */
  public synchronized void storeLastResortKyberPreKey(int kyberPreKeyId, KyberPreKeyRecord record) {
    preKeys.storeLastResortKyberPreKey(kyberPreKeyId, record);
  }

  @Override
  public synchronized boolean containsKyberPreKey(int kyberPreKeyId) {
    return preKeys.containsKyberPreKey(kyberPreKeyId);
  }

  /**
   * Deletes a one-time Kyber prekey; for a last-resort one, records the base key and refuses it if
   * it was seen before with the same keys.
   *
   * @throws ReusedBaseKeyException if this last-resort key already started a session with {@code
   *     baseKey}
   */
  @Override
  public synchronized void markKyberPreKeyUsed(
      int kyberPreKeyId, int signedPreKeyId, ECPublicKey baseKey) throws ReusedBaseKeyException {
    preKeys.markKyberPreKeyUsed(kyberPreKeyId, signedPreKeyId, baseKey);
  }

  /**
   * Removes a Kyber prekey of either kind, with the base keys recorded for it.
   *
   * @throws UncheckedIOException if the store fails
   */
  public synchronized void removeKyberPreKey(int kyberPreKeyId) {
    preKeys.removeKyberPreKey(kyberPreKeyId);
  }

  // ---- sender keys

  @Override
  public synchronized void storeSenderKey(
      SignalProtocolAddress sender, UUID distributionId, SenderKeyRecord record) {
    records.write(senderKeyName(sender, distributionId), record.serialize());
  }

  @Override
  public synchronized SenderKeyRecord loadSenderKey(
      SignalProtocolAddress sender, UUID distributionId) {
    byte[] bytes = records.read(senderKeyName(sender, distributionId));
    return bytes == null ? null : DeferredRecords.parse(bytes, SenderKeyRecord::new, "sender key");
  }

  private static String senderKeyName(SignalProtocolAddress sender, UUID distributionId) {
    return SENDER_KEY + sender.getName() + ":" + sender.getDeviceId() + ":" + distributionId;
  }

  // ---- deferred writes

  /**
   * Holds every change in memory, visible to this store's reads, until {@link #commitWrites}.
   * Decrypting a message advances the session and may spend a one-time prekey; an app defers those
   * changes until it has stored the decrypted message, so that a crash in between leaves the old
   * state on disk and the redelivered copy still decrypts. Nothing is lost either way.
   */
  public synchronized void deferWrites() {
    records.defer();
  }

  /**
   * Writes the deferred changes and stops deferring.
   *
   * @throws IOException if the local store fails; the changes are then still deferred
   */
  synchronized void commitWrites() throws IOException {
    records.commit();
  }

  /**
   * Adds the deferred changes to {@code batch}, so that they are written in one atomic commit with
   * what the app stores for the same message. Deferring goes on; call {@link #discardWrites} once
   * the batch is committed (its changes are then on disk).
   */
  public synchronized void addDeferredTo(LocalStore.Batch batch) {
    records.addTo(batch);
  }

  /** Forgets the deferred changes: the state on disk stays as it was. */
  public synchronized void discardWrites() {
    records.discard();
  }
}
