package org.safehouse.sdk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.safehouse.protocol.content.Content;
import org.safehouse.protocol.content.Text;
import org.safehouse.protocol.wire.Authenticate;
import org.safehouse.protocol.wire.ClientFrame;
import org.safehouse.protocol.wire.DeviceKeyBundle;
import org.safehouse.protocol.wire.ErrorCode;
import org.safehouse.protocol.wire.FetchKeys;
import org.safehouse.protocol.wire.Response;
import org.safehouse.sdk.internal.crypto.Envelope;
import org.safehouse.sdk.internal.crypto.PaddedContent;
import org.safehouse.server.SafehouseServer;
import org.safehouse.server.account.AccountId;
import org.safehouse.server.account.DeviceAddress;
import org.safehouse.server.store.WriteOp;
import org.safehouse.server.testing.RawClient;
import org.safehouse.server.testing.TestServers;
import org.signal.libsignal.protocol.IdentityKey;
import org.signal.libsignal.protocol.IdentityKeyPair;
import org.signal.libsignal.protocol.SessionBuilder;
import org.signal.libsignal.protocol.SessionCipher;
import org.signal.libsignal.protocol.SignalProtocolAddress;
import org.signal.libsignal.protocol.ecc.ECKeyPair;
import org.signal.libsignal.protocol.ecc.ECPublicKey;
import org.signal.libsignal.protocol.kem.KEMKeyPair;
import org.signal.libsignal.protocol.kem.KEMKeyType;
import org.signal.libsignal.protocol.kem.KEMPublicKey;
import org.signal.libsignal.protocol.state.PreKeyBundle;
import org.signal.libsignal.protocol.state.impl.InMemorySignalProtocolStore;

/**
 * Helpers for SDK tests against a real server. Public for the console's tests, which get it from
 * the SDK's test jar.
 */
public final class SdkTesting {
  static final char[] PASSPHRASE = "correct horse battery staple".toCharArray();

  private SdkTesting() {}

  /** Receives until {@code count} messages arrived or {@code timeout} passed. */
  static List<ReceivedMessage> receive(SafehouseClient client, int count, Duration timeout)
      throws Exception {
    List<ReceivedMessage> all = new ArrayList<>();
    long deadline = System.nanoTime() + timeout.toNanos();
    while (all.size() < count && System.nanoTime() < deadline) {
      all.addAll(client.receive(Duration.ofMillis(500)));
    }
    return all;
  }

  /** How many one-time prekeys of a kind ('o' EC, 'q' Kyber) the server holds for device 1. */
  static int serverOneTimeKeys(SafehouseServer server, String accountHex, char kind)
      throws Exception {
    DeviceAddress device =
        new DeviceAddress(AccountId.of(java.util.HexFormat.of().parseHex(accountHex)), 1);
    return server
        .store()
        .write(WriteOp.relaxed(tx -> tx.countOneTimeKeys(device, (byte) kind)))
        .get();
  }

  /** Asserts that no file under {@code roots} contains {@code marker} in UTF-8 or UTF-16. */
  static void assertAbsentEverywhere(String marker, Path... roots) throws IOException {
    List<byte[]> needles =
        List.of(
            marker.getBytes(StandardCharsets.UTF_8),
            marker.getBytes(StandardCharsets.UTF_16LE),
            marker.getBytes(StandardCharsets.UTF_16BE));
    int files = 0;
    for (Path root : roots) {
      if (!Files.exists(root)) {
        continue;
      }
      try (Stream<Path> tree = Files.walk(root)) {
        for (Path file : tree.filter(Files::isRegularFile).toList()) {
          byte[] bytes = Files.readAllBytes(file);
          files++;
          for (byte[] needle : needles) {
            assertFalse(indexOf(bytes, needle) >= 0, "plaintext found in " + file);
          }
        }
      }
    }
    if (files == 0) {
      throw new AssertionError("no files scanned");
    }
  }

  private static int indexOf(byte[] haystack, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= haystack.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }

