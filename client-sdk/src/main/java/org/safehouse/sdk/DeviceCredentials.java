package org.safehouse.sdk;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.bouncycastle.crypto.signers.Ed25519Signer;
import org.bouncycastle.crypto.util.PrivateKeyFactory;
import org.bouncycastle.crypto.util.PrivateKeyInfoFactory;
import org.safehouse.sdk.internal.store.Hex;

/**
 * What this device needs to reach and log in to its server, kept in the local store: the server's
 * address, pin and upgrade secret, the account and device ids, the role, and the Ed25519 auth key.
 *
 * @param secret the server's upgrade secret from the invite; null for a device enrolled before
 *     servers had one (version 1 records), which must enroll again
 */
record DeviceCredentials(
    byte[] accountId,
    int deviceId,
    String role,
    String server,
    String pin,
    byte[] authKeyPkcs8,
    String secret) {
  static final String RECORD = "sdk:device";
  private static final byte[] AUTH_CONTEXT =
      "safehouse-auth-v1\0".getBytes(StandardCharsets.US_ASCII);
  private static final int VERSION = 2;

  Account account() {
    return new Account(Hex.format(accountId), role, deviceId, server);
  }

  String accountHex() {
    return Hex.format(accountId);
  }

  /**
   * Signs a connection's challenge: Ed25519 over {@code "safehouse-auth-v1\0" || nonce}. Bouncy
   * Castle's own Ed25519, not the JCA's: Android has Ed25519 in its providers only from API 33.
   */
  byte[] signChallenge(byte[] nonce) {
    return sign(authKeyPkcs8, AUTH_CONTEXT, nonce);
  }

  /** Ed25519 over {@code context || nonce} with a PKCS#8 auth key. */
  static byte[] sign(byte[] authKeyPkcs8, byte[] context, byte[] nonce) {
    Ed25519Signer signer = new Ed25519Signer();
    signer.init(true, privateKey(authKeyPkcs8));
    signer.update(context, 0, context.length);
    signer.update(nonce, 0, nonce.length);
    return signer.generateSignature();
  }

  /** A new Ed25519 auth key, PKCS#8-encoded (RFC 8410), as the JDK's provider encodes it too. */
  static byte[] newAuthKey() {
    try {
      return PrivateKeyInfoFactory.createPrivateKeyInfo(
              new Ed25519PrivateKeyParameters(new SecureRandom()))
          .getEncoded();
    } catch (IOException e) {
      throw new IllegalStateException("cannot encode an Ed25519 key", e);
    }
  }

  /** The raw 32-byte Ed25519 public key of a PKCS#8 auth key, as the server wants it. */
  static byte[] rawPublicKey(byte[] authKeyPkcs8) {
    return privateKey(authKeyPkcs8).generatePublicKey().getEncoded();
  }

  private static Ed25519PrivateKeyParameters privateKey(byte[] pkcs8) {
    try {
      return (Ed25519PrivateKeyParameters) PrivateKeyFactory.createKey(pkcs8);
    } catch (IOException | ClassCastException e) {
      throw new IllegalStateException("the stored auth key is not an Ed25519 key", e);
    }
  }

  byte[] encode() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeByte(VERSION);
      writeBytes(out, accountId);
      out.writeInt(deviceId);
      out.writeUTF(role);
      out.writeUTF(server);
      out.writeUTF(pin);
      writeBytes(out, authKeyPkcs8);
      out.writeUTF(secret);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  static DeviceCredentials decode(byte[] bytes) throws IOException {
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
      int version = in.readUnsignedByte();
      if (version != 1 && version != VERSION) {
        throw new IOException("The stored device record has an unknown version");
      }
      return new DeviceCredentials(
          readBytes(in),
          in.readInt(),
          in.readUTF(),
          in.readUTF(),
          in.readUTF(),
          readBytes(in),
          version == 1 ? null : in.readUTF());
    }
  }

  private static void writeBytes(DataOutputStream out, byte[] value) throws IOException {
    out.writeShort(value.length);
    out.write(value);
  }

  private static byte[] readBytes(DataInputStream in) throws IOException {
    byte[] bytes = new byte[in.readUnsignedShort()];
    in.readFully(bytes);
    return bytes;
  }
}
