package org.safehouse.sdk.internal.crypto;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.safehouse.sdk.internal.store.LocalStore;
import org.safehouse.sdk.internal.store.SignalStore;
import org.signal.libsignal.protocol.InvalidKeyIdException;
import org.signal.libsignal.protocol.ecc.ECKeyPair;
import org.signal.libsignal.protocol.kem.KEMKeyPair;
import org.signal.libsignal.protocol.kem.KEMKeyType;
import org.signal.libsignal.protocol.state.KyberPreKeyRecord;
import org.signal.libsignal.protocol.state.PreKeyRecord;
import org.signal.libsignal.protocol.state.SignedPreKeyRecord;

/**
 * Makes this device's prekeys: each private half is stored in the {@link SignalStore} before its
 * public half is returned for upload, so a peer can never use a key this device does not hold. Key
 * ids come from counters in the {@link LocalStore} and are never reused (until they wrap at 2^24).
 * The current and the previous signed and Kyber last-resort prekeys are kept, so messages started
 * just before a rotation still decrypt. Internal to the SDK.
 */
public final class PreKeys {
  /** A public key with its id and, for signed keys, the identity's signature over it. */
  public record PublicPreKey(int id, byte[] publicKey, byte[] signature) {}

  private static final int MAX_ID = 0xFFFFFF;
  private static final String NEXT_EC_ID = "sdk:next-id:ec";
  private static final String NEXT_SIGNED_ID = "sdk:next-id:signed";
  private static final String NEXT_KYBER_ID = "sdk:next-id:kyber";
  private static final String SIGNED_CURRENT = "sdk:signed-prekey:current";
  private static final String SIGNED_PREVIOUS = "sdk:signed-prekey:previous";
  private static final String LAST_RESORT_CURRENT = "sdk:kyber-last-resort:current";
  private static final String LAST_RESORT_PREVIOUS = "sdk:kyber-last-resort:previous";

  private final LocalStore local;
  private final SignalStore signal;
  private final Clock clock;

  public PreKeys(LocalStore local, SignalStore signal, Clock clock) {
    this.local = local;
    this.signal = signal;
    this.clock = clock;
  }

  /** A new signed EC prekey, now the current one; the one before the previous is deleted. */
  public synchronized PublicPreKey newSignedPreKey() throws IOException {
    int id = nextId(NEXT_SIGNED_ID);
    ECKeyPair pair = ECKeyPair.generate();
    byte[] signature = sign(pair.getPublicKey().serialize());
    signal.storeSignedPreKey(id, new SignedPreKeyRecord(id, now(), pair, signature));
    rotate(SIGNED_CURRENT, SIGNED_PREVIOUS, id, signal::removeSignedPreKey);
    return new PublicPreKey(id, pair.getPublicKey().serialize(), signature);
  }

  /** A new Kyber last-resort prekey, now the current one; older ones beyond the previous go. */
  public synchronized PublicPreKey newKyberLastResort() throws IOException {
    int id = nextId(NEXT_KYBER_ID);
    KyberPreKeyRecord record = kyberRecord(id);
    signal.storeLastResortKyberPreKey(id, record);
    rotate(LAST_RESORT_CURRENT, LAST_RESORT_PREVIOUS, id, signal::removeKyberPreKey);
    return publicKyber(record);
  }

  /** {@code count} new one-time EC prekeys (no signature). */
  public synchronized List<PublicPreKey> newOneTimePreKeys(int count) throws IOException {
    List<PublicPreKey> keys = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      int id = nextId(NEXT_EC_ID);
      ECKeyPair pair = ECKeyPair.generate();
      signal.storePreKey(id, new PreKeyRecord(id, pair));
      keys.add(new PublicPreKey(id, pair.getPublicKey().serialize(), new byte[0]));
    }
    return keys;
  }

  /** {@code count} new one-time Kyber prekeys, signed by the identity key. */
  public synchronized List<PublicPreKey> newOneTimeKyberPreKeys(int count) throws IOException {
    List<PublicPreKey> keys = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      int id = nextId(NEXT_KYBER_ID);
      KyberPreKeyRecord record = kyberRecord(id);
      signal.storeKyberPreKey(id, record);
      keys.add(publicKyber(record));
    }
    return keys;
  }

  /** When the current signed prekey was made, if there is one. */
  public synchronized Optional<Instant> signedPreKeyCreated() throws IOException {
    Optional<Integer> current = readInt(SIGNED_CURRENT);
    if (!current.isPresent()) {
      return Optional.empty();
    }
    try {
      return Optional.of(
          Instant.ofEpochMilli(signal.loadSignedPreKey(current.get()).getTimestamp()));
    } catch (InvalidKeyIdException e) {
      return Optional.empty();
    }
  }

  private KyberPreKeyRecord kyberRecord(int id) {
    KEMKeyPair pair = KEMKeyPair.generate(KEMKeyType.KYBER_1024);
    return new KyberPreKeyRecord(id, now(), pair, sign(pair.getPublicKey().serialize()));
  }

  private static PublicPreKey publicKyber(KyberPreKeyRecord record) throws IOException {
    try {
      return new PublicPreKey(
          record.getId(), record.getKeyPair().getPublicKey().serialize(), record.getSignature());
    } catch (org.signal.libsignal.protocol.InvalidKeyException e) {
      throw new IOException("A Kyber prekey just made is unreadable", e);
    }
  }

  private byte[] sign(byte[] publicKey) {
    return signal.getIdentityKeyPair().getPrivateKey().calculateSignature(publicKey);
  }

  private long now() {
    return clock.millis();
  }

  private interface Remover {
    void remove(int id);
  }

  private void rotate(String currentName, String previousName, int id, Remover remover)
      throws IOException {
    Optional<Integer> previous = readInt(previousName);
    Optional<Integer> current = readInt(currentName);
    if (current.isPresent()) {
      local.put(previousName, intBytes(current.get()));
    }
    local.put(currentName, intBytes(id));
    if (previous.isPresent()) {
      remover.remove(previous.get());
    }
  }

  private int nextId(String counter) throws IOException {
    int id = readInt(counter).orElse(1);
    local.put(counter, intBytes(id >= MAX_ID ? 1 : id + 1));
    return id;
  }

  private Optional<Integer> readInt(String name) throws IOException {
    byte[] bytes = local.get(name);
    return bytes == null ? Optional.empty() : Optional.of(ByteBuffer.wrap(bytes).getInt());
  }

  private static byte[] intBytes(int value) {
    return ByteBuffer.allocate(4).putInt(value).array();
  }
}
