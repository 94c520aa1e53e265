package org.safehouse.sdk;

import com.google.protobuf.ByteString;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.safehouse.protocol.wire.ClientFrame;
import org.safehouse.protocol.wire.KeysStatus;
import org.safehouse.protocol.wire.OneTimePreKey;
import org.safehouse.protocol.wire.SignedPreKey;
import org.safehouse.protocol.wire.UploadKeys;
import org.safehouse.sdk.internal.crypto.PreKeys;
import org.safehouse.sdk.internal.crypto.PreKeys.PublicPreKey;
import org.safehouse.sdk.internal.store.SignalStore;

/**
 * Keeps this device's keys published: tops the server's one-time prekeys back up to {@value
 * #ONE_TIME_TARGET} EC and {@value #KYBER_TARGET} Kyber keys when it says they run low (or when it
 * lacks the signed keys, as right after enrollment), and rotates the signed prekey and Kyber
 * last-resort key once they are older than {@link #SIGNED_MAX_AGE}. Calls are serialized, and each
 * top-up first asks the server what it holds, so overlapping notices upload once.
 */
final class KeyMaintenance {
  static final int ONE_TIME_TARGET = 100;
  static final int KYBER_TARGET = 20;
  static final Duration SIGNED_MAX_AGE = Duration.ofDays(7);

  private final ServerLink link;
  private final SignalStore signal;
  private final PreKeys preKeys;
  private final Clock clock;

  KeyMaintenance(ServerLink link, SignalStore signal, PreKeys preKeys, Clock clock) {
    this.link = link;
    this.signal = signal;
    this.preKeys = preKeys;
    this.clock = clock;
  }

  /** Uploads what the server lacks; returns the server's status afterwards. */
  synchronized KeysStatus replenish() throws IOException, SafehouseException {
    KeysStatus status = upload(UploadKeys.newBuilder());
    UploadKeys.Builder upload = UploadKeys.newBuilder();
    boolean needed = false;
    if (status.getNeedsSignedPrekeys()) {
      addSignedKeys(upload);
      needed = true;
    }
    int oneTime = ONE_TIME_TARGET - status.getOneTimePrekeys();
    if (oneTime > 0) {
      for (PublicPreKey k : generate(() -> preKeys.newOneTimePreKeys(oneTime))) {
        upload.addOneTimePrekeys(
            OneTimePreKey.newBuilder()
                .setId(k.id())
                .setPublicKey(ByteString.copyFrom(k.publicKey())));
      }
      needed = true;
    }
    int kyber = KYBER_TARGET - status.getOneTimeKyberPrekeys();
    if (kyber > 0) {
      for (PublicPreKey k : generate(() -> preKeys.newOneTimeKyberPreKeys(kyber))) {
        upload.addOneTimeKyberPrekeys(signed(k));
      }
      needed = true;
    }
    return needed ? upload(upload) : status;
  }

  /** Replaces the signed prekey and Kyber last-resort key if they are due. */
  synchronized void rotateIfDue() throws IOException, SafehouseException {
    Optional<Instant> created = preKeys.signedPreKeyCreated();
    if (created.isPresent() && created.get().plus(SIGNED_MAX_AGE).isAfter(clock.instant())) {
      return;
    }
    UploadKeys.Builder upload = UploadKeys.newBuilder();
    addSignedKeys(upload);
    upload(upload);
  }

  private void addSignedKeys(UploadKeys.Builder upload) throws IOException {
    upload
        .setIdentityKey(ByteString.copyFrom(signal.getIdentityKeyPair().getPublicKey().serialize()))
        .setRegistrationId(signal.getLocalRegistrationId())
        .setSignedPrekey(signed(generate(preKeys::newSignedPreKey)))
        .setKyberLastResort(signed(generate(preKeys::newKyberLastResort)));
  }

  private KeysStatus upload(UploadKeys.Builder upload) throws IOException, SafehouseException {
    return link.call(ClientFrame.newBuilder().setUploadKeys(upload)).getKeysStatus();
  }

  private static SignedPreKey signed(PublicPreKey k) {
    return SignedPreKey.newBuilder()
        .setId(k.id())
        .setPublicKey(ByteString.copyFrom(k.publicKey()))
        .setSignature(ByteString.copyFrom(k.signature()))
        .build();
  }

  private interface Generator<T> {
    T get() throws IOException;
  }

  private static <T> T generate(Generator<T> generator) throws IOException {
    try {
      return generator.get();
    } catch (UncheckedIOException e) {
      throw e.getCause();
    }
  }
}
