package org.safehouse.server.keys;

import java.nio.ByteBuffer;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.safehouse.server.Refusal;
import org.safehouse.server.account.AccountId;
import org.safehouse.server.account.AccountRecord;
import org.safehouse.server.account.DeviceAddress;
import org.safehouse.server.account.Requester;
import org.safehouse.server.config.Quotas;
import org.safehouse.server.message.DeliveryHub;
import org.safehouse.server.message.RoutingPolicy;
import org.safehouse.server.store.KeyDirectoryEntry;
import org.safehouse.server.store.RelayStore;
import org.safehouse.server.store.Tx;
import org.safehouse.server.store.WriteOp;

/**
 * The Signal key directory: each device publishes its identity key, a signed prekey, a Kyber
 * last-resort prekey and batches of one-time EC and Kyber prekeys; peers fetch one bundle per
 * device, and each one-time prekey is handed out once, atomically (fetches run on the store's
 * single writer). Keys are opaque bytes here, checked for size only; the server never depends on
 * the Signal library.
 */
public final class KeyDirectory {
  /** Serialized sizes in libsignal: type byte plus key. */
  public static final int IDENTITY_KEY_BYTES = 33;

  public static final int EC_KEY_BYTES = 33;
  public static final int KYBER_KEY_BYTES = 1569;
  public static final int SIGNATURE_BYTES = 64;
  public static final int MAX_EC_PER_UPLOAD = 100;
  public static final int MAX_KYBER_PER_UPLOAD = 20;
  public static final int MAX_STORED_ONE_TIME = 500;

  /** Below this many one-time keys of either kind, the device is told to upload more. */
  public static final int LOW_WATER = 10;

  static final byte IDENTITY = 'i';
  static final byte SIGNED = 's';
  static final byte KYBER_LAST_RESORT = 'k';
  static final byte ONE_TIME = 'o';
  static final byte ONE_TIME_KYBER = 'q';

  /** What a device publishes; null or empty fields leave the stored value unchanged. */
  public record Upload(
      byte[] identityKey,
      int registrationId,
      KeyDirectoryEntry signedPreKey,
      KeyDirectoryEntry kyberLastResort,
      List<KeyDirectoryEntry> oneTimePreKeys,
      List<KeyDirectoryEntry> oneTimeKyberPreKeys) {}

  /** How many one-time keys the server holds for a device. */
  public record Status(int oneTime, int oneTimeKyber, boolean needsSignedPreKeys) {
    public boolean low() {
      return oneTime < LOW_WATER || oneTimeKyber < LOW_WATER;
    }
  }

  /** One device's keys for a session: a one-time Kyber key if left (else last resort). */
  public record Bundle(
      int deviceId,
      int registrationId,
      byte[] identityKey,
      KeyDirectoryEntry signedPreKey,
      KeyDirectoryEntry kyberPreKey,
      Optional<KeyDirectoryEntry> oneTimePreKey) {}

  private final RelayStore store;
  private final RoutingPolicy policy;
  private final DeliveryHub hub;
  private final KeyFetchLimiter fetches;

  /** A directory with the default key-fetch quota, on the system clock. */
  public KeyDirectory(RelayStore store, RoutingPolicy policy, DeliveryHub hub) {
    this(store, policy, hub, Clock.systemUTC(), Quotas.defaults().keyFetchesPerHour());
  }

  /**
   * @param keyFetchesPerHour fetches per (requester, target) pair that hand out one-time prekeys
   */
  public KeyDirectory(
      RelayStore store, RoutingPolicy policy, DeliveryHub hub, Clock clock, int keyFetchesPerHour) {
    this.store = store;
    this.policy = policy;
    this.hub = hub;
    this.fetches = new KeyFetchLimiter(clock, keyFetchesPerHour, 100_000);
  }

