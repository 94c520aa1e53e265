package org.safehouse.sdk;

import com.google.protobuf.ByteString;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.safehouse.protocol.content.Content;
import org.safehouse.protocol.wire.ClientFrame;
import org.safehouse.protocol.wire.Copy;
import org.safehouse.protocol.wire.DeviceKeyBundle;
import org.safehouse.protocol.wire.ErrorCode;
import org.safehouse.protocol.wire.FetchKeys;
import org.safehouse.protocol.wire.KeyBundles;
import org.safehouse.protocol.wire.Response;
import org.safehouse.protocol.wire.Send;
import org.safehouse.sdk.SafehouseException.Reason;
import org.safehouse.sdk.internal.crypto.Envelope;
import org.safehouse.sdk.internal.crypto.PaddedContent;
import org.safehouse.sdk.internal.store.Hex;
import org.safehouse.sdk.internal.store.SignalStore;
import org.signal.libsignal.protocol.IdentityKey;
import org.signal.libsignal.protocol.InvalidKeyException;
import org.signal.libsignal.protocol.NoSessionException;
import org.signal.libsignal.protocol.SessionBuilder;
import org.signal.libsignal.protocol.SessionCipher;
import org.signal.libsignal.protocol.SignalProtocolAddress;
import org.signal.libsignal.protocol.UntrustedIdentityException;
import org.signal.libsignal.protocol.ecc.ECPublicKey;
import org.signal.libsignal.protocol.kem.KEMPublicKey;
import org.signal.libsignal.protocol.state.PreKeyBundle;

/**
 * Encrypts content for every device of a peer and sends it: sessions are built with PQXDH from
 * fetched key bundles the first time, then reused; a {@code DEVICE_MISMATCH} answer is handled by
 * fixing the device list once. A peer whose identity changed gets nothing until the user approves
 * the new safety number; a first contact whose identity is not the one expected for the peer (see
 * {@link SignalStore#expectIdentity}) gets nothing at all.
 */
final class Outbox {
  private static final int MESSAGE_ID_BYTES = 16;
  private static final SecureRandom RANDOM = new SecureRandom();

  private final ServerLink link;
  private final SignalStore signal;
  private final Object cryptoLock;
  private final DeviceListMemory lists;
  // Per peer: its devices that are on no device list its identity signed (ghosts), as of the last
  // fetch of its keys. They get random bytes, never a copy they could read.
  private final java.util.Map<String, Set<Integer>> refused =
      new java.util.concurrent.ConcurrentHashMap<>();

  private volatile String self = "";
  private volatile int selfDevice;

  /** This device: its account's devices are verified against its own identity key. */
  void setSelf(String self, int selfDevice) {
    this.self = self;
    this.selfDevice = selfDevice;
  }

  Outbox(ServerLink link, SignalStore signal, Object cryptoLock, DeviceListMemory lists) {
    this.link = link;
    this.signal = signal;
    this.cryptoLock = cryptoLock;
    this.lists = lists;
  }

  /**
   * Sends {@code content} to every device of {@code peer}; returns once the server stored it.
   *
   * @return the message id, 32 hex characters
   */
  String send(String peer, Content content, Duration ttl) throws IOException, SafehouseException {
    return sendForReceipt(peer, content, ttl).messageId();
  }

