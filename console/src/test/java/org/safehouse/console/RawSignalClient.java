package org.safehouse.console;

import com.google.protobuf.ByteString;
import org.safehouse.protocol.InviteLink;
import org.safehouse.protocol.content.Content;
import org.safehouse.protocol.content.Text;
import org.safehouse.protocol.wire.ClientFrame;
import org.safehouse.protocol.wire.DeviceKeyBundle;
import org.safehouse.protocol.wire.ErrorCode;
import org.safehouse.protocol.wire.FetchKeys;
import org.safehouse.server.SafehouseServer;
import org.safehouse.server.testing.RawClient;
import org.safehouse.server.testing.TestServers;
import org.signal.libsignal.protocol.IdentityKey;
import org.signal.libsignal.protocol.IdentityKeyPair;
import org.signal.libsignal.protocol.SessionBuilder;
import org.signal.libsignal.protocol.SessionCipher;
import org.signal.libsignal.protocol.SignalProtocolAddress;
import org.signal.libsignal.protocol.ecc.ECPublicKey;
import org.signal.libsignal.protocol.kem.KEMPublicKey;
import org.signal.libsignal.protocol.message.CiphertextMessage;
import org.signal.libsignal.protocol.state.PreKeyBundle;
import org.signal.libsignal.protocol.state.impl.InMemorySignalProtocolStore;

/**
 * A client device written against the wire protocol, whose Signal identity the test can replace (a
 * reinstall, or someone holding the client's login): what makes a caseworker's console see a
 * changed identity.
 */
final class RawSignalClient {
  private final SafehouseServer server;
  private final RawClient.Device device = new RawClient.Device();
  private int messages;

  /** Enrolls with {@code inviteLink} (made by a caseworker: it opens a case). */
  RawSignalClient(SafehouseServer server, String inviteLink) throws Exception {
    this.server = server;
    try (RawClient c = TestServers.connect(server)) {
      if (!c.enroll(InviteLink.parse(inviteLink).code(), device).hasEnrolled()) {
        throw new IllegalStateException("enroll failed");
      }
    }
  }

  String accountId() {
    return java.util.HexFormat.of().formatHex(device.accountId);
  }

  /** Sends {@code text} to {@code peer} as the first message of a session of {@code identity}. */
  void send(IdentityKeyPair identity, String peer, String text) throws Exception {
    InMemorySignalProtocolStore store = new InMemorySignalProtocolStore(identity, 77);
    try (RawClient raw = TestServers.login(server, device)) {
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
          Content.newBuilder()
              .setText(Text.newBuilder().setBody(text).setSentAtMillis(System.currentTimeMillis()))
              .build()
              .toByteArray();
      CiphertextMessage m = new SessionCipher(store, to).encrypt(plaintext);
      // The SDK's envelope: one type byte (1 = prekey message), then the Signal message.
      byte[] body = m.serialize();
      byte[] envelope = new byte[body.length + 1];
      envelope[0] = (byte) (m.getType() == CiphertextMessage.PREKEY_TYPE ? 1 : 2);
      System.arraycopy(body, 0, envelope, 1, body.length);
      byte[] messageId = new byte[16];
      messageId[0] = (byte) ++messages;
      messageId[15] = 7;
      ErrorCode e =
          raw.send(java.util.HexFormat.of().parseHex(peer), envelope, messageId).getError();
      if (e != ErrorCode.OK) {
        throw new IllegalStateException("send failed: " + e);
      }
    }
  }
}