  /**
   * Stores what {@code device} publishes.
   *
   * @return the device's key status after the upload; fails with {@link Refusal} {@code
   *     BAD_REQUEST} for a key of the wrong size, too many keys, or a changed identity key, {@code
   *     AUTH_FAILED} if the device was revoked
   */
  public CompletableFuture<Status> upload(DeviceAddress device, Upload u) {
    try {
      validate(u);
    } catch (Refusal r) {
      return CompletableFuture.failedFuture(r);
    }
    return store.write(
        tx -> {
          Requester.check(tx, device);
          if (u.identityKey() != null && u.identityKey().length > 0) {
            Optional<byte[]> current = tx.keyRecord(device, IDENTITY);
            byte[] record = identityRecord(u.registrationId(), u.identityKey());
            if (current.isPresent() && !java.util.Arrays.equals(current.get(), record)) {
              throw bad("a device's identity key and registration id cannot change; enroll again");
            }
            tx.putKeyRecord(device, IDENTITY, record);
          }
          if (u.signedPreKey() != null) {
            tx.putKeyRecord(device, SIGNED, encode(u.signedPreKey()));
          }
          if (u.kyberLastResort() != null) {
            tx.putKeyRecord(device, KYBER_LAST_RESORT, encode(u.kyberLastResort()));
          }
          for (KeyDirectoryEntry k : u.oneTimePreKeys()) {
            tx.putOneTimeKey(device, ONE_TIME, k.id(), encode(k));
          }
          for (KeyDirectoryEntry k : u.oneTimeKyberPreKeys()) {
            tx.putOneTimeKey(device, ONE_TIME_KYBER, k.id(), encode(k));
          }
          Status s = status(tx, device);
          if (s.oneTime() > MAX_STORED_ONE_TIME || s.oneTimeKyber() > MAX_STORED_ONE_TIME) {
            throw bad("at most " + MAX_STORED_ONE_TIME + " one-time prekeys of each kind");
          }
          return s;
        });
  }

  /** The device's key status; a read, run on the writer so it sees every committed upload. */
  public CompletableFuture<Status> status(DeviceAddress device) {
    return store.write(WriteOp.relaxed(tx -> status(tx, device)));
  }

  /**
   * One bundle per device of {@code target} that has published its keys, consuming one one-time
   * prekey of each kind per device. Past the pair's key-fetch quota the bundles carry no one-time
   * prekey and the last-resort Kyber prekey, and consume nothing: a session can still be built, but
   * nobody can drain another account's one-time prekeys.
   *
   * @return fails with {@link Refusal} {@code UNKNOWN_RECIPIENT} for an unknown account or one the
   *     requester may not reach (the same answer), {@code AUTH_FAILED} if the requesting device was
   *     revoked
   */
  public CompletableFuture<List<Bundle>> fetch(DeviceAddress requester, AccountId target) {
    return store.write(
        tx -> {
          AccountRecord from = Requester.check(tx, requester);
          Optional<AccountRecord> to = tx.account(target);
          if (to.isEmpty() || !policy.mayReach(from, to.get())) {
            throw Refusal.unknownAccount();
          }
          boolean oneTimeKeys = fetches.tryTake(requester.account(), target);
          List<Bundle> out = new ArrayList<>();
          for (int deviceId : to.get().deviceIds()) {
            DeviceAddress d = new DeviceAddress(target, deviceId);
            Optional<byte[]> identity = tx.keyRecord(d, IDENTITY);
            Optional<byte[]> signed = tx.keyRecord(d, SIGNED);
            Optional<byte[]> lastResort = tx.keyRecord(d, KYBER_LAST_RESORT);
            if (identity.isEmpty() || signed.isEmpty() || lastResort.isEmpty()) {
              continue; // not ready: it has not published its keys yet
            }
            byte[] kyber =
                oneTimeKeys
                    ? tx.takeOneTimeKey(d, ONE_TIME_KYBER).orElse(lastResort.get())
                    : lastResort.get();
            Optional<KeyDirectoryEntry> oneTime =
                oneTimeKeys
                    ? tx.takeOneTimeKey(d, ONE_TIME).map(KeyDirectory::decode)
                    : Optional.empty();
            ByteBuffer id = ByteBuffer.wrap(identity.get());
            int registrationId = id.getInt();
            byte[] identityKey = new byte[id.remaining()];
            id.get(identityKey);
            out.add(
                new Bundle(
                    deviceId,
                    registrationId,
                    identityKey,
                    decode(signed.get()),
                    decode(kyber),
                    oneTime));
            Status s = status(tx, d);
            if (s.low()) {
              tx.afterCommit(() -> hub.prekeysLow(d, s.oneTime(), s.oneTimeKyber()));
            }
          }
          return out;
        });
  }