  /** As {@link #send}, with the expiry the server applied. */
  SendReceipt sendForReceipt(String peer, Content content, Duration ttl)
      throws IOException, SafehouseException {
    byte[] peerId = Peers.accountId(peer);
    refuseChangedIdentity(peer);
    byte[] messageId = new byte[MESSAGE_ID_BYTES];
    RANDOM.nextBytes(messageId);
    byte[] plaintext = PaddedContent.encode(content);
    Set<Integer> devices = sessionDevices(peer);
    if (devices.isEmpty()) {
      devices = establish(peer, null);
    }
    devices.addAll(refused.getOrDefault(peer, java.util.Collections.emptySet()));
    for (int attempt = 0; ; attempt++) {
      // A device the server wants a copy for but this device has no session with is on no list
      // the peer signed (establish builds sessions only with those): it gets random bytes.
      Set<Integer> real = new TreeSet<>(devices);
      real.retainAll(sessionDevices(peer));
      Set<Integer> ghosts = new TreeSet<>(devices);
      ghosts.removeAll(real);
      if (real.isEmpty()) {
        throw noSignedDevice();
      }
      List<Copy> copies = new ArrayList<>(encrypt(peer, real, plaintext));
      for (int ghost : ghosts) {
        copies.add(decoy(ghost, copies.get(0).getCiphertext().size()));
      }
      Send.Builder send =
          Send.newBuilder()
              .setRecipientAccountId(ByteString.copyFrom(peerId))
              .addAllCopies(copies)
              .setTtlSeconds(ttlSeconds(ttl))
              .setClientMessageId(ByteString.copyFrom(messageId));
      Response response = link.callAllowingErrors(ClientFrame.newBuilder().setSend(send));
      if (response.getError() == ErrorCode.OK) {
        return new SendReceipt(
            Hex.format(messageId),
            Duration.ofSeconds(response.getSent().getTtlSeconds()),
            new ArrayList<>(ghosts));
      }
      if (response.getError() != ErrorCode.DEVICE_MISMATCH || attempt > 0) {
        throw ServerLink.refusal(response);
      }
      Set<Integer> current = new TreeSet<>(response.getDeviceMismatch().getDeviceIdsList());
      Set<Integer> missing = new TreeSet<>(current);
      missing.removeAll(devices);
      synchronized (cryptoLock) {
        for (int gone : devices) {
          if (!current.contains(gone)) {
            signal.deleteSession(new SignalProtocolAddress(peer, gone));
          }
        }
      }
      if (!missing.isEmpty() || !current.containsAll(devices)) {
        // A device gone (unlinked) also means a newer signed list: fetching it now makes it the
        // newest this device remembers, so the server cannot later serve the older list again
        // to bring the unlinked device back.
        establish(peer, missing);
      }
      devices = new TreeSet<>(current);
    }
  }

  /**
   * The peer's identity as this device knows it, fetching the peer's keys (and so starting a
   * session) if this device never saw it.
   */
  IdentityKey identity(String peer) throws IOException, SafehouseException {
    Peers.accountId(peer);
    SignalProtocolAddress address = Peers.address(peer);
    IdentityKey changed = signal.changedIdentity(address).orElse(null);
    if (changed != null) {
      return changed;
    }
    IdentityKey known = signal.getIdentity(address);
    if (known == null) {
      establish(peer, null);
      known = signal.getIdentity(address);
    }
    if (known == null) {
      throw new SafehouseException(
          Reason.UNKNOWN_PEER, "That contact has not finished setting up; try again later.");
    }
    return known;
  }

  private void refuseChangedIdentity(String peer) throws SafehouseException {
    if (signal.changedIdentity(Peers.address(peer)).isPresent()) {
      throw Peers.identityChanged(peer);
    }
  }

