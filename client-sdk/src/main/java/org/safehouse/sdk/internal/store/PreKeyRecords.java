package org.safehouse.sdk.internal.store;

import static org.safehouse.sdk.internal.store.DeferredRecords.parse;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.signal.libsignal.protocol.InvalidKeyIdException;
import org.signal.libsignal.protocol.ReusedBaseKeyException;
import org.signal.libsignal.protocol.ecc.ECPublicKey;
import org.signal.libsignal.protocol.state.KyberPreKeyRecord;
import org.signal.libsignal.protocol.state.PreKeyRecord;
import org.signal.libsignal.protocol.state.SignedPreKeyRecord;

/**
 * This device's one-time, signed and Kyber prekeys, as records of a {@link SignalStore}. A Kyber
 * prekey is stored with its kind: a one-time one is deleted when a session uses it; a last-resort
 * one stays and records each base key it started a session with, so a replayed first message is
 * refused. Not thread-safe: {@link SignalStore} holds its lock around every call.
 */
final class PreKeyRecords {
  private static final String PRE_KEY = "prekey:";
  private static final String SIGNED_PRE_KEY = "signed-prekey:";
  private static final String KYBER_PRE_KEY = "kyber-prekey:";
  private static final String KYBER_BASE_KEY = "kyber-base-key:";
  private static final byte KYBER_ONE_TIME = 1;
  private static final byte KYBER_LAST_RESORT = 2;

  private final DeferredRecords records;

  PreKeyRecords(DeferredRecords records) {
    this.records = records;
  }

  // ---- one-time EC prekeys

  PreKeyRecord loadPreKey(int id) throws InvalidKeyIdException {
    byte[] bytes = records.read(PRE_KEY + id);
    if (bytes == null) {
      throw new InvalidKeyIdException("No prekey with id " + id);
    }
    return parse(bytes, PreKeyRecord::new, "prekey");
  }

  void storePreKey(int id, PreKeyRecord record) {
    records.write(PRE_KEY + id, record.serialize());
  }

  boolean containsPreKey(int id) {
    return records.read(PRE_KEY + id) != null;
  }

  void removePreKey(int id) {
    records.remove(PRE_KEY + id);
  }

  // ---- signed prekeys

  SignedPreKeyRecord loadSignedPreKey(int id) throws InvalidKeyIdException {
    byte[] bytes = records.read(SIGNED_PRE_KEY + id);
    if (bytes == null) {
      throw new InvalidKeyIdException("No signed prekey with id " + id);
    }
    return parse(bytes, SignedPreKeyRecord::new, "signed prekey");
  }

  List<SignedPreKeyRecord> loadSignedPreKeys() {
    List<SignedPreKeyRecord> out = new ArrayList<>();
    for (String name : records.names(SIGNED_PRE_KEY)) {
      out.add(parse(records.read(name), SignedPreKeyRecord::new, "signed prekey"));
    }
    return out;
  }

  void storeSignedPreKey(int id, SignedPreKeyRecord record) {
    records.write(SIGNED_PRE_KEY + id, record.serialize());
  }

  boolean containsSignedPreKey(int id) {
    return records.read(SIGNED_PRE_KEY + id) != null;
  }

  void removeSignedPreKey(int id) {
    records.remove(SIGNED_PRE_KEY + id);
  }

  // ---- Kyber prekeys

  KyberPreKeyRecord loadKyberPreKey(int id) throws InvalidKeyIdException {
    byte[] bytes = records.read(KYBER_PRE_KEY + id);
    if (bytes == null) {
      throw new InvalidKeyIdException("No Kyber prekey with id " + id);
    }
    return parseKyber(bytes);
  }

  List<KyberPreKeyRecord> loadKyberPreKeys() {
    List<KyberPreKeyRecord> out = new ArrayList<>();
    for (String name : records.names(KYBER_PRE_KEY)) {
      out.add(parseKyber(records.read(name)));
    }
    return out;
  }

  void storeOneTimeKyberPreKey(int id, KyberPreKeyRecord record) {
    writeKyber(id, KYBER_ONE_TIME, record);
  }

  void storeLastResortKyberPreKey(int id, KyberPreKeyRecord record) {
    writeKyber(id, KYBER_LAST_RESORT, record);
  }

  boolean containsKyberPreKey(int id) {
    return records.read(KYBER_PRE_KEY + id) != null;
  }

  /** See {@link SignalStore#markKyberPreKeyUsed}. */
  void markKyberPreKeyUsed(int id, int signedPreKeyId, ECPublicKey baseKey)
      throws ReusedBaseKeyException {
    byte[] bytes = records.read(KYBER_PRE_KEY + id);
    if (bytes == null) {
      return;
    }
    if (bytes[0] == KYBER_ONE_TIME) {
      records.remove(KYBER_PRE_KEY + id);
      return;
    }
    String used =
        KYBER_BASE_KEY + id + ":" + signedPreKeyId + ":" + Hex.format(baseKey.serialize());
    if (records.read(used) != null) {
      throw new ReusedBaseKeyException("Base key already used with this last-resort Kyber prekey");
    }
    records.write(used, new byte[0]);
  }

  void removeKyberPreKey(int id) {
    records.remove(KYBER_PRE_KEY + id);
    for (String name : records.names(KYBER_BASE_KEY + id + ":")) {
      records.remove(name);
    }
  }

  private void writeKyber(int id, byte kind, KyberPreKeyRecord record) {
    byte[] serialized = record.serialize();
    records.write(
        KYBER_PRE_KEY + id,
        ByteBuffer.allocate(1 + serialized.length).put(kind).put(serialized).array());
  }

  private static KyberPreKeyRecord parseKyber(byte[] bytes) {
    byte[] serialized = new byte[bytes.length - 1];
    System.arraycopy(bytes, 1, serialized, 0, serialized.length);
    return parse(serialized, KyberPreKeyRecord::new, "Kyber prekey");
  }
}
