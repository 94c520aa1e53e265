package org.safehouse.server.devices;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import org.safehouse.server.Refusal;
import org.safehouse.server.account.AccountId;
import org.safehouse.server.account.AccountRecord;
import org.safehouse.server.account.DeviceAddress;
import org.safehouse.server.account.Ed25519;
import org.safehouse.server.account.Requester;
import org.safehouse.server.account.Role;
import org.safehouse.server.message.DeliveryHub;
import org.safehouse.server.store.DeviceRecords;
import org.safehouse.server.store.RelayStore;
import org.safehouse.server.store.Tx;

/**
 * Linking, listing and unlinking the devices of an account, and its signed device list.
 *
 * <p>Linking: the new device shows a link code with its auth public key (and a provisioning key the
 * server never sees). A signed-in device of the account approves it: the server reserves the next
 * device id and keeps, until {@link DeviceLimits#linkTtl}, the provisioning message (opaque,
 * end-to-end encrypted) and the signed list naming the new device. The new device then signs in
 * with {@link #redeem}, proving it holds that auth key; the device is created, the list stored and
 * the link deleted in one commit.
 *
 * <p>Every change carries a list signed by the account's identity key; the server cannot check the
 * signature (it never uses the Signal library) but refuses a list that does not name exactly the
 * account's devices after the change, with their auth keys, or that is not newer than the one
 * stored ({@code DEVICE_LIST_STALE}). Senders check the signature: a device the server adds on its
 * own is on no list that verifies, and gets nothing readable.
 */
public final class LinkedDevices {
  /** Signed before the nonce by a new device's auth key, so the signature is useless elsewhere. */
  public static final byte[] LINK_CONTEXT =
      "safehouse-link-v1\0".getBytes(StandardCharsets.US_ASCII);

  public static final int MAX_PROVISIONING_BYTES = 4096;
  public static final int MAX_LIST_BYTES = 16_384;

  /** A signed list as the transport parsed it; {@code signed} is what is stored and served. */
  public record ListClaim(
      AccountId account, long version, SortedMap<Integer, byte[]> devices, byte[] signed) {}

  /** An account's devices with their auth keys, the id the next one gets, and the stored list. */
  public record Listing(
      SortedMap<Integer, byte[]> devices, int nextDeviceId, Optional<byte[]> signedList) {}

  public record Approved(int deviceId, long expiresAtMillis) {}

  public record Redeemed(DeviceAddress device, Role role, byte[] provisioning) {}

  private final RelayStore store;
  private final DeviceRecords records;
  private final DeliveryHub hub;
  private final Clock clock;
  private final DeviceLimits limits;

  public LinkedDevices(RelayStore store, DeliveryHub hub, Clock clock, DeviceLimits limits) {
    this.store = store;
    this.records = new DeviceRecords(store);
    this.hub = hub;
    this.clock = clock;
    this.limits = limits;
  }

  /** The stored signed list of {@code account}, for key bundles. Blocking. */
  public Optional<byte[]> signedList(AccountId account) throws IOException {
    return records.list(account).map(DeviceRecords.StoredList::signed);
  }

  /**
   * The requester's account's devices. Blocking.
   *
   * @throws Refusal {@code AUTH_FAILED} if the device was unlinked or its account deleted
   */
  public Listing list(DeviceAddress requester) throws Refusal, IOException {
    AccountRecord a = Requester.check(store, requester);
    SortedMap<Integer, byte[]> devices = new TreeMap<>();
    for (int d : a.deviceIds()) {
      store.deviceAuthKey(new DeviceAddress(a.id(), d)).ifPresent(k -> devices.put(d, k));
    }
    return new Listing(devices, a.nextDeviceId(), signedList(a.id()));
  }