  /** Fetches the peer's bundles and builds a session with each device ({@code only} if given). */
  private Set<Integer> establish(String peer, Set<Integer> only)
      throws IOException, SafehouseException {
    Response response =
        link.call(
            ClientFrame.newBuilder()
                .setFetchKeys(
                    FetchKeys.newBuilder()
                        .setAccountId(ByteString.copyFrom(Peers.accountId(peer)))));
    Set<Integer> built = new TreeSet<>();
    boolean firstContact = trustedIdentity(peer) == null;
    Set<Integer> listed = new TreeSet<>(signedDevices(peer, response.getKeyBundles()));
    Set<Integer> offered = new TreeSet<>();
    response.getKeyBundles().getDevicesList().forEach(b -> offered.add(b.getDeviceId()));
    if (!offered.isEmpty() && java.util.Collections.disjoint(listed, offered)) {
      // A list that verifies for none of the devices (the server swapped the keys, or serves a
      // list that is not the peer's): the identity checks below refuse a swapped identity as they
      // always did, and name it; every device must still show the peer's one identity. Once this
      // device has seen a list signed by the identity it trusts, a device that shows that identity
      // stays off: only a signed list may name it (a lost device unlinked since still holds it).
      IdentityKey trusted = trustedIdentity(peer);
      boolean signsLists = trusted != null && lists.newest(peer, trusted) > 0;
      listed = new TreeSet<>();
      for (DeviceKeyBundle b : response.getKeyBundles().getDevicesList()) {
        if (!signsLists
            || !java.util.Arrays.equals(b.getIdentityKey().toByteArray(), trusted.serialize())) {
          listed.add(b.getDeviceId());
        }
      }
    }
    Set<Integer> ghosts = new TreeSet<>();
    for (DeviceKeyBundle bundle : response.getKeyBundles().getDevicesList()) {
      if (peer.equals(self) && bundle.getDeviceId() == selfDevice) {
        continue; // this device itself
      }
      if (!listed.contains(bundle.getDeviceId())) {
        ghosts.add(bundle.getDeviceId());
        synchronized (cryptoLock) {
          signal.deleteSession(new SignalProtocolAddress(peer, bundle.getDeviceId()));
        }
        continue;
      }
      if (only != null && !only.contains(bundle.getDeviceId())) {
        continue;
      }
      SignalProtocolAddress address = new SignalProtocolAddress(peer, bundle.getDeviceId());
      synchronized (cryptoLock) {
        try {
          PreKeyBundle keys = preKeyBundle(bundle);
          // The inviter's first identity must be the one its invite named (SignalStore refuses it
          // too; this check says so clearly and before libsignal touches anything).
          if (signal.refusesFirstContact(address, keys.getIdentityKey())) {
            throw Peers.identityMismatch(peer);
          }
          new SessionBuilder(signal, address).process(keys);
        } catch (UntrustedIdentityException e) {
          throw signal.getIdentity(address) == null
              ? Peers.identityMismatch(peer)
              : Peers.identityChanged(peer);
        } catch (InvalidKeyException e) {
          throw new SafehouseException(
              Reason.PROTOCOL,
              "The contact's published keys are invalid (bad signature); do not trust this server's"
                  + " keys for them and report it.",
              e);
        } catch (UncheckedIOException e) {
          throw e.getCause();
        }
      }
      built.add(bundle.getDeviceId());
    }
    refused.put(peer, ghosts);
    if (firstContact && !built.isEmpty()) {
      signedDevices(peer, response.getKeyBundles()); // remembers the list, its identity now trusted
    }
    if (built.isEmpty() && only == null) {
      if (!ghosts.isEmpty()) {
        throw noSignedDevice();
      }
      throw new SafehouseException(
          Reason.UNKNOWN_PEER, "That contact has not finished setting up; try again later.");
    }
    return built;
  }

  /**
   * The devices on the peer's signed device list, if its signature verifies under the identity this
   * device knows for the peer (for a first contact, the one its bundles show, which {@link
   * #establish} then checks as for any first contact). A peer that never published a list has only
   * its first device (accounts enrolled before lists existed); a list that does not verify names
   * none. Under an identity this device already trusts, a list older than the newest it saw names
   * only the devices the newest names too ({@link DeviceListMemory}).
   */
  private Set<Integer> signedDevices(String peer, KeyBundles bundles)
      throws IOException, SafehouseException {
    IdentityKey known = trustedIdentity(peer);
    if (!bundles.hasDeviceList()) {
      Set<Integer> first = java.util.Collections.singleton(1);
      return known == null ? first : lists.trusted(peer, known, 0, first);
    }
    List<IdentityKey> candidates = new ArrayList<>();
    if (known != null) {
      candidates.add(known);
    } else {
      // First contact: the identity whose signature the list carries (the other bundles' identity
      // is then refused by the first-contact checks, as without lists).
      for (DeviceKeyBundle b : bundles.getDevicesList()) {
        try {
          candidates.add(new IdentityKey(b.getIdentityKey().toByteArray()));
        } catch (InvalidKeyException e) {
          // not a key: cannot have signed anything
        }
      }
    }
    byte[] account = Peers.accountId(peer);
    for (IdentityKey identity : candidates) {
      var listed = DeviceLists.verify(bundles.getDeviceList(), identity, account);
      if (listed.isPresent()) {
        Set<Integer> devices = new TreeSet<>(listed.get().keySet());
        // A first contact's list is remembered once its identity is trusted (see establish): an
        // impostor's list must not become the newest.
        return known == null
            ? devices
            : lists.trusted(peer, known, DeviceLists.version(bundles.getDeviceList()), devices);
      }
    }
    return java.util.Collections.emptySet();
  }

