package org.safehouse.sdk;

import org.safehouse.sdk.SafehouseException.Reason;
import org.safehouse.sdk.internal.store.Hex;
import org.signal.libsignal.protocol.SignalProtocolAddress;

/**
 * Account ids as the app writes them (32 lowercase hex characters) and as the wire carries them.
 */
final class Peers {
  static final int ACCOUNT_ID_BYTES = 16;

  private Peers() {}

  /**
   * @throws SafehouseException {@code UNKNOWN_PEER} if {@code hex} is not an account id
   */
  static byte[] accountId(String hex) throws SafehouseException {
    if (hex == null || hex.length() != 2 * ACCOUNT_ID_BYTES || !hex.equals(hex.toLowerCase())) {
      throw new SafehouseException(
          Reason.UNKNOWN_PEER, "An account id is 32 lowercase hex characters; check it.");
    }
    try {
      return Hex.parse(hex);
    } catch (IllegalArgumentException e) {
      throw new SafehouseException(
          Reason.UNKNOWN_PEER, "An account id is 32 lowercase hex characters; check it.");
    }
  }

  /** The Signal address of a peer's identity; all devices of an account share it. */
  static SignalProtocolAddress address(String peer) {
    return new SignalProtocolAddress(peer, 1);
  }

  static SafehouseException identityChanged(String peer) {
    return new SafehouseException(
        Reason.IDENTITY_CHANGED,
        "The safety number with "
            + peer
            + " changed; compare it with them in person or by phone, then approve it.");
  }

  static SafehouseException identityMismatch(String peer) {
    return new SafehouseException(
        Reason.IDENTITY_MISMATCH,
        "The identity of "
            + peer
            + " is not the one its invite named: the server may be swapping keys; nothing was sent"
            + " or accepted. Ask them for a new invite in person.");
  }
}