  /**
   * Approves the link of the new device whose auth key is {@code authPublicKey}.
   *
   * @return fails with {@link Refusal}: {@code DEVICE_LIMIT} if the account has as many devices as
   *     its role may; {@code DEVICE_LIST_STALE} if {@code claim} does not name the current devices
   *     plus the new one (as {@code nextDeviceId}); {@code BAD_REQUEST} for a malformed key or
   *     provisioning message, or a code already approved; {@code AUTH_FAILED} if the requester is
   *     gone
   */
  public CompletableFuture<Approved> approve(
      DeviceAddress requester, byte[] authPublicKey, byte[] provisioning, ListClaim claim) {
    if (!Ed25519.isValidPublicKey(authPublicKey)) {
      return bad("auth_public_key must be a 32-byte Ed25519 key");
    }
    if (provisioning.length == 0 || provisioning.length > MAX_PROVISIONING_BYTES) {
      return bad("provisioning must be 1 to " + MAX_PROVISIONING_BYTES + " bytes");
    }
    return store.write(
        tx -> {
          AccountRecord a = Requester.check(tx, requester);
          long now = clock.millis();
          records.deleteExpiredLinks(tx, now);
          if (a.deviceIds().length >= limits.max(a.role())) {
            throw limitReached(a);
          }
          if (records.link(tx, authPublicKey).filter(l -> l.expiresAtMillis() > now).isPresent()) {
            throw new Refusal(Refusal.Reason.BAD_REQUEST, "this link code was already approved");
          }
          int newId = a.nextDeviceId();
          SortedMap<Integer, byte[]> expected = current(a);
          if (expected.values().stream().anyMatch(k -> Arrays.equals(k, authPublicKey))) {
            throw new Refusal(Refusal.Reason.BAD_REQUEST, "that device is already linked");
          }
          expected.put(newId, authPublicKey);
          checkClaim(tx, a, claim, expected);
          tx.putAccount(
              new AccountRecord(a.id(), a.role(), newId + 1, a.deviceIds(), a.team(), a.caseId()),
              false);
          long expires = now + limits.linkTtl().toMillis();
          records.putLink(
              tx,
              authPublicKey.clone(),
              new DeviceRecords.Link(
                  a.id(),
                  newId,
                  expires,
                  provisioning.clone(),
                  claim.version(),
                  claim.signed(),
                  a.deviceIds()));
          return new Approved(newId, expires);
        });
  }

  /**
   * Signs a new device in: redeems the link approved for its auth key. The signature is checked on
   * {@code verifier}, never on the store's writer.
   *
   * @param signature Ed25519 over {@link #LINK_CONTEXT} || {@code nonce} by that auth key
   * @return fails with {@link Refusal} {@code AUTH_FAILED} for a bad signature or a link that is
   *     unknown, expired or no longer fits the account (one answer for all); {@code DEVICE_LIMIT}
   */
  public CompletableFuture<Redeemed> redeem(
      byte[] authPublicKey, byte[] nonce, byte[] signature, Executor verifier) {
    return CompletableFuture.supplyAsync(
            () -> {
              byte[] message = new byte[LINK_CONTEXT.length + nonce.length];
              System.arraycopy(LINK_CONTEXT, 0, message, 0, LINK_CONTEXT.length);
              System.arraycopy(nonce, 0, message, LINK_CONTEXT.length, nonce.length);
              // Nothing reaches the store's writer (and its synced commits) unless a link
              // waits for this key and the signature proves it is the new device's.
              try {
                if (!Ed25519.isValidPublicKey(authPublicKey)
                    || !Ed25519.verify(authPublicKey, message, signature)
                    || !records.hasLink(authPublicKey)) {
                  throw new CompletionException(notLinked());
                }
              } catch (IOException e) {
                throw new CompletionException(e);
              }
              return authPublicKey.clone();
            },
            verifier)
        .thenCompose(key -> store.write(tx -> redeemIn(tx, key)));
  }

  private Redeemed redeemIn(Tx tx, byte[] authPublicKey) throws Exception {
    records.deleteExpiredLinks(tx, clock.millis());
    DeviceRecords.Link link = records.link(tx, authPublicKey).orElseThrow(LinkedDevices::notLinked);
    if (link.expiresAtMillis() <= clock.millis()) {
      records.deleteLink(tx, authPublicKey);
      throw notLinked();
    }
    AccountRecord a = tx.account(link.account()).orElseThrow(LinkedDevices::notLinked);
    // The list the approver signed named the devices of that moment: one unlinked or revoked
    // since would come back on it.
    if (a.hasDevice(link.deviceId()) || !Arrays.equals(a.deviceIds(), link.devicesAtApproval())) {
      throw notLinked();
    }
    if (a.deviceIds().length >= limits.max(a.role())) {
      throw limitReached(a);
    }
    int[] ids = Arrays.copyOf(a.deviceIds(), a.deviceIds().length + 1);
    ids[ids.length - 1] = link.deviceId();
    DeviceAddress device = new DeviceAddress(a.id(), link.deviceId());
    tx.putDevice(device, authPublicKey);
    tx.putAccount(
        new AccountRecord(a.id(), a.role(), a.nextDeviceId(), ids, a.team(), a.caseId()), false);
    records.putList(
        tx, a.id(), new DeviceRecords.StoredList(link.listVersion(), link.signedList()));
    records.deleteLink(tx, authPublicKey);
    return new Redeemed(device, a.role(), link.provisioning());
  }