  private static SafehouseException noSignedDevice() {
    return new SafehouseException(
        Reason.PROTOCOL,
        "None of that contact's devices is on a device list its identity signed; nothing was"
            + " sent. Tell the server's operator.");
  }

  /** The identity this device trusts for {@code peer} (its own for itself); null if none yet. */
  private IdentityKey trustedIdentity(String peer) {
    return peer.equals(self)
        ? signal.getIdentityKeyPair().getPublicKey()
        : signal.getIdentity(Peers.address(peer));
  }

  /** Random bytes the size of a real copy, for a device that must get nothing readable. */
  private static Copy decoy(int device, int size) {
    byte[] noise = new byte[size];
    RANDOM.nextBytes(noise);
    return Copy.newBuilder().setDeviceId(device).setCiphertext(ByteString.copyFrom(noise)).build();
  }

  private List<Copy> encrypt(String peer, Set<Integer> devices, byte[] plaintext)
      throws IOException, SafehouseException {
    List<Copy> copies = new ArrayList<>(devices.size());
    synchronized (cryptoLock) {
      for (int device : devices) {
        SignalProtocolAddress address = new SignalProtocolAddress(peer, device);
        try {
          byte[] envelope = Envelope.seal(new SessionCipher(signal, address).encrypt(plaintext));
          copies.add(
              Copy.newBuilder()
                  .setDeviceId(device)
                  .setCiphertext(ByteString.copyFrom(envelope))
                  .build());
        } catch (UntrustedIdentityException e) {
          throw Peers.identityChanged(peer);
        } catch (NoSessionException e) {
          throw new SafehouseException(
              Reason.PROTOCOL, "The session with that contact is missing; try again.", e);
        } catch (UncheckedIOException e) {
          throw e.getCause();
        }
      }
    }
    return copies;
  }

  private Set<Integer> sessionDevices(String peer) {
    Set<Integer> devices = new TreeSet<>();
    synchronized (cryptoLock) {
      if (signal.containsSession(new SignalProtocolAddress(peer, 1))) {
        devices.add(1);
      }
      devices.addAll(signal.getSubDeviceSessions(peer));
    }
    return devices;
  }

  private static PreKeyBundle preKeyBundle(DeviceKeyBundle b)
      throws InvalidKeyException, SafehouseException {
    boolean oneTime = b.hasOneTimePrekey();
    return new PreKeyBundle(
        b.getRegistrationId(),
        b.getDeviceId(),
        oneTime ? b.getOneTimePrekey().getId() : PreKeyBundle.NULL_PRE_KEY_ID,
        oneTime ? new ECPublicKey(b.getOneTimePrekey().getPublicKey().toByteArray()) : null,
        b.getSignedPrekey().getId(),
        new ECPublicKey(b.getSignedPrekey().getPublicKey().toByteArray()),
        b.getSignedPrekey().getSignature().toByteArray(),
        new IdentityKey(b.getIdentityKey().toByteArray()),
        b.getKyberPrekey().getId(),
        new KEMPublicKey(b.getKyberPrekey().getPublicKey().toByteArray()),
        b.getKyberPrekey().getSignature().toByteArray());
  }

  private static int ttlSeconds(Duration ttl) {
    if (ttl == null) {
      return 0;
    }
    if (ttl.isNegative() || ttl.isZero()) {
      throw new IllegalArgumentException("ttl must be positive, or null for the server default");
    }
    return (int) Math.min(ttl.getSeconds(), Integer.MAX_VALUE);
  }
}
