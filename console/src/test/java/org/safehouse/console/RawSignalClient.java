package org.safehouse.console;

import org.safehouse.protocol.InviteLink;
import org.safehouse.sdk.SdkTesting;
import org.safehouse.server.SafehouseServer;
import org.safehouse.server.testing.RawClient;
import org.safehouse.server.testing.TestServers;
import org.signal.libsignal.protocol.IdentityKeyPair;

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
    byte[] messageId = new byte[16];
    messageId[0] = (byte) ++messages;
    messageId[15] = 7;
    try (RawClient raw = TestServers.login(server, device)) {
      SdkTesting.sendFirstMessage(
          raw, identity, 77, peer, text, System.currentTimeMillis(), messageId);
    }
  }
}