  /**
   * Unlinks {@code deviceId} (the requester itself too, if another device is left): its auth key,
   * keys, queued copies and cursor go in the same commit as the new list; its connections are told
   * to close before this completes.
   *
   * @return the devices after; fails with {@link Refusal} {@code LAST_DEVICE}, {@code
   *     DEVICE_LIST_STALE}, {@code BAD_REQUEST} for a device the account does not have, {@code
   *     AUTH_FAILED}
   */
  public CompletableFuture<Listing> unlink(DeviceAddress requester, int deviceId, ListClaim claim) {
    return store
        .write(
            tx -> {
              AccountRecord a = Requester.check(tx, requester);
              if (!a.hasDevice(deviceId)) {
                throw new Refusal(Refusal.Reason.BAD_REQUEST, "this account has no such device");
              }
              if (a.deviceIds().length == 1) {
                throw new Refusal(
                    Refusal.Reason.LAST_DEVICE,
                    "this is the account's only device; delete the account instead");
              }
              SortedMap<Integer, byte[]> expected = current(a);
              expected.remove(deviceId);
              checkClaim(tx, a, claim, expected);
              tx.deleteDevice(a, deviceId);
              records.putList(
                  tx, a.id(), new DeviceRecords.StoredList(claim.version(), claim.signed()));
              return new Listing(expected, a.nextDeviceId(), Optional.of(claim.signed()));
            })
        .thenApply(
            after -> {
              hub.disconnect(new DeviceAddress(requester.account(), deviceId));
              return after;
            });
  }

  /**
   * Stores the signed list of the account's current devices (a new account's first device).
   *
   * @return fails with {@link Refusal} {@code DEVICE_LIST_STALE} or {@code AUTH_FAILED}
   */
  public CompletableFuture<Listing> publish(DeviceAddress requester, ListClaim claim) {
    return store.write(
        tx -> {
          AccountRecord a = Requester.check(tx, requester);
          SortedMap<Integer, byte[]> expected = current(a);
          checkClaim(tx, a, claim, expected);
          records.putList(
              tx, a.id(), new DeviceRecords.StoredList(claim.version(), claim.signed()));
          return new Listing(expected, a.nextDeviceId(), Optional.of(claim.signed()));
        });
  }

  private SortedMap<Integer, byte[]> current(AccountRecord a) throws IOException {
    SortedMap<Integer, byte[]> devices = new TreeMap<>();
    for (int d : a.deviceIds()) {
      store.deviceAuthKey(new DeviceAddress(a.id(), d)).ifPresent(k -> devices.put(d, k));
    }
    return devices;
  }

  private void checkClaim(
      Tx tx, AccountRecord a, ListClaim claim, SortedMap<Integer, byte[]> expected)
      throws Exception {
    long stored = records.list(tx, a.id()).map(DeviceRecords.StoredList::version).orElse(0L);
    boolean same = claim.account().equals(a.id()) && claim.version() > stored;
    same = same && claim.devices().keySet().equals(expected.keySet());
    if (same) {
      for (Map.Entry<Integer, byte[]> e : expected.entrySet()) {
        same = same && Arrays.equals(e.getValue(), claim.devices().get(e.getKey()));
      }
    }
    if (!same) {
      throw new Refusal(
          Refusal.Reason.DEVICE_LIST_STALE,
          "the signed device list must name exactly the devices after this change, with a version"
              + " above "
              + stored
              + "; list the devices again and sign a new list");
    }
  }

  private static Refusal limitReached(AccountRecord a) {
    return new Refusal(
        Refusal.Reason.DEVICE_LIMIT,
        "this account already has as many devices as its role may; unlink one first");
  }

  private static Refusal notLinked() {
    return new Refusal(Refusal.Reason.AUTH_FAILED, "authentication failed");
  }

  private static <T> CompletableFuture<T> bad(String message) {
    return CompletableFuture.failedFuture(new Refusal(Refusal.Reason.BAD_REQUEST, message));
  }
}