  /** Replaces a device's published keys with an impostor's, as a compromised server could. */
  static void swapKeys(SafehouseServer server, String accountHex) throws Exception {
    DeviceAddress device =
        new DeviceAddress(AccountId.of(java.util.HexFormat.of().parseHex(accountHex)), 1);
    IdentityKeyPair impostor = IdentityKeyPair.generate();
    ECKeyPair signed = ECKeyPair.generate();
    KEMKeyPair kyber = KEMKeyPair.generate(KEMKeyType.KYBER_1024);
    byte[] identity = impostor.getPublicKey().serialize();
    byte[] signedPub = signed.getPublicKey().serialize();
    byte[] kyberPub = kyber.getPublicKey().serialize();
    byte[] signedRecord =
        entry(777, signedPub, impostor.getPrivateKey().calculateSignature(signedPub));
    byte[] kyberRecord =
        entry(778, kyberPub, impostor.getPrivateKey().calculateSignature(kyberPub));
    server
        .store()
        .write(
            tx -> {
              tx.putKeyRecord(
                  device,
                  (byte) 'i',
                  ByteBuffer.allocate(4 + identity.length).putInt(4242).put(identity).array());
              tx.putKeyRecord(device, (byte) 's', signedRecord);
              tx.putKeyRecord(device, (byte) 'k', kyberRecord);
              return null;
            })
        .get();
    // Drop the real one-time keys, so bundles carry only the impostor's.
    for (char kind : new char[] {'o', 'q'}) {
      while (server
          .store()
          .write(WriteOp.relaxed(tx -> tx.takeOneTimeKey(device, (byte) kind).isPresent()))
          .get()) {
        // keep taking
      }
    }
  }

  private static byte[] entry(int id, byte[] pub, byte[] sig) {
    return ByteBuffer.allocate(4 + 2 + pub.length + 2 + sig.length)
        .putInt(id)
        .putShort((short) pub.length)
        .put(pub)
        .putShort((short) sig.length)
        .put(sig)
        .array();
  }

  /**
   * Someone holding {@code credentials}' login but not its Signal identity (a reinstall, or a thief
   * of the server password) sends {@code text} to {@code client} from a fresh identity, as the
   * first message of a new session.
   */
  static void impostorSends(
      SafehouseServer server, DeviceCredentials credentials, String client, String text)
      throws Exception {
    try (RawClient raw = TestServers.connect(server)) {
      Response auth =
          raw.request(
              ClientFrame.newBuilder()
                  .setAuthenticate(
                      Authenticate.newBuilder()
                          .setAccountId(ByteString.copyFrom(credentials.accountId()))
                          .setDeviceId(1)
                          .setSignature(
                              ByteString.copyFrom(credentials.signChallenge(raw.nonce())))));
      assertTrue(auth.hasAuthenticated());
      byte[] messageId = new byte[16];
      messageId[0] = 42;
      sendFirstMessage(raw, IdentityKeyPair.generate(), 99, client, text, 1, messageId);
    }
  }

  /**
   * Over {@code raw} (signed in), starts a Signal session from {@code identity} with device 1 of
   * {@code peer}, from a fresh key bundle, and sends {@code text} as its first message, padded and
   * sealed as the SDK seals it: what a device that lost its keys (a reinstall), or someone holding
   * only its login, sends.
   */
  public static void sendFirstMessage(
      RawClient raw,
      IdentityKeyPair identity,
      int registrationId,
      String peer,
      String text,
      long sentAtMillis,
      byte[] messageId)
      throws Exception {
    InMemorySignalProtocolStore store = new InMemorySignalProtocolStore(identity, registrationId);
    DeviceKeyBundle b =
        raw.request(
                ClientFrame.newBuilder()
                    .setFetchKeys(
                        FetchKeys.newBuilder()
                            .setAccountId(
                                ByteString.copyFrom(java.util.HexFormat.of().parseHex(peer)))))
            .getKeyBundles()
            .getDevices(0);
    SignalProtocolAddress to = new SignalProtocolAddress(peer, 1);
    new SessionBuilder(store, to)
        .process(
            new PreKeyBundle(
                b.getRegistrationId(),
                1,
                b.getOneTimePrekey().getId(),
                new ECPublicKey(b.getOneTimePrekey().getPublicKey().toByteArray()),
                b.getSignedPrekey().getId(),
                new ECPublicKey(b.getSignedPrekey().getPublicKey().toByteArray()),
                b.getSignedPrekey().getSignature().toByteArray(),
                new IdentityKey(b.getIdentityKey().toByteArray()),
                b.getKyberPrekey().getId(),
                new KEMPublicKey(b.getKyberPrekey().getPublicKey().toByteArray()),
                b.getKyberPrekey().getSignature().toByteArray()));
    byte[] plaintext =
        PaddedContent.encode(
            Content.newBuilder()
                .setText(Text.newBuilder().setBody(text).setSentAtMillis(sentAtMillis))
                .build());
    byte[] envelope = Envelope.seal(new SessionCipher(store, to).encrypt(plaintext));
    assertEquals(
        ErrorCode.OK,
        raw.send(java.util.HexFormat.of().parseHex(peer), envelope, messageId).getError());
  }
}
