package org.safehouse.sdk;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import java.util.Arrays;
import java.util.Base64;
import org.safehouse.protocol.content.Provisioning;
import org.safehouse.sdk.SafehouseException.Reason;
import org.signal.libsignal.protocol.IdentityKey;
import org.signal.libsignal.protocol.IdentityKeyPair;
import org.signal.libsignal.protocol.InvalidKeyException;
import org.signal.libsignal.protocol.InvalidMessageException;
import org.signal.libsignal.protocol.ecc.ECPrivateKey;
import org.signal.libsignal.protocol.ecc.ECPublicKey;

/**
 * The link code a new device shows, and the provisioning message its approving device encrypts to
 * it.
 *
 * <p>A code is base64url (no padding) of {@code 0x01 || auth public key (32) || provisioning public
 * key (33)}: the Ed25519 key the new device will sign in with, and a fresh Curve25519 key only it
 * holds. The approving device seals the account's identity key pair to the provisioning key (HPKE,
 * libsignal's {@code ECPublicKey.seal}, with the auth key as associated data), so the server, which
 * relays it, never sees it. The code is the trust path: the user carries it from the new device's
 * screen to the old one, as with Signal's QR code.
 */
final class LinkCodes {
  static final String HPKE_INFO = "safehouse-provisioning-v1";
  private static final int VERSION = 1;
  private static final int AUTH_KEY_BYTES = 32;
  private static final int PROVISIONING_KEY_BYTES = 33;

  /** A parsed code. */
  record Code(byte[] authPublicKey, ECPublicKey provisioningKey) {}

  private LinkCodes() {}

  static String format(byte[] authPublicKey, ECPublicKey provisioningKey) {
    byte[] raw = new byte[1 + AUTH_KEY_BYTES + PROVISIONING_KEY_BYTES];
    raw[0] = VERSION;
    System.arraycopy(authPublicKey, 0, raw, 1, AUTH_KEY_BYTES);
    System.arraycopy(provisioningKey.serialize(), 0, raw, 1 + AUTH_KEY_BYTES, 33);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
  }

  /**
   * @throws SafehouseException {@code LINK_INVALID} if {@code code} is not a link code
   */
  static Code parse(String code) throws SafehouseException {
    byte[] raw;
    try {
      raw = Base64.getUrlDecoder().decode(code == null ? "" : code.trim());
    } catch (IllegalArgumentException e) {
      raw = new byte[0];
    }
    if (raw.length != 1 + AUTH_KEY_BYTES + PROVISIONING_KEY_BYTES || raw[0] != VERSION) {
      throw invalid();
    }
    try {
      return new Code(
          Arrays.copyOfRange(raw, 1, 1 + AUTH_KEY_BYTES),
          new ECPublicKey(Arrays.copyOfRange(raw, 1 + AUTH_KEY_BYTES, raw.length)));
    } catch (InvalidKeyException e) {
      throw invalid();
    }
  }

  /** Seals the account's identity to the new device's provisioning key. */
  static byte[] seal(Code code, byte[] accountId, IdentityKeyPair identity) {
    byte[] plain =
        Provisioning.newBuilder()
            .setAccountId(ByteString.copyFrom(accountId))
            .setIdentityPublicKey(ByteString.copyFrom(identity.getPublicKey().serialize()))
            .setIdentityPrivateKey(ByteString.copyFrom(identity.getPrivateKey().serialize()))
            .build()
            .toByteArray();
    return code.provisioningKey().seal(plain, HPKE_INFO, code.authPublicKey());
  }

  /**
   * Opens a provisioning message on the new device.
   *
   * @throws SafehouseException {@code PROTOCOL} if it does not open or names another account
   */
  static IdentityKeyPair open(
      byte[] sealed, ECPrivateKey provisioningKey, byte[] authPublicKey, byte[] accountId)
      throws SafehouseException {
    try {
      Provisioning p =
          Provisioning.parseFrom(provisioningKey.open(sealed, HPKE_INFO, authPublicKey));
      if (!Arrays.equals(p.getAccountId().toByteArray(), accountId)) {
        throw new InvalidMessageException("another account");
      }
      return new IdentityKeyPair(
          new IdentityKey(p.getIdentityPublicKey().toByteArray()),
          new ECPrivateKey(p.getIdentityPrivateKey().toByteArray()));
    } catch (InvalidMessageException
        | InvalidProtocolBufferException
        | InvalidKeyException
        | IllegalArgumentException e) {
      throw new SafehouseException(
          Reason.PROTOCOL,
          "The approving device's message could not be opened; start linking again.",
          e);
    }
  }

  private static SafehouseException invalid() {
    return new SafehouseException(
        Reason.LINK_INVALID,
        "This is not a link code; copy the whole code the new device shows and try again.");
  }
}