  private static Status status(Tx tx, DeviceAddress d) throws Exception {
    return new Status(
        tx.countOneTimeKeys(d, ONE_TIME),
        tx.countOneTimeKeys(d, ONE_TIME_KYBER),
        tx.keyRecord(d, SIGNED).isEmpty() || tx.keyRecord(d, KYBER_LAST_RESORT).isEmpty());
  }

  private static void validate(Upload u) throws Refusal {
    if (u.identityKey() != null
        && u.identityKey().length != 0
        && u.identityKey().length != IDENTITY_KEY_BYTES) {
      throw bad("identity_key must be " + IDENTITY_KEY_BYTES + " bytes");
    }
    if (u.signedPreKey() != null) {
      check(u.signedPreKey(), EC_KEY_BYTES, true, "signed_prekey");
    }
    if (u.kyberLastResort() != null) {
      check(u.kyberLastResort(), KYBER_KEY_BYTES, true, "kyber_last_resort");
    }
    if (u.oneTimePreKeys().size() > MAX_EC_PER_UPLOAD
        || u.oneTimeKyberPreKeys().size() > MAX_KYBER_PER_UPLOAD) {
      throw bad(
          "upload at most "
              + MAX_EC_PER_UPLOAD
              + " one-time EC and "
              + MAX_KYBER_PER_UPLOAD
              + " one-time Kyber prekeys per request");
    }
    for (KeyDirectoryEntry k : u.oneTimePreKeys()) {
      check(k, EC_KEY_BYTES, false, "one_time_prekeys");
    }
    for (KeyDirectoryEntry k : u.oneTimeKyberPreKeys()) {
      check(k, KYBER_KEY_BYTES, true, "one_time_kyber_prekeys");
    }
  }

  private static void check(KeyDirectoryEntry k, int keyBytes, boolean signed, String field)
      throws Refusal {
    if (k.publicKey().length != keyBytes
        || k.signature().length != (signed ? SIGNATURE_BYTES : 0)) {
      throw bad(
          field
              + ": public_key must be "
              + keyBytes
              + " bytes"
              + (signed ? " and signature " + SIGNATURE_BYTES : " with no signature"));
    }
  }

  private static Refusal bad(String message) {
    return new Refusal(Refusal.Reason.BAD_REQUEST, message);
  }

  private static byte[] identityRecord(int registrationId, byte[] identityKey) {
    return ByteBuffer.allocate(4 + identityKey.length)
        .putInt(registrationId)
        .put(identityKey)
        .array();
  }

  private static byte[] encode(KeyDirectoryEntry k) {
    byte[] pub = k.publicKey();
    byte[] sig = k.signature();
    return ByteBuffer.allocate(4 + 2 + pub.length + 2 + sig.length)
        .putInt(k.id())
        .putShort((short) pub.length)
        .put(pub)
        .putShort((short) sig.length)
        .put(sig)
        .array();
  }

  private static KeyDirectoryEntry decode(byte[] v) {
    ByteBuffer b = ByteBuffer.wrap(v);
    int id = b.getInt();
    byte[] pub = new byte[b.getShort()];
    b.get(pub);
    byte[] sig = new byte[b.getShort()];
    b.get(sig);
    return new KeyDirectoryEntry(id, pub, sig);
  }
}
