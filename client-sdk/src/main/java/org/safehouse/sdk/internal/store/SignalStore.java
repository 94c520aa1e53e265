package org.safehouse.sdk.internal.store;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import org.signal.libsignal.protocol.IdentityKey;
import org.signal.libsignal.protocol.IdentityKeyPair;
import org.signal.libsignal.protocol.InvalidKeyException;
import org.signal.libsignal.protocol.InvalidKeyIdException;
import org.signal.libsignal.protocol.InvalidMessageException;
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
  private static final String REMOTE_IDENTITY = "identity:";
  private static final String EXPECTED_IDENTITY = "expected-identity:";
  private static final String SESSION = "session:";
  private static final String PRE_KEY = "prekey:";
  private static final String SIGNED_PRE_KEY = "signed-prekey:";
  private static final String KYBER_PRE_KEY = "kyber-prekey:";
  private static final String KYBER_BASE_KEY = "kyber-base-key:";
  private static final String SENDER_KEY = "sender-key:";
  private static final int PRIMARY_DEVICE_ID = 1;
  private static final byte KYBER_ONE_TIME = 1;
  private static final byte KYBER_LAST_RESORT = 2;

  private static final byte[] DELETED = new byte[0];

  private final LocalStore store;
  // Changes held back by deferWrites(); null when writing through.
  private Map<String, byte[]> deferred;
  private final IdentityKeyPair identityKeyPair;
  private final int registrationId;

  private SignalStore(LocalStore store, IdentityKeyPair identityKeyPair, int registrationId) {
    this.store = store;
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
    Optional<RemoteIdentity> known = remoteIdentity(address);
    if (!known.isPresent() && !matchesExpected(address.getName(), identityKey)) {
      // libsignal saves only what isTrustedIdentity accepted; an impostor never gets here.
      return IdentityChange.NEW_OR_UNCHANGED;
    }
    if (!known.isPresent()) {
      putRemoteIdentity(address, new RemoteIdentity(identityKey, Optional.empty()));
      return IdentityChange.NEW_OR_UNCHANGED;
    }
    if (known.get().trusted().equals(identityKey)) {
      return IdentityChange.NEW_OR_UNCHANGED;
    }
    recordChange(address, known.get(), identityKey);
    return IdentityChange.REPLACED_EXISTING;
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

  /**
   * Returns the trusted identity of the address's account, or {@code null} if none is known.
   *
   * @throws UncheckedIOException if the store fails
   */
  @Override
  public synchronized IdentityKey getIdentity(SignalProtocolAddress address) {
    return remoteIdentity(address).map(RemoteIdentity::trusted).orElse(null);
  }

  /**
   * Returns the changed identity of the address's account awaiting the user's approval, if any.
   *
   * @throws UncheckedIOException if the store fails
   */
  public synchronized Optional<IdentityKey> changedIdentity(SignalProtocolAddress address) {
    return remoteIdentity(address).flatMap(RemoteIdentity::changed);
  }

  /**
   * Trusts the changed identity of the address's account, provided it is still {@code shown}, the
   * key the user approved. If yet another key arrived in between, nothing changes.
   *
   * @return true if {@code shown} is now the trusted identity
   * @throws UncheckedIOException if the store fails
   */
  public synchronized boolean approveIdentity(SignalProtocolAddress address, IdentityKey shown) {
    Objects.requireNonNull(shown, "shown");
    Optional<RemoteIdentity> known = remoteIdentity(address);
    if (!known.isPresent() || !known.get().changed().equals(Optional.of(shown))) {
      return false;
    }
    putRemoteIdentity(address, new RemoteIdentity(shown, Optional.empty()));
    return true;
  }

  /**
   * Expects the identity whose {@link #fingerprint} is {@code fingerprint} at first contact with
   * account {@code name}: until an identity of that account is trusted, any other is refused.
   *
   * @throws UncheckedIOException if the store fails
   */
  public synchronized void expectIdentity(String name, byte[] fingerprint) {
    Objects.requireNonNull(name, "name");
    if (fingerprint == null || fingerprint.length != 32) {
      throw new IllegalArgumentException("an identity fingerprint is 32 bytes (SHA-256)");
    }
    write(EXPECTED_IDENTITY + name, fingerprint.clone());
  }

  /**
   * True if an identity was expected for the account ({@link #expectIdentity}) and the trusted one,
   * if any, is that identity.
   *
   * @throws UncheckedIOException if the store fails
   */
  public synchronized boolean trustsExpectedIdentity(SignalProtocolAddress address) {
    byte[] expected = read(EXPECTED_IDENTITY + address.getName());
    if (expected == null) {
      return false;
    }
    Optional<RemoteIdentity> known = remoteIdentity(address);
    return !known.isPresent()
        || (!known.get().changed().isPresent()
            && MessageDigest.isEqual(expected, fingerprint(known.get().trusted())));
  }

  /**
   * True if {@code identityKey} would be a first contact with the account that its expected
   * identity refuses: no identity is trusted yet, one was expected, and this is not it.
   *
   * @throws UncheckedIOException if the store fails
   */
  public synchronized boolean refusesFirstContact(
      SignalProtocolAddress address, IdentityKey identityKey) {
    return !remoteIdentity(address).isPresent() && !matchesExpected(address.getName(), identityKey);
  }

  /** SHA-256 of the serialized identity public key: what an invite link names. */
  public static byte[] fingerprint(IdentityKey identityKey) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(identityKey.serialize());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("this JDK has no SHA-256", e);
    }
  }

  private boolean matchesExpected(String name, IdentityKey identityKey) {
    byte[] expected = read(EXPECTED_IDENTITY + name);
    return expected == null || MessageDigest.isEqual(expected, fingerprint(identityKey));
  }

  private void recordChange(SignalProtocolAddress address, RemoteIdentity known, IdentityKey key) {
    if (!known.changed().equals(Optional.of(key))) {
      putRemoteIdentity(address, new RemoteIdentity(known.trusted(), Optional.of(key)));
    }
  }

  private Optional<RemoteIdentity> remoteIdentity(SignalProtocolAddress address) {
    byte[] bytes = read(REMOTE_IDENTITY + address.getName());
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
    write(REMOTE_IDENTITY + address.getName(), identity.encode());
  }

  // ---- sessions

  /** Returns the session with {@code address}, or a fresh empty one. */
  @Override
  public synchronized SessionRecord loadSession(SignalProtocolAddress address) {
    byte[] bytes = read(sessionName(address));
    return bytes == null ? new SessionRecord() : parse(bytes, SessionRecord::new, "session");
  }

  @Override
  public synchronized List<SessionRecord> loadExistingSessions(
      List<SignalProtocolAddress> addresses) throws NoSessionException {
    List<SessionRecord> sessions = new ArrayList<>(addresses.size());
    for (SignalProtocolAddress address : addresses) {
      byte[] bytes = read(sessionName(address));
      if (bytes == null) {
        throw new NoSessionException("No session for device " + address.getDeviceId());
      }
      sessions.add(parse(bytes, SessionRecord::new, "session"));
    }
    return sessions;
  }

  /**
   * Returns the device ids other than the primary (1) with which sessions exist for {@code name}.
   */
  @Override
  public synchronized List<Integer> getSubDeviceSessions(String name) {
    List<Integer> devices = new ArrayList<>();
    for (int device : sessionDevices(name)) {
      if (device != PRIMARY_DEVICE_ID) {
        devices.add(device);
      }
    }
    return devices;
  }

  @Override
  public synchronized void storeSession(SignalProtocolAddress address, SessionRecord record) {
    write(sessionName(address), record.serialize());
  }

  @Override
  public synchronized boolean containsSession(SignalProtocolAddress address) {
    return read(sessionName(address)) != null;
  }

  @Override
  public synchronized void deleteSession(SignalProtocolAddress address) {
    remove(sessionName(address));
  }

  @Override
  public synchronized void deleteAllSessions(String name) {
    for (int device : sessionDevices(name)) {
      remove(SESSION + name + ":" + device);
    }
  }

  private List<Integer> sessionDevices(String name) {
    String prefix = SESSION + name + ":";
    List<Integer> devices = new ArrayList<>();
    for (String record : names(prefix)) {
      String rest = record.substring(prefix.length());
      // An account whose name extends this one ("a:b") also matches the prefix; skip it.
      if (!rest.isEmpty() && rest.chars().allMatch(Character::isDigit) && rest.length() < 10) {
        devices.add(Integer.parseInt(rest));
      }
    }
    return devices;
  }

  private static String sessionName(SignalProtocolAddress address) {
    return SESSION + address.getName() + ":" + address.getDeviceId();
  }

  // ---- one-time prekeys

  @Override
  public synchronized PreKeyRecord loadPreKey(int preKeyId) throws InvalidKeyIdException {
    byte[] bytes = read(PRE_KEY + preKeyId);
    if (bytes == null) {
      throw new InvalidKeyIdException("No prekey with id " + preKeyId);
    }
    return parse(bytes, PreKeyRecord::new, "prekey");
  }

  @Override
  public synchronized void storePreKey(int preKeyId, PreKeyRecord record) {
    write(PRE_KEY + preKeyId, record.serialize());
  }

  @Override
  public synchronized boolean containsPreKey(int preKeyId) {
    return read(PRE_KEY + preKeyId) != null;
  }

  @Override
  public synchronized void removePreKey(int preKeyId) {
    remove(PRE_KEY + preKeyId);
  }

  // ---- signed prekeys

  @Override
  public synchronized SignedPreKeyRecord loadSignedPreKey(int signedPreKeyId)
      throws InvalidKeyIdException {
    byte[] bytes = read(SIGNED_PRE_KEY + signedPreKeyId);
    if (bytes == null) {
      throw new InvalidKeyIdException("No signed prekey with id " + signedPreKeyId);
    }
    return parse(bytes, SignedPreKeyRecord::new, "signed prekey");
  }

  @Override
  public synchronized List<SignedPreKeyRecord> loadSignedPreKeys() {
    List<SignedPreKeyRecord> records = new ArrayList<>();
    for (String name : names(SIGNED_PRE_KEY)) {
      records.add(parse(read(name), SignedPreKeyRecord::new, "signed prekey"));
    }
    return records;
  }

  @Override
  public synchronized void storeSignedPreKey(int signedPreKeyId, SignedPreKeyRecord record) {
    write(SIGNED_PRE_KEY + signedPreKeyId, record.serialize());
  }

  @Override
  public synchronized boolean containsSignedPreKey(int signedPreKeyId) {
    return read(SIGNED_PRE_KEY + signedPreKeyId) != null;
  }

  @Override
  public synchronized void removeSignedPreKey(int signedPreKeyId) {
    remove(SIGNED_PRE_KEY + signedPreKeyId);
  }

  // ---- Kyber prekeys

  @Override
  public synchronized KyberPreKeyRecord loadKyberPreKey(int kyberPreKeyId)
      throws InvalidKeyIdException {
    byte[] bytes = read(KYBER_PRE_KEY + kyberPreKeyId);
    if (bytes == null) {
      throw new InvalidKeyIdException("No Kyber prekey with id " + kyberPreKeyId);
    }
    return parseKyber(bytes);
  }

  @Override
  public synchronized List<KyberPreKeyRecord> loadKyberPreKeys() {
    List<KyberPreKeyRecord> records = new ArrayList<>();
    for (String name : names(KYBER_PRE_KEY)) {
      records.add(parseKyber(read(name)));
    }
    return records;
  }

  /** Stores a one-time Kyber prekey: it is deleted when a session uses it. */
  @Override
  public synchronized void storeKyberPreKey(int kyberPreKeyId, KyberPreKeyRecord record) {
    writeKyber(kyberPreKeyId, KYBER_ONE_TIME, record);
  }

  /**
   * Stores a last-resort Kyber prekey: it stays until {@link #removeKyberPreKey} and may start many
   * sessions, but never twice with the same base key (a replayed first message is refused).
   *
   * @throws UncheckedIOException if the store fails
   */
  public synchronized void storeLastResortKyberPreKey(int kyberPreKeyId, KyberPreKeyRecord record) {
    writeKyber(kyberPreKeyId, KYBER_LAST_RESORT, record);
  }

  @Override
  public synchronized boolean containsKyberPreKey(int kyberPreKeyId) {
    return read(KYBER_PRE_KEY + kyberPreKeyId) != null;
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
    byte[] bytes = read(KYBER_PRE_KEY + kyberPreKeyId);
    if (bytes == null) {
      return;
    }
    if (bytes[0] == KYBER_ONE_TIME) {
      remove(KYBER_PRE_KEY + kyberPreKeyId);
      return;
    }
    String used =
        KYBER_BASE_KEY
            + kyberPreKeyId
            + ":"
            + signedPreKeyId
            + ":"
            + Hex.format(baseKey.serialize());
    if (read(used) != null) {
      throw new ReusedBaseKeyException("Base key already used with this last-resort Kyber prekey");
    }
    write(used, new byte[0]);
  }

  /**
   * Removes a Kyber prekey of either kind, with the base keys recorded for it.
   *
   * @throws UncheckedIOException if the store fails
   */
  public synchronized void removeKyberPreKey(int kyberPreKeyId) {
    remove(KYBER_PRE_KEY + kyberPreKeyId);
    for (String name : names(KYBER_BASE_KEY + kyberPreKeyId + ":")) {
      remove(name);
    }
  }

  private void writeKyber(int kyberPreKeyId, byte kind, KyberPreKeyRecord record) {
    byte[] serialized = record.serialize();
    write(
        KYBER_PRE_KEY + kyberPreKeyId,
        ByteBuffer.allocate(1 + serialized.length).put(kind).put(serialized).array());
  }

  private static KyberPreKeyRecord parseKyber(byte[] bytes) {
    byte[] serialized = new byte[bytes.length - 1];
    System.arraycopy(bytes, 1, serialized, 0, serialized.length);
    return parse(serialized, KyberPreKeyRecord::new, "Kyber prekey");
  }

  // ---- sender keys

  @Override
  public synchronized void storeSenderKey(
      SignalProtocolAddress sender, UUID distributionId, SenderKeyRecord record) {
    write(senderKeyName(sender, distributionId), record.serialize());
  }

  @Override
  public synchronized SenderKeyRecord loadSenderKey(
      SignalProtocolAddress sender, UUID distributionId) {
    byte[] bytes = read(senderKeyName(sender, distributionId));
    return bytes == null ? null : parse(bytes, SenderKeyRecord::new, "sender key");
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
    deferred = new LinkedHashMap<>();
  }

  /**
   * Writes the deferred changes and stops deferring.
   *
   * @throws IOException if the local store fails; the changes are then still deferred
   */
  public synchronized void commitWrites() throws IOException {
    if (deferred == null) {
      return;
    }
    for (Map.Entry<String, byte[]> e : deferred.entrySet()) {
      if (e.getValue() == DELETED) {
        store.delete(e.getKey());
      } else {
        store.put(e.getKey(), e.getValue());
      }
    }
    deferred = null;
  }

  /**
   * Adds the deferred changes to {@code batch}, so that they are written in one atomic commit with
   * what the app stores for the same message. Deferring goes on; call {@link #discardWrites} once
   * the batch is committed (its changes are then on disk).
   */
  public synchronized void addDeferredTo(LocalStore.Batch batch) {
    if (deferred == null) {
      return;
    }
    for (Map.Entry<String, byte[]> e : deferred.entrySet()) {
      if (e.getValue() == DELETED) {
        batch.delete(e.getKey());
      } else {
        batch.put(e.getKey(), e.getValue());
      }
    }
  }

  /** Forgets the deferred changes: the state on disk stays as it was. */
  public synchronized void discardWrites() {
    deferred = null;
  }

  // ---- storage

  private byte[] read(String name) {
    if (deferred != null && deferred.containsKey(name)) {
      byte[] v = deferred.get(name);
      return v == DELETED ? null : v;
    }
    try {
      return store.get(name);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void write(String name, byte[] value) {
    if (deferred != null) {
      deferred.put(name, value.clone());
      return;
    }
    try {
      store.put(name, value);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void remove(String name) {
    if (deferred != null) {
      deferred.put(name, DELETED);
      return;
    }
    try {
      store.delete(name);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Record names under {@code prefix}, deferred changes included. */
  private List<String> names(String prefix) {
    java.util.TreeSet<String> out = new java.util.TreeSet<>(store.names(prefix));
    if (deferred != null) {
      deferred.forEach(
          (k, v) -> {
            if (k.startsWith(prefix)) {
              if (v == DELETED) {
                out.remove(k);
              } else {
                out.add(k);
              }
            }
          });
    }
    return new ArrayList<>(out);
  }

  private interface Parser<T> {
    T parse(byte[] bytes) throws InvalidMessageException;
  }

  private static <T> T parse(byte[] bytes, Parser<T> parser, String what) {
    try {
      return parser.parse(bytes);
    } catch (InvalidMessageException e) {
      throw new UncheckedIOException(new IOException("Stored " + what + " is damaged", e));
    }
  }
}
