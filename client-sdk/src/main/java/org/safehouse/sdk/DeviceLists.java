package org.safehouse.sdk;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import org.safehouse.protocol.wire.DeviceList;
import org.safehouse.protocol.wire.ListedDevice;
import org.safehouse.protocol.wire.SignedDeviceList;
import org.signal.libsignal.protocol.IdentityKey;
import org.signal.libsignal.protocol.IdentityKeyPair;

/**
 * Signed device lists: an account's devices, signed with the account's Signal identity key, which
 * all its devices share. A sender encrypts only to the devices on a list that verifies under the
 * identity it trusts for the account; a device the server adds on its own (a ghost) is on no such
 * list.
 */
final class DeviceLists {
  private static final byte[] CONTEXT =
      "safehouse-device-list-v1\0".getBytes(StandardCharsets.US_ASCII);

  private DeviceLists() {}

  /** Signs a list of {@code devices} (device id to raw Ed25519 auth key). */
  static SignedDeviceList sign(
      IdentityKeyPair identity,
      byte[] accountId,
      long version,
      SortedMap<Integer, byte[]> devices) {
    DeviceList.Builder list =
        DeviceList.newBuilder().setAccountId(ByteString.copyFrom(accountId)).setVersion(version);
    for (Map.Entry<Integer, byte[]> d : devices.entrySet()) {
      list.addDevices(
          ListedDevice.newBuilder()
              .setDeviceId(d.getKey())
              .setAuthPublicKey(ByteString.copyFrom(d.getValue())));
    }
    byte[] bytes = list.build().toByteArray();
    return SignedDeviceList.newBuilder()
        .setList(ByteString.copyFrom(bytes))
        .setSignature(
            ByteString.copyFrom(identity.getPrivateKey().calculateSignature(signed(bytes))))
        .build();
  }

  /**
   * The devices (id to auth key) on {@code signed} if its signature verifies under {@code identity}
   * and it names {@code accountId}; empty otherwise.
   */
  static Optional<SortedMap<Integer, byte[]>> verify(
      SignedDeviceList signed, IdentityKey identity, byte[] accountId) {
    byte[] bytes = signed.getList().toByteArray();
    if (!identity
        .getPublicKey()
        .verifySignature(signed(bytes), signed.getSignature().toByteArray())) {
      return Optional.empty();
    }
    DeviceList list;
    try {
      list = DeviceList.parseFrom(bytes);
    } catch (InvalidProtocolBufferException e) {
      return Optional.empty();
    }
    if (!Arrays.equals(list.getAccountId().toByteArray(), accountId)) {
      return Optional.empty();
    }
    SortedMap<Integer, byte[]> devices = new TreeMap<>();
    for (ListedDevice d : list.getDevicesList()) {
      devices.put(d.getDeviceId(), d.getAuthPublicKey().toByteArray());
    }
    return Optional.of(devices);
  }

  /** The version of a stored list, 0 if there is none or it cannot be read. */
  static long version(SignedDeviceList signed) {
    try {
      return DeviceList.parseFrom(signed.getList()).getVersion();
    } catch (InvalidProtocolBufferException e) {
      return 0;
    }
  }

  private static byte[] signed(byte[] list) {
    byte[] message = Arrays.copyOf(CONTEXT, CONTEXT.length + list.length);
    System.arraycopy(list, 0, message, CONTEXT.length, list.length);
    return message;
  }
}
