package org.safehouse.sdk;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Arrays;

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

  /** Signs a connection's challenge: Ed25519 over {@code "safehouse-auth-v1\0" || nonce}. */
  byte[] signChallenge(byte[] nonce) {
    try {
      PrivateKey key =
          KeyFactory.getInstance("Ed25519").generatePrivate(new PKCS8EncodedKeySpec(authKeyPkcs8));
      Signature signature = Signature.getInstance("Ed25519");
      signature.initSign(key);
      signature.update(AUTH_CONTEXT);
      signature.update(nonce);
      return signature.sign();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("Ed25519 signing failed", e);
    }
  }

  static KeyPair newAuthKey() {
    try {
      return KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("this JDK has no Ed25519", e);
    }
  }

  /** The raw 32-byte Ed25519 public key, as the server wants it at enrollment. */
  static byte[] rawPublicKey(KeyPair authKey) {
    byte[] spki = authKey.getPublic().getEncoded();
    return Arrays.copyOfRange(spki, spki.length - 32, spki.length);
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
